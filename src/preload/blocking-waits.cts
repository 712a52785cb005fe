/**
 * A worker thread blocked in `Atomics.wait` never turns its event loop, so neither its flush timer nor
 * terminate()'s request reaches it: piscina's workers wait for tasks so, and lost their whole profile. In a
 * worker, the agent replaces `Atomics.wait` with one that waits in slices of at most SLICE_MS and, between
 * slices, lets the agent cut a chunk when one is due or answer terminate().
 *
 * What the app sees: the same return values ('ok' when notified, 'not-equal', 'timed-out' after its own
 * timeout). Each slice waits on the value the app gave, so a value that changed while the agent worked
 * between slices returns 'not-equal' at once rather than waiting for a notify; and a notify sent in that gap
 * (a few microseconds, or the length of a chunk every couple of seconds) without changing the value is
 * missed, where a protocol that changes the value before notifying (piscina, synckit, Node's own) sees none.
 */

/**
 * How long one slice of a long wait lasts: how soon a blocked worker answers terminate(), which the app waits
 * for (piscina's destroy() took 100 ms longer with slices of 100 ms). Between slices the agent does a few
 * microseconds of work.
 */
const SLICE_MS = 20;

export function sliceBlockingWaits(betweenSlices: () => void): void {
  const realWait = Atomics.wait;
  const wait = function wait(typedArray: Int32Array | BigInt64Array, index: number, value: number | bigint, timeout?: number): ReturnType<typeof Atomics.wait> {
    // Atomics.wait reads a missing or NaN timeout as "for ever".
    const total = timeout === undefined || Number.isNaN(Number(timeout)) ? Infinity : Number(timeout);
    if (!(total > SLICE_MS)) return realWait(typedArray as Int32Array, index, value as number, timeout);
    const deadline = performance.now() + total;
    for (;;) {
      const left = deadline - performance.now();
      const result = realWait(typedArray as Int32Array, index, value as number, Math.min(left, SLICE_MS));
      if (result !== 'timed-out' || left <= SLICE_MS) return result;
      try {
        betweenSlices();
      } catch {
        // the agent's work never breaks the app's wait
      }
    }
  };
  Object.defineProperty(Atomics, 'wait', { value: wait, writable: true, configurable: true, enumerable: false });
}
