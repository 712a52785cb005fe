/**
 * The sampling facts every way of profiling shares (record, record --pid, top, the continuous agent): one
 * place, so that a rate means the same interval everywhere.
 */

/** Samples per second when none is asked for: 2 ms between samples, as `--cpu-prof-interval 2000`. */
export const DEFAULT_RATE_HZ = 500;

/** Samples per second inside a service (the pprof endpoint, the continuous agent), as Go's pprof: 100. */
export const SERVICE_RATE_HZ = 100;

/**
 * The most samples per second tsprof asks V8 for. V8's sampler thread wakes every interval; above this its
 * own work takes a measurable share of the machine and the rate it achieves falls away from the one asked.
 */
export const MAX_RATE_HZ = 10_000;

/** V8's sampling interval for `rateHz` samples per second, in whole microseconds (clamped to MAX_RATE_HZ). */
export function samplingIntervalUs(rateHz: number): number {
  return Math.round(1e6 / Math.min(rateHz, MAX_RATE_HZ));
}

/**
 * How often a recorded thread hands over what it sampled (a chunk): the most of a thread's profile lost when
 * it is killed without warning (the preload cuts its first chunks sooner, in a thread's first 2 s).
 */
export const FLUSH_MS = 2000;

/** The chunk interval of `top`'s agents: its view is at most about a second behind. */
export const LIVE_FLUSH_MS = 1000;

/** Allocation sampling's interval when none is asked for: one sample per 512 KiB, as Node's --heap-prof-interval. */
export const DEFAULT_HEAP_INTERVAL_BYTES = 512 * 1024;
/** The largest allocation sampling interval tsprof asks V8 for (1 GiB: V8 takes a 32-bit interval). */
export const MAX_HEAP_INTERVAL_BYTES = 1024 * 1024 * 1024;

/**
 * The size of the object behind one sample of V8's sampling heap profiler. V8 reports each sampled object
 * scaled up to the allocations sampling skipped: `size x round(1 / (1 - exp(-size / interval)))` bytes (a
 * Poisson process over bytes, as Go samples too: a small object is rarely caught, so each caught one stands
 * for many). This inverts that, without the rounding: exact for objects near the interval or larger, within
 * a factor of two for small ones, which is why object counts are estimates.
 */
export function sampledObjectSize(scaledBytes: number, intervalBytes: number): number {
  const scaled = (size: number) => size / (1 - Math.exp(-size / intervalBytes));
  if (scaledBytes <= scaled(MIN_OBJECT_BYTES)) return MIN_OBJECT_BYTES;
  let low = MIN_OBJECT_BYTES;
  let high = scaledBytes;
  for (let i = 0; i < 50; i++) {
    const middle = (low + high) / 2;
    if (scaled(middle) < scaledBytes) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** The smallest object V8 allocates on its heap (a pointer-sized header and a field). */
const MIN_OBJECT_BYTES = 16;
