import { importHeapprofile } from '../import/v8-heapprofile.js';
import { isTsprofCode } from '../model/own-code.js';
import type { Profile } from '../model/profile.js';
import { DEFAULT_HEAP_INTERVAL_BYTES } from '../model/sampling.js';
import { connectSyncSession } from '../preload/sync-session.cjs';

/**
 * V8's sampling heap profiler, kept running in the thread it was started in, for Go's `/debug/pprof/heap`:
 * a snapshot is what the sampled allocations still in use add up to, since sampling started (Go's heap profile
 * is in use since the program started, as it samples always). Each sampled object stands for about
 * `intervalBytes` of allocation. V8 runs one sampling heap profiler per thread: while this one runs, another
 * (DevTools' allocation sampling) would take it over.
 */

export interface HeapSampler {
  /** The bytes in use now, by the stack that allocated them; `gc` collects garbage first (Go's `?gc=1`). */
  snapshot(options?: { gc?: boolean }): Promise<Profile>;
  stop(): Promise<void>;
}

/** The thread's one sampler, shared by every handler that asks for it, stopped when the last lets it go. */
let shared: { sampler: Promise<HeapSampler>; users: number } | undefined;

/**
 * The thread's heap sampler, started by the first caller (whose interval it keeps); `release` lets it go.
 * V8 has one sampling heap profiler per thread, so two pprof handlers in one process share it.
 */
export function acquireHeapSampler(intervalBytes = DEFAULT_HEAP_INTERVAL_BYTES): { sampler: Promise<HeapSampler>; release(): Promise<void> } {
  if (!shared) shared = { sampler: startHeapSampler(intervalBytes), users: 0 };
  const mine = shared;
  mine.users++;
  mine.sampler.catch(() => undefined); // a sampler that failed to start fails the requests that need it
  let released = false;
  return {
    sampler: mine.sampler,
    release: async () => {
      if (released) return;
      released = true;
      if (--mine.users > 0) return;
      if (shared === mine) shared = undefined;
      const sampler = await mine.sampler.catch(() => undefined);
      await sampler?.stop().catch(() => undefined);
    },
  };
}

/**
 * Started synchronously (an in-thread session answers at once): allocations made right after the caller
 * asked for the sampler are sampled.
 */
function startHeapSampler(intervalBytes: number): Promise<HeapSampler> {
  try {
    const session = connectSyncSession();
    session.post('HeapProfiler.enable');
    session.post('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
    let stopped = false;
    return Promise.resolve({
      snapshot: (options = {}) => {
        try {
          if (stopped) throw new Error('the heap sampler is stopped');
          if (options.gc) session.post('HeapProfiler.collectGarbage');
          const { profile } = session.post<{ profile: unknown }>('HeapProfiler.getSamplingProfile');
          // What tsprof itself allocated (answering this request, say) is not the program's.
          return Promise.resolve(
            importHeapprofile(profile, {
              heap: 'inuse',
              intervalBytes,
              isOwnFrame: (frame) => isTsprofCode(frame.url),
              source: 'tsprof (in process)',
            }),
          );
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
      stop: () => {
        if (stopped) return Promise.resolve();
        stopped = true;
        try {
          session.post('HeapProfiler.stopSampling');
        } catch {
          // stopping is all that is left to do
        } finally {
          session.disconnect();
        }
        return Promise.resolve();
      },
    });
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
