/**
 * Profiles the thread it runs in, with one of two samplers that drive the same V8 CPU profiler:
 * - `inspector`: an in-thread inspector session (node:inspector), which answers synchronously;
 * - `v8-profiler-next`: the native addon, optional. It crashes when asked to stop a profile it is not
 *   running, so this module never does, and when a worker exits mid-profile, so workers stop it in their
 *   exit hook and before terminate() (see profile-threads.cts).
 * Either way a chunk can be cut (rotate, write) or the final one written at any moment, even inside an
 * exit handler. Chunks are V8 profiles with V8's 0-based lines, written atomically to the session folder.
 */
import * as inspector from 'node:inspector';
import { connectSyncSession } from './sync-session.cjs';
import { startThreadHeapSampler, type ThreadHeapSampler } from './thread-heap-sampler.cjs';
import { heldSourceMap } from './held-source-map.cjs';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  chunkFileName,
  HEAP_USE_FIELD,
  HEAP_WATCH_MS,
  HEAP_WRITE_FROM_BYTES,
  HEAP_WRITE_GROWTH,
  heapUseNow,
  nodeCpuProfActive,
  SOURCE_MAPS_FIELD,
  writeFileAtomic,
  type AgentConfig,
} from './agent-protocol.cjs';

export interface ThreadProfiler {
  /** Writes what was sampled since the last chunk and carries on sampling. */
  flush(): void;
  /**
   * Like flush, and writes the heap profile so far too (record --heap), which flush does only now and then:
   * what is kept should the thread die without warning from now on (a signal to a stalled main thread).
   */
  checkpoint(): void;
  /** Writes the last chunk and stops sampling for good; later calls do nothing. */
  finish(): void;
  /** Stops sampling for good without writing anything (nobody will read it). */
  abandon(): void;
}

interface V8Profile {
  nodes: { callFrame: { url: string; lineNumber: number; columnNumber: number } }[];
  samples?: number[];
}

/**
 * A sampler keeps V8's CPU profiler running from start to finish: `rotate` starts the next profile before it
 * stops the current one. Starting a profiler that is not running makes V8 log every compiled function again,
 * which costs a large app (tsc, say) 0.3 s each time; a second profile on a running profiler costs nothing.
 * The few samples taken while both profiles run appear in both chunks; the merge keeps them once.
 */
interface Sampler {
  start(): void;
  /** Starts the next profile, then stops and returns the current one. */
  rotate(): V8Profile;
  /** Stops and returns the current profile, and closes the sampler. */
  stop(): V8Profile;
}

/**
 * One in-thread inspector session. Its Profiler domain runs one profile for `Profiler.start`, but any number
 * started through the inspector console's `profile(title)`, all on the session's one CPU profiler; each
 * `profileEnd(title)` hands the profile over at once in a `consoleProfileFinished` event. (A second session
 * would bring a second CPU profiler, and the full cost of starting it.)
 *
 * Console profiles are announced to every session with the Profiler domain on. Where Node's own `--cpu-prof`
 * session runs, it would print each announcement to the program's stderr ("Cannot retrieve id from the
 * response message") and profile our chunks too: there the sampler uses `Profiler.start` and `Profiler.stop`
 * alone, and pays V8's restart cost at each chunk.
 */
function inspectorSampler(intervalUs: number, threadId: number): Sampler {
  const session = connectSyncSession();
  const post = session.post;
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: intervalUs });
  if (nodeCpuProfActive()) {
    const stop = () => post<{ profile: V8Profile }>('Profiler.stop').profile;
    return {
      start: () => post('Profiler.start'),
      rotate: () => {
        const profile = stop();
        post('Profiler.start');
        return profile;
      },
      stop: () => {
        const profile = stop();
        session.disconnect();
        return profile;
      },
    };
  }
  let finished: V8Profile | undefined;
  session.on('Profiler.consoleProfileFinished', (message) => {
    const { title, profile } = message.params as { title?: string; profile: V8Profile };
    if (title?.startsWith('tsprof-agent-')) finished = profile;
  });
  const titles = [`tsprof-agent-${threadId}-a`, `tsprof-agent-${threadId}-b`];
  let current = 0;
  const end = (title: string): V8Profile => {
    finished = undefined;
    inspector.console.profileEnd(title);
    if (!finished) throw new Error(`profile ${title} was not handed over`);
    return finished;
  };
  return {
    start: () => inspector.console.profile(titles[current]!),
    rotate: () => {
      const next = 1 - current;
      inspector.console.profile(titles[next]!);
      const profile = end(titles[current]!);
      current = next;
      return profile;
    },
    stop: () => {
      const profile = end(titles[current]!);
      session.disconnect();
      return profile;
    },
  };
}

