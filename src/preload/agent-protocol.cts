/**
 * The files an agent leaves in the recording's session folder, and how they are named: the one contract
 * between the agent (inside the profiled processes) and `tsprof record` (src/record/session.ts), which
 * imports the names from here.
 *
 *   <pid>.process.json                      who the process is (written at start-up)
 *   <pid>-<threadId>.thread.json            a worker thread started
 *   <pid>-<threadId>-<seq>-<samples>.cpuprofile        one flushed chunk of a thread's profile (with, in
 *                                           SOURCE_MAPS_FIELD, the source maps Node holds for scripts it names first,
 *                                           null for TypeScript Node ran by stripping its types; in HEAP_USE_FIELD,
 *                                           the thread's JavaScript heap in use and its limit)
 *   <pid>-<threadId>-<seq>-<samples>-final.cpuprofile  the last chunk of a thread (its absence = the end was lost)
 *   <pid>-<threadId>.heapprofile            record --heap: the thread's sampled allocations so far, rewritten at
 *                                           its final chunk and at most every HEAP_WRITE_MS before (and as the
 *                                           heap grows: HEAP_WRITE_GROWTH): V8's sampling
 *                                           heap profile, its sampled objects one entry per node and size with
 *                                           their `count`, and source maps as chunks have
 *   <pid>.signal-<NAME>                     the process received signal NAME (for the parent's signal relay)
 *   <pid>-<threadId>.terminate              terminate() was called on that worker (for a worker blocked in Atomics.wait)
 *   <pid>.unprofiled.json                   the process is not profiled, and why (UnprofiledReason); also
 *                                           in notesDirOf(dir), where a process that may not write here leaves it
 *   stop                                    written by tsprof: stop sampling now (--duration)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';

export interface AgentConfig {
  dir: string;
  intervalUs: number;
  flushMs: number;
  /** With `record --no-subprocesses`: profile only a process whose parent is this pid (tsprof itself). */
  onlyChildOf?: number;
  /** Which sampler drives V8's CPU profiler: the inspector's Profiler domain, or the v8-profiler-next addon. */
  sampler: 'inspector' | 'v8-profiler-next';
  /** The `tsprof record` process that reads the session folder: when it is gone, nobody will. */
  recorderPid?: number;
  /** record --heap: sample allocations too, every `intervalBytes` on average, keeping collected objects or not. */
  heap?: HeapSettings;
}

export interface HeapSettings {
  /** `allocated`: every sampled allocation, collected or not (GC pressure); `inuse`: what is still live (leaks). */
  kind: 'allocated' | 'inuse';
  intervalBytes: number;
}

/**
 * The environment variables that carry the agent's settings from the recorder to every process of the command
 * (readConfig reads them back): the one place that knows their names and how each is written.
 */
export function configEnvironment(config: AgentConfig): Record<string, string> {
  return {
    TSPROF_SESSION_DIR: config.dir,
    TSPROF_INTERVAL_US: String(config.intervalUs),
    TSPROF_FLUSH_MS: String(config.flushMs),
    TSPROF_SAMPLER: config.sampler,
    ...(config.recorderPid !== undefined ? { TSPROF_RECORDER_PID: String(config.recorderPid) } : {}),
    ...(config.onlyChildOf !== undefined ? { TSPROF_ONLY_CHILD_OF: String(config.onlyChildOf) } : {}),
    ...(config.heap ? { TSPROF_RECORD_HEAP: config.heap.kind, TSPROF_RECORD_HEAP_INTERVAL: String(config.heap.intervalBytes) } : {}),
  };
}

/**
 * The agent's settings, from the environment tsprof gives the profiled command (configEnvironment); undefined
 * when absent; `{ dir, unreadable }` when not what tsprof writes (the process says so and runs unprofiled,
 * rather than at a guessed rate).
 */
