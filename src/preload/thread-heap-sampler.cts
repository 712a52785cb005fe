/**
 * record --heap: V8's sampling heap profiler in the thread it runs in, through its own in-thread inspector
 * session. V8 keeps every sampled object (with `allocated`, also those the GC has since collected), so each
 * write is the whole profile so far: the thread's heap file is rewritten, never appended to, at the end and
 * at most every HEAP_WRITE_MS before.
 */
import { heldSourceMap } from './held-source-map.cjs';
import { HEAP_WRITE_MS, heapFileName, SOURCE_MAPS_FIELD, writeFileAtomic, type HeapSettings } from './agent-protocol.cjs';
import { connectSyncSession } from './sync-session.cjs';

interface HeapNode {
  callFrame: { functionName: string; url: string };
  id: number;
  selfSize: number;
  children: HeapNode[];
}

interface SamplingHeapProfile {
  head: HeapNode;
  samples: { size: number; nodeId: number; ordinal: number }[];
}

export interface ThreadHeapSampler {
  /** Writes the thread's profile so far (in use now, or allocated since the start): when `final`, or when due. */
  /** Writes the profile so far: always when `final` or `now`, else at most every HEAP_WRITE_MS. */
  write(final: boolean, now?: boolean): void;
  /** Stops sampling for good. */
  stop(): void;
}

export function startThreadHeapSampler(settings: HeapSettings, dir: string, threadId: number): ThreadHeapSampler {
  const session = connectSyncSession();
  session.post('HeapProfiler.enable');
  const keepCollected = settings.kind === 'allocated';
  session.post('HeapProfiler.startSampling', {
    samplingInterval: settings.intervalBytes,
    includeObjectsCollectedByMajorGC: keepCollected,
    includeObjectsCollectedByMinorGC: keepCollected,
  });
  // Every map found so far goes into every write: the recorder may only ever read the last one.
  const sourceMaps: Record<string, unknown> = {};
  const looked = new Set<string>();
  let stopped = false;
  let lastWrite = Date.now();
  return {
    write: (final, now = false) => {
      if (stopped || (!final && !now && Date.now() - lastWrite < HEAP_WRITE_MS)) return;
      lastWrite = Date.now();
      const { profile } = session.post<{ profile: SamplingHeapProfile }>('HeapProfiler.getSamplingProfile');
      const pending = [profile.head];
      while (pending.length > 0) {
        const node = pending.pop()!;
        const url = node.callFrame.url;
        if (url && !looked.has(url) && !url.startsWith('node:')) {
          looked.add(url);
          const map = heldSourceMap(url);
          if (map !== undefined) sourceMaps[url] = map;
        }
        for (const child of node.children) pending.push(child);
      }
      leaveOutPreloadLoading(profile);
      writeFileAtomic(
        dir,
        heapFileName(process.pid, threadId),
        JSON.stringify({ head: profile.head, samples: sampledObjectsByNodeAndSize(profile), [SOURCE_MAPS_FIELD]: sourceMaps }),
      );
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        session.post('HeapProfiler.stopSampling');
      } finally {
        session.disconnect();
      }
    },
  };
}

/**
 * Node's loader at work on the `--require` preloads, outside any module's code: sampling starts inside
 * tsprof's preload, so what the loader allocates as it finishes loading it (its module cache entries) is
 * tsprof's, not the program's. Code a preload runs has its file's URL and stays (tsprof's own is left out by
 * URL when the profiles are joined); the loader's bytes for the app's own preloads named after tsprof's (a
 * few hundred bytes each: at the default interval, almost never sampled) go too, as they cannot be told apart.
 */
function leaveOutPreloadLoading(profile: SamplingHeapProfile): void {
  const loading = new Set<number>();
  const pending: { node: HeapNode; underPreloads: boolean }[] = [{ node: profile.head, underPreloads: false }];
  while (pending.length > 0) {
    const { node, underPreloads } = pending.pop()!;
    const { functionName, url } = node.callFrame;
    const loaderOnly = url === '' || url.startsWith('node:');
    if (underPreloads && loaderOnly) {
      node.selfSize = 0;
      loading.add(node.id);
    }
    // Node names its own functions in a worker's heap profile less often: `Module._preloadModules` can be
    // `(anonymous)` there, its caller keeps its name.
    const below = (underPreloads && loaderOnly) || (functionName === 'loadPreloadModules' && url.startsWith('node:internal/'));
    for (const child of node.children) pending.push({ node: child, underPreloads: below });
  }
  profile.samples = profile.samples.filter((sample) => !loading.has(sample.nodeId));
}

/**
 * The sampled objects, one entry per node and size with their `count`: a recording of allocations keeps every
 * sampled object, which over hours would make each write larger than the last.
 */
function sampledObjectsByNodeAndSize(profile: SamplingHeapProfile): { size: number; nodeId: number; ordinal: number; count: number }[] {
  const entries = new Map<string, { size: number; nodeId: number; ordinal: number; count: number }>();
  for (const { size, nodeId, ordinal } of profile.samples) {
    const key = `${nodeId} ${size}`;
    const entry = entries.get(key);
    if (entry) entry.count++;
    else entries.set(key, { size, nodeId, ordinal, count: 1 });
  }
  return [...entries.values()];
}