function addonSampler(intervalUs: number, threadId: number): Sampler {
  const addon = require('v8-profiler-next') as {
    setGenerateType(type: number): void;
    setSamplingInterval(us: number): void;
    startProfiling(title: string, recordSamples: boolean): void;
    stopProfiling(title: string): { delete(): void };
  };
  const titles = [`tsprof-${threadId}-a`, `tsprof-${threadId}-b`];
  let current = 0;
  addon.setGenerateType(1); // the same node/sample layout as the inspector's
  addon.setSamplingInterval(intervalUs);
  const stopCurrent = (): V8Profile => {
    const handle = addon.stopProfiling(titles[current]!);
    const profile = JSON.parse(JSON.stringify(handle)) as V8Profile;
    handle.delete();
    // The addon numbers lines and columns from 1 and gives plain paths; the inspector (and V8's own
    // .cpuprofile) number from 0 and give file:// URLs. Chunks follow the inspector.
    for (const node of profile.nodes) {
      const frame = node.callFrame;
      if (frame.lineNumber > 0) frame.lineNumber -= 1;
      if (frame.columnNumber > 0) frame.columnNumber -= 1;
      if (isAbsolute(frame.url)) frame.url = pathToFileURL(frame.url).href;
    }
    return profile;
  };
  return {
    start: () => addon.startProfiling(titles[current]!, true),
    rotate: () => {
      const next = 1 - current;
      addon.startProfiling(titles[next]!, true);
      const profile = stopCurrent();
      current = next;
      return profile;
    },
    stop: stopCurrent,
  };
}

/** Whether this Node runs TypeScript itself (type stripping: `node app.ts`, unflagged from 22.18 and 23.6). */
const nodeRunsTypeScript = Boolean((process.features as { typescript?: string | false }).typescript);
const TYPESCRIPT_URL = /\.(c|m)?ts$/i;

/**
 * The source maps Node holds for the scripts a chunk names, by script URL, each script once per thread. A
 * loader such as tsx transforms TypeScript in memory and registers the map with Node; only from inside the
 * process can tsprof get it (findSourceMap finds maps only when source maps are enabled, as tsx does).
 * A TypeScript file with no map that Node ran itself gets `null`: type stripping keeps every line and column,
 * so it needs none.
 */
function sourceMapsCollector(): (profile: V8Profile) => Record<string, unknown> | undefined {
  const seen = new Set<string>();
  return (profile) => {
    let maps: Record<string, unknown> | undefined;
    for (const node of profile.nodes) {
      const url = node.callFrame.url;
      if (!url || seen.has(url) || url.startsWith('node:')) continue;
      seen.add(url);
      const map = heldSourceMap(url);
      if (map !== undefined) (maps ??= {})[url] = map;
      else if (nodeRunsTypeScript && TYPESCRIPT_URL.test(url)) (maps ??= {})[url] = null;
    }
    return maps;
  };
}

/** The thread's heap sampler; none where it cannot start (the recorder reports the thread without one). */
function startThreadHeapSamplerOrNone(...args: Parameters<typeof startThreadHeapSampler>): ThreadHeapSampler | undefined {
  try {
    return startThreadHeapSampler(...args);
  } catch {
    return undefined;
  }
}

export function startThreadProfiler(config: AgentConfig, threadId: number): ThreadProfiler {
  const sampler = config.sampler === 'v8-profiler-next' ? addonSampler(config.intervalUs, threadId) : inspectorSampler(config.intervalUs, threadId);
  const sourceMapsOf = sourceMapsCollector();
  const heap = config.heap ? startThreadHeapSamplerOrNone(config.heap, config.dir, threadId) : undefined;
  let seq = 0;
  let running = false;

  const cut = (final: boolean, heapNow = false) => {
    if (!running) return; // never stop what is not running (the addon would crash)
    running = !final;
    const profile = final ? sampler.stop() : sampler.rotate();
    const sourceMaps = sourceMapsOf(profile);
    const chunk = { ...profile, ...(sourceMaps ? { [SOURCE_MAPS_FIELD]: sourceMaps } : {}), [HEAP_USE_FIELD]: heapUseNow() };
    // The heap file first: once the final chunk is there, the recorder may take the thread as done.
    if (heap) {
      try {
        heap.write(final, heapNow);
        if (final) heap.stop();
      } catch {
        // the CPU chunk still goes; the recorder reports a thread without heap profile
      }
    }
    writeFileAtomic(config.dir, chunkFileName(process.pid, threadId, seq++, profile.samples?.length ?? 0, final), JSON.stringify(chunk));
  };
  // The agent never throws into the app: a chunk that cannot be cut or written is simply missing.
  const safely =
    (final: boolean, heapNow = false) =>
    () => {
      try {
        cut(final, heapNow);
      } catch {
        // nothing to do: tsprof reports the missing chunk
      }
    };

  sampler.start();
  running = true;
  const stopWatchingHeap = watchHeapGrowth(safely(false, true));
  const abandon = () => {
    stopWatchingHeap();
    if (!running) return;
    running = false;
    try {
      sampler.stop();
      heap?.stop();
    } catch {
      // stopping is all that is left to do
    }
  };
  const finish = safely(true);
  return {
    flush: safely(false),
    checkpoint: safely(false, true),
    finish: () => {
      stopWatchingHeap();
      finish();
    },
    abandon,
  };
}

/**
 * Calls `checkpoint` (a chunk, and the heap profile so far) whenever the thread's JavaScript heap grew past
 * HEAP_WRITE_FROM_BYTES, then by HEAP_WRITE_GROWTH times the last mark (which only rises: about 20 checkpoints
 * from 32 MiB to 4 GiB). A look at the heap's size every HEAP_WATCH_MS costs microseconds.
 */
function watchHeapGrowth(checkpoint: () => void): () => void {
  let mark = HEAP_WRITE_FROM_BYTES / HEAP_WRITE_GROWTH;
  const watch = setInterval(() => {
    const { used } = heapUseNow();
    if (used < mark * HEAP_WRITE_GROWTH) return;
    mark = used;
    checkpoint();
  }, HEAP_WATCH_MS);
  watch.unref();
  return () => clearInterval(watch);
}