export function readConfig(env: NodeJS.ProcessEnv): AgentConfig | { dir: string; unreadable: true } | undefined {
  const dir = env.TSPROF_SESSION_DIR;
  if (!dir) return undefined;
  const intervalUs = Number(env.TSPROF_INTERVAL_US);
  const flushMs = Number(env.TSPROF_FLUSH_MS);
  const onlyChildOf = Number(env.TSPROF_ONLY_CHILD_OF);
  const recorderPid = Number(env.TSPROF_RECORDER_PID);
  const heapKind = env.TSPROF_RECORD_HEAP;
  const heapInterval = Number(env.TSPROF_RECORD_HEAP_INTERVAL);
  if (!(Number.isInteger(intervalUs) && intervalUs >= 50) || !(Number.isInteger(flushMs) && flushMs >= 100)) return { dir, unreadable: true };
  return {
    dir,
    intervalUs,
    flushMs,
    sampler: env.TSPROF_SAMPLER === 'v8-profiler-next' ? 'v8-profiler-next' : 'inspector',
    ...(Number.isInteger(onlyChildOf) && onlyChildOf > 0 ? { onlyChildOf } : {}),
    ...(Number.isInteger(recorderPid) && recorderPid > 0 ? { recorderPid } : {}),
    // tsprof always gives both (the default interval is the recorder's to know).
    ...((heapKind === 'allocated' || heapKind === 'inuse') && Number.isInteger(heapInterval) && heapInterval > 0
      ? { heap: { kind: heapKind, intervalBytes: heapInterval } }
      : {}),
  };
}

export const STOP_FILE = 'stop';

/**
 * How often a thread's heap profile is written before its final one: V8 builds the whole profile each time, on
 * the thread (0.15 s for tsc's), so it is written seldom; a thread killed without warning loses at most this.
 */
export const HEAP_WRITE_MS = 10_000;

/**
 * A thread writes a chunk and its heap profile whenever its JavaScript heap grew past HEAP_WRITE_FROM_BYTES
 * and then by HEAP_WRITE_GROWTH times since the last time (looked at every HEAP_WATCH_MS): a program that runs
 * out of heap is aborted by V8 with no JavaScript run, so what led there is written before, at 80% of its
 * last size or more. (V8's heap_size_limit cannot say how close the end is: it counts a young generation of
 * 48 MiB on Node 22, 192 MiB on Node 24.)
 */
export const HEAP_WRITE_FROM_BYTES = 32 * 2 ** 20;
export const HEAP_WRITE_GROWTH = 1.25;
export const HEAP_WATCH_MS = 100;

/** The field of a chunk that holds source maps by script URL (a V8 profile has no such field of its own). */
export const SOURCE_MAPS_FIELD = 'tsprofSourceMaps';

/** The field of a chunk that holds the thread's JavaScript heap in use and its limit then, in bytes. */
export const HEAP_USE_FIELD = 'tsprofHeapUse';

export interface HeapUse {
  used: number;
  limit: number;
}

/** The thread's JavaScript heap now (v8.getHeapStatistics: cheap, no walk of the heap). */
export function heapUseNow(): HeapUse {
  const statistics = v8.getHeapStatistics();
  return { used: statistics.used_heap_size, limit: statistics.heap_size_limit };
}

export const processFileName = (pid: number) => `${pid}.process.json`;
export const unprofiledFileName = (pid: number) => `${pid}.unprofiled.json`;
export const isUnprofiledFileName = (name: string) => /^\d+\.unprofiled\.json$/.test(name);

/** Why a process's agent could not profile it. */
export type UnprofiledReason = 'no-inspector' | 'not-writable' | 'permission' | 'permission-inspector' | 'settings' | 'failed';

/** The options of `node --permission` an agent may report missing (the recorder keeps no other word). */
export const PERMISSION_OPTIONS = ['--allow-fs-read', '--allow-fs-write', '--allow-inspector', '--allow-worker'] as const;
export type PermissionOption = (typeof PERMISSION_OPTIONS)[number];

/** `<pid>.process.json`: who a profiled process is. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
  /** Node's own options, where `-e <code>` shows for a script given on the command line. */
  execArgv?: string[];
  cwd: string;
  /** Milliseconds since the epoch. */
  startTime: number;
  /** Options of `node --permission` it lacks, which would let tsprof profile it fully (permissions.cts). */
  missingOptions?: PermissionOption[];
}

/** A process of the command that its agent could not profile (see UnprofiledReason). */
export interface UnprofiledProcess {
  pid: number;
  argv: string[];
  execArgv: string[];
  reason: UnprofiledReason;
  /** With reason `permission`: the options of `node --permission` that profiling it needs. */
  missingOptions?: PermissionOption[];
}

