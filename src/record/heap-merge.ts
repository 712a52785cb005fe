import { appendHeapprofile } from '../import/v8-heapprofile.js';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile, ThreadInfo } from '../model/profile.js';
import { SOURCE_MAPS_FIELD, type HeapSettings } from '../preload/agent-protocol.cjs';

/**
 * record --heap: joins the heap profiles of the threads (one per thread, each the thread's whole profile: a
 * file its agent left, or what an attached process handed over) into one memory profile in bytes, a thread
 * per (process, thread) as in the CPU profile.
 */

/** One thread's heap profile: V8's sampling heap profile, as JSON, read when the profiles are joined. */
export interface ThreadHeap {
  pid: number;
  threadId: number;
  read: () => unknown;
}

export interface HeapMergeResult {
  profile: Profile;
  /** Source maps the profiled processes held for the scripts the profile names, by script URL. */
  sourceMaps: ReadonlyMap<string, unknown>;
  /** What was lost, in words for the summary. */
  problems: string[];
}

export interface HeapMergeOptions {
  heap: HeapSettings;
  command: string;
  startTime: number;
  durationUs?: number;
  /** The thread's name and identity, as the CPU profile has it. */
  threadOf: (pid: number, threadId: number) => ThreadInfo;
  /** tsprof's own work in the profiled threads: left out with everything it allocated. */
  isOwnFrame: (callFrame: { functionName: string; url: string }) => boolean;
}

export function mergeHeapProfiles(heaps: readonly ThreadHeap[], options: HeapMergeOptions): HeapMergeResult {
  const builder = new ProfileBuilder('bytes');
  const sourceMaps = new Map<string, unknown>();
  const problems: string[] = [];
  for (const heap of heaps) {
    const thread = options.threadOf(heap.pid, heap.threadId);
    try {
      const json = heap.read() as Record<string, unknown>;
      const maps = json[SOURCE_MAPS_FIELD];
      if (maps && typeof maps === 'object') for (const [url, map] of Object.entries(maps)) if (!sourceMaps.has(url)) sourceMaps.set(url, map);
      appendHeapprofile(builder, json, { thread: builder.addThread(thread), intervalBytes: options.heap.intervalBytes, isOwnFrame: options.isOwnFrame });
    } catch (error) {
      problems.push(`${thread.name}: its heap profile could not be read (${(error as Error).message})`);
    }
  }
  const profile = builder.build({
    source: 'tsprof record --heap',
    command: options.command,
    startTime: options.startTime,
    heap: options.heap.kind,
    heapIntervalBytes: options.heap.intervalBytes,
    ...(options.durationUs !== undefined ? { durationUs: options.durationUs } : {}),
  });
  return { profile, sourceMaps, problems };
}