/**
 * A folder beside the session folder that every user may write to but not list (mode 1733), for processes
 * of the command that run as another user: they may not write into the session folder itself.
 */
export const notesDirOf = (sessionDir: string) => `${sessionDir}-notes`;
export const isProcessFileName = (name: string) => /^\d+\.process\.json$/.test(name);
export const threadFileName = (pid: number, threadId: number) => `${pid}-${threadId}.thread.json`;
export const terminateRequestFileName = (pid: number, threadId: number) => `${pid}-${threadId}.terminate`;
export const signalFileName = (pid: number, signal: string) => `${pid}.signal-${signal}`;

export function chunkFileName(pid: number, threadId: number, seq: number, samples: number, final: boolean): string {
  return `${pid}-${threadId}-${seq}-${samples}${final ? '-final' : ''}.cpuprofile`;
}

export interface ChunkName {
  pid: number;
  threadId: number;
  seq: number;
  samples: number;
  final: boolean;
}

/** The parts of a name chunkFileName made, or undefined for any other file. */
export function parseChunkFileName(name: string): ChunkName | undefined {
  const match = /^(\d+)-(\d+)-(\d+)-(\d+)(-final)?\.cpuprofile$/.exec(name);
  if (!match) return undefined;
  return { pid: Number(match[1]), threadId: Number(match[2]), seq: Number(match[3]), samples: Number(match[4]), final: match[5] !== undefined };
}

export const heapFileName = (pid: number, threadId: number) => `${pid}-${threadId}.heapprofile`;

/** The pid and thread of a name heapFileName made, or undefined for any other file. */
export function parseHeapFileName(name: string): { pid: number; threadId: number } | undefined {
  const match = /^(\d+)-(\d+)\.heapprofile$/.exec(name);
  return match ? { pid: Number(match[1]), threadId: Number(match[2]) } : undefined;
}

/** `<pid>-<threadId>` from a name threadFileName made, or undefined for any other file. */
export function parseThreadFileName(name: string): string | undefined {
  return /^\d+-\d+\.thread\.json$/.test(name) ? name.slice(0, -'.thread.json'.length) : undefined;
}

/** Writes a file so that a reader never sees it half-written: a temporary name, then a rename. */
export function writeFileAtomic(dir: string, name: string, content: string): void {
  const temporary = path.join(dir, `.${name}.tmp`);
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, path.join(dir, name));
}

export const SIGNALS_RELAYED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The symbol key (Symbol.for) under which the main thread's profiler controls sit on globalThis. */
export const AGENT_GLOBAL = 'tsprof.agent';

/**
 * The script URL of the calls into an agent that tsprof evaluates in a thread (flush, finish): samples that
 * catch the thread there are tsprof's work, never the app's.
 */
export const AGENT_CALL_URL = 'tsprof-agent-call';

/** Index in the Int32Array shared by the main thread and the helper: 1 while the helper's session is open. */
export const HELPER_CONNECTED = 0;
/** Index in the same array: beats of the main thread's event loop (signal-guard.cts). */
export const LOOP_TURNS = 1;

/** What the helper thread calls in the main thread, under AGENT_GLOBAL. */
export interface MainThreadControls {
  flush(): void;
  finish(): void;
  abandon(): void;
  releaseSignalsIfStalled(): void;
}

/** Whether Node's own `--cpu-prof` profiles this process (given on the command line or in NODE_OPTIONS). */
export function nodeCpuProfActive(): boolean {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes('--cpu-prof');
}

/**
 * Whether the recorder that reads the session folder is gone (killed, say with SIGKILL): then the agents stop
 * sampling and remove the folder, and the program runs on unprofiled, as under py-spy.
 */
export function recorderGone(config: AgentConfig): boolean {
  if (config.recorderPid === undefined) return false;
  try {
    process.kill(config.recorderPid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Removes the session folder (and the notes beside it) that an agent knows its recorder left behind. */
export function removeAbandonedSession(dir: string): void {
  for (const folder of [dir, notesDirOf(dir)]) {
    try {
      fs.rmSync(folder, { recursive: true, force: true });
    } catch {
      // another agent of the command removes it, or it is not ours to remove
    }
  }
}
