import { dirname } from 'node:path';
import { processThreadName, workerThreadName } from '../model/thread-names.js';
import { appendCpuprofile, describeDroppedPositions, describeTruncatedSamples } from '../import/v8-cpuprofile.js';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile, ThreadInfo } from '../model/profile.js';
import { AGENT_CALL_URL, HEAP_USE_FIELD, PERMISSION_OPTIONS, SOURCE_MAPS_FIELD, type HeapUse } from '../preload/agent-protocol.cjs';
import { formatBytes } from '../model/weights.js';
import { AGENT_PATH } from './spawn.js';
import { isTsprofCode } from '../model/own-code.js';
import { readSession, readSessionProfile, takeChunks, type HeapFile, type ProcessInfo, type UnprofiledProcess } from './session.js';
import type { HeapSettings, PermissionOption, UnprofiledReason } from '../preload/agent-protocol.cjs';
import { mergeHeapProfiles, type HeapMergeResult, type ThreadHeap } from './heap-merge.js';

/** Why a process is not profiled, in words for the summary. */
const UNPROFILED_REASONS: Record<UnprofiledReason, string> = {
  'no-inspector': 'Node started it without an inspector, which sampling needs (node --test starts its test runner so)',
  'not-writable': "it may not write to tsprof's session folder (it runs as another user)",
  permission: 'it runs under node --permission, without the options sampling needs',
  'permission-inspector': 'it runs under node --permission, which refuses the inspector sampling needs (Node 24 and later allow it: --allow-inspector)',
  settings: 'the TSPROF_ variables that tell its agent the rate were changed on the way to it',
  failed: "tsprof's agent could not start in it",
};

export interface MergeOptions {
  keepIdle: boolean;
  command: string;
  /** Wall-clock start of the recording, ms since the epoch. */
  startTime: number;
  /** The recording's start on V8's clock (the system's monotonic clock, µs): time zero of the profile. */
  originUs: number;
  intervalUs: number;
  /** How often agents write a chunk: what a killed process can lose at most. */
  flushMs: number;
  /** Keep only processes whose command line (or pid) contains this text, with their worker threads. */
  processFilter?: string;
  /**
   * Why a thread can miss chunks, for the summary: agents lose them only when `killed` (spawn mode, the
   * default); an attached process's threads lose them when they simply `ended` (record --pid).
   */
  lostChunkCause?: 'killed' | 'ended';
  /** `tsprof record` or `tsprof record --pid`: the profile's source. */
  source?: string;
  /** record --heap: the agents sample allocations too, and each thread leaves its heap profile. */
  heap?: HeapSettings;
}

export interface MergeResult {
  profile: Profile;
  /** Source maps the profiled processes held for the scripts in the profile, by script URL. */
  sourceMaps: ReadonlyMap<string, unknown>;
  /** Samples taken, idle ones included (tsprof's own work not). */
  sampleCount: number;
  /** Samples that caught tsprof's own work in the program's threads, left out of the profile. */
  ownSamples: number;
  processCount: number;
  /**
   * Every option a process run under `node --permission` needs to be profiled fully, with tsprof's folders:
   * for the summary of a recording in which no process could even say why it was not profiled.
   */
  permissionOptions: string;
  threadCount: number;
  /** What was lost, in words for the summary. */
  problems: string[];
  /** record --heap: the memory profile of the same run. */
  heap?: HeapMergeResult;
}

interface ThreadState {
  index: number;
  pid: number;
  threadId: number;
  /** V8 timestamp of the last sample added: consecutive chunks overlap by a few samples. */
  lastSampleUs?: number;
  final: boolean;
  /** The thread's JavaScript heap when it wrote its last chunk. */
  heapUse?: HeapUse;
}

/**
 * Joins the chunks the agents write into one Profile while the command runs, so that little is left to do
 * when it exits, and deletes each chunk once it is in (a long recording never fills the disk). One thread per
 * (process, thread), named `node <pid> <argv summary>` or `worker <threadId> (node <pid>)`; all on one time
 * line, since V8 stamps samples with the system's monotonic clock, the same in every process.
 */
export class SessionMerger {
  private readonly builder = new ProfileBuilder('samples');
  private readonly threads = new Map<string, ThreadState>();
  /** Source maps the agents captured, by script URL. */
  private readonly sourceMaps = new Map<string, unknown>();
  private readonly processes = new Map<number, ProcessInfo>();
  /** The folder the session folder is in: where `node --permission` must let a process write. */
  private sessionParent: string | undefined;
  private readonly unprofiled = new Map<number, UnprofiledProcess>();
  private readonly workersStarted = new Set<string>();
  private readonly problems: string[] = [];
  private heapFiles: HeapFile[] = [];
  /** Heap profiles handed over in memory (record --pid), by `<pid>-<threadId>`. */
  private readonly heapProfiles = new Map<string, ThreadHeap>();
  private sampleCount = 0;
  private droppedPositions = 0;
  private ownSamples = 0;
  private truncatedSamples = 0;
  private endUs = -Infinity;

  constructor(private readonly options: MergeOptions) {}

  /** Takes in every chunk written to the session folder since the last call, and deletes it. */
  poll(dir: string): void {
    this.sessionParent = dirname(dir);
    const session = readSession(dir);
    for (const info of session.processes) this.processes.set(info.pid, info);
    for (const note of session.unprofiled) this.unprofiled.set(note.pid, note);
    for (const worker of session.workers) this.workersStarted.add(worker);
    this.heapFiles = session.heapFiles;
    takeChunks(session.chunks, (chunk, profile) => {
      if (this.kept(chunk.pid)) this.addProfile(chunk.pid, chunk.threadId, profile, chunk.final);
    });
  }

  /** Describes a process whose chunks come straight from memory (record --pid). */
  addProcess(info: ProcessInfo): void {
    this.processes.set(info.pid, info);
  }

  /** Notes a worker thread that started, so that one which ends before its first chunk is reported. */
  addWorker(pid: number, threadId: number): void {
    this.workersStarted.add(`${pid}-${threadId}`);
  }

  /** `--allow-fs-write=<where the session folder is> --allow-inspector`, for the summary. */
  private describeOptions(options: readonly PermissionOption[]): string {
    const onSession = (option: PermissionOption) => option === '--allow-fs-read' || option === '--allow-fs-write';
    return options.map((option) => (onSession(option) && this.sessionParent ? `${option}=${this.sessionParent}` : option)).join(' ');
  }

  /** Whether process `pid` passes the process filter (its description is written before its first chunk). */
  private kept(pid: number): boolean {
    const filter = this.options.processFilter;
    if (filter === undefined) return true;
    const info = this.processes.get(pid) ?? this.unprofiled.get(pid);
    return String(pid) === filter || (info !== undefined && [...info.argv, ...(info.execArgv ?? [])].join(' ').includes(filter));
  }

  /** Counts for the live status line and the summary: samples taken in so far, processes and threads seen. */
  get counts(): { samples: number; processes: number; threads: number } {
    const pids = new Set([...this.threads.values()].map((t) => t.pid));
    for (const pid of this.processes.keys()) if (this.kept(pid)) pids.add(pid);
    const threads = new Set([...this.threads.keys()]);
    for (const pid of pids) threads.add(`${pid}-0`);
    for (const worker of this.workersStarted) if (pids.has(Number(worker.split('-')[0]))) threads.add(worker);
    return { samples: this.sampleCount, processes: pids.size, threads: threads.size };
  }

  /** True once every thread that wrote a chunk has written its final one. */
  get allFinal(): boolean {
    return this.threads.size > 0 && [...this.threads.values()].every((thread) => thread.final);
  }

  /** Takes in one chunk: the V8 cpuprofile a thread sampled since its previous chunk (undefined: unreadable). */
  addProfile(pid: number, threadId: number, json: unknown, final: boolean): void {
    const thread = this.threadFor(pid, threadId);
    if (final) thread.final = true;
    if (json === undefined) {
      this.problems.push(`${this.describeThread(thread)}: a chunk could not be read and is missing`);
      return;
    }
    const sourceMaps = (json as Record<string, unknown> | null)?.[SOURCE_MAPS_FIELD];
    thread.heapUse = heapUseIn((json as Record<string, unknown> | null)?.[HEAP_USE_FIELD]) ?? thread.heapUse;
    if (sourceMaps && typeof sourceMaps === 'object') this.addSourceMaps(Object.entries(sourceMaps));
    try {
      const appended = appendCpuprofile(this.builder, json, {
        keepIdle: this.options.keepIdle,
        thread: thread.index,
        timeOriginUs: this.options.originUs,
        // Samples come after the recording's start and before now (a second's margin for the clocks' steps).
        timeWindowUs: { from: this.options.originUs - 1e6, to: Number(process.hrtime.bigint() / 1000n) + 1e6 },
        ...(thread.lastSampleUs !== undefined ? { skipUntilUs: thread.lastSampleUs } : {}),
        isOwnFrame: isAgentFrame,
        isTransparentFrame: isAgentWaitFrame,
      });
      thread.lastSampleUs = appended.lastSampleUs ?? thread.lastSampleUs;
      this.sampleCount += appended.sampleCount;
      this.droppedPositions += appended.droppedPositions;
      this.ownSamples += appended.ownSamples;
      this.truncatedSamples += appended.truncatedSamples;
      if (appended.endTime !== undefined) this.endUs = Math.max(this.endUs, appended.endTime);
    } catch (error) {
      this.problems.push(`${this.describeThread(thread)}: a chunk could not be read (${(error as Error).message})`);
    }
  }

  /** Takes in a thread's heap profile (its whole profile: a later one replaces it). */
  addHeapProfile(pid: number, threadId: number, json: unknown): void {
    this.heapProfiles.set(`${pid}-${threadId}`, { pid, threadId, read: () => json });
  }

  /** Source maps of scripts, by URL, as the profiled processes hold them; the first one for a URL stays. */
  addSourceMaps(maps: Iterable<[string, unknown]>): void {
    for (const [url, map] of maps) if (!this.sourceMaps.has(url)) this.sourceMaps.set(url, map);
  }

  private threadFor(pid: number, threadId: number): ThreadState {
    const key = `${pid}-${threadId}`;
    let thread = this.threads.get(key);
    if (!thread) {
      thread = { index: this.builder.addThread(this.threadInfo(pid, threadId)), pid, threadId, final: false };
      this.threads.set(key, thread);
    }
    return thread;
  }

  /** The heap profiles of the threads kept; a thread that sampled CPU but left no heap profile is reported. */
  private mergeHeap(settings: HeapSettings, durationUs: number | undefined): HeapMergeResult {
    const fromFiles = this.heapFiles.map((file): ThreadHeap => ({
      ...file,
      read: (): unknown => readSessionProfile(file.path) ?? null,
    }));
    const heaps = [...fromFiles, ...this.heapProfiles.values()].filter((heap) => this.kept(heap.pid));
    const heap = mergeHeapProfiles(heaps, {
      heap: settings,
      command: this.options.command,
      startTime: this.options.startTime,
      ...(durationUs !== undefined ? { durationUs } : {}),
      threadOf: (pid, threadId) => this.threadInfo(pid, threadId),
      isOwnFrame: (frame) => isAgentFrame(frame) || isAgentWaitFrame(frame),
    });
    const withHeap = new Set(heaps.map((entry) => `${entry.pid}-${entry.threadId}`));
    for (const [key, thread] of this.threads) {
      if (!withHeap.has(key)) heap.problems.push(`${this.describeThread(thread)}: no heap profile arrived; its allocations are missing`);
    }
    return heap;
  }

  /** A thread as profiles name it: `node <pid> <argv summary>` or `worker <threadId> (node <pid>)`. */
  private threadInfo(pid: number, threadId: number): ThreadInfo {
    return { name: threadId === 0 ? processThreadName(pid, this.processes.get(pid)) : workerThreadName(threadId, pid), pid, threadId };
  }

  private describeThread(thread: ThreadState): string {
    return thread.threadId === 0 ? processThreadName(thread.pid, this.processes.get(thread.pid)) : `worker ${thread.threadId} of node ${thread.pid}`;
  }

  /**
   * Builds the profile from everything taken in; the merger cannot be used afterwards. `deviceFull`: the
   * session folder's device filled up, which is why chunks are missing (not a kill); `abortedPid`: the
   * recorded command's process, when it died of SIGABRT.
   */
  finish(options: { deviceFull?: boolean; abortedPid?: number } = {}): MergeResult {
    const problems = [...this.problems];
    if (this.droppedPositions > 0) problems.push(describeDroppedPositions(this.droppedPositions));
    if (this.truncatedSamples > 0) problems.push(describeTruncatedSamples(this.truncatedSamples, this.sampleCount));
    for (const thread of this.threads.values()) {
      if (!thread.final) {
        const heap = thread.heapUse ? `; ${formatBytes(thread.heapUse.used)} of JavaScript heap in use at its last chunk` : '';
        const reason = options.deviceFull
          ? "its session folder's device is full"
          : thread.pid === options.abortedPid
            ? `aborted by SIGABRT, as Node is when it runs out of JavaScript heap${heap}`
            : this.options.lostChunkCause === 'ended'
              ? 'it ended while sampled'
              : `killed: by SIGKILL, the OOM killer, a signal while busy in synchronous code, or SIGABRT as when out of JavaScript heap${heap}`;
        problems.push(
          `${this.describeThread(thread)}: ended without its final chunk (${reason}); up to its last ${this.options.flushMs / 1000} s of samples are missing`,
        );
      }
    }
    const kept = (pid: number) => this.kept(pid);
    const lostEarly = options.deviceFull
      ? "no samples arrived (its session folder's device is full)"
      : `no samples arrived (it ${this.options.lostChunkCause === 'ended' ? 'ended' : 'was killed'} before its first chunk)`;
    for (const info of this.processes.values()) {
      if (kept(info.pid) && !this.threads.has(`${info.pid}-0`)) problems.push(`${processThreadName(info.pid, info)}: ${lostEarly}`);
      if (kept(info.pid) && info.missingOptions) {
        problems.push(
          `${processThreadName(info.pid, info)}: runs under node --permission without ${this.describeOptions(info.missingOptions)}: no helper thread, ` +
            'so its profile was written only as it exited (a signal or a kill would have lost it all)',
        );
      }
    }
    for (const note of this.unprofiled.values()) {
      const add = note.missingOptions ? ` (add ${this.describeOptions(note.missingOptions)})` : '';
      if (kept(note.pid)) problems.push(`${processThreadName(note.pid, note)}: not profiled: ${UNPROFILED_REASONS[note.reason]}${add}`);
    }
    for (const worker of this.workersStarted) {
      const [pid, threadId] = worker.split('-').map(Number) as [number, number];
      if (kept(pid) && !this.threads.has(worker)) problems.push(`worker ${threadId} of node ${pid}: ${lostEarly}`);
    }
    const profile = this.builder.build({
      source: this.options.source ?? 'tsprof record',
      command: this.options.command,
      startTime: this.options.startTime,
      intervalUs: this.options.intervalUs,
      ...(this.endUs > this.options.originUs ? { durationUs: this.endUs - this.options.originUs } : {}),
    });
    const { processes, threads } = this.counts;
    const heap = this.options.heap ? this.mergeHeap(this.options.heap, profile.meta.durationUs) : undefined;
    return {
      ...(heap ? { heap } : {}),
      profile,
      sourceMaps: this.sourceMaps,
      sampleCount: this.sampleCount,
      ownSamples: this.ownSamples,
      processCount: processes,
      permissionOptions: `--allow-fs-read=${dirname(AGENT_PATH)} ${this.describeOptions(
        // Node 22 has no option that allows the inspector (its permission model refuses it outright).
        PERMISSION_OPTIONS.filter((option) => option !== '--allow-inspector' || process.allowedNodeEnvironmentFlags.has(option)),
      )}`,
      threadCount: threads,
      problems,
    };
  }
}

/**
 * tsprof's own work inside a profiled thread: its agent's files, the calls it evaluates there (named by
 * AGENT_CALL_URL), and the `(tsprof)` frame an attached recording names its console calls with.
 */
/** The heap use a chunk names (HEAP_USE_FIELD), if it is two sizes in bytes: the program could write anything. */
function heapUseIn(value: unknown): HeapUse | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { used, limit } = value as Record<string, unknown>;
  const size = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return size(used) && size(limit) && limit > 0 ? { used, limit } : undefined;
}

export function isAgentFrame(callFrame: { functionName: string; url: string }): boolean {
  if (isAgentWaitFrame(callFrame)) return false; // the app's own wait (below)
  return callFrame.url === AGENT_CALL_URL || callFrame.functionName === '(tsprof)' || (callFrame.url !== '' && isTsprofCode(callFrame.url));
}

/**
 * The agent's Atomics.wait in a worker (src/preload/blocking-waits.cts) stands for the app's own Atomics.wait:
 * its frame is left out and its samples kept, as V8 shows the app's wait (the work the agent does between
 * slices runs in other agent functions, which are tsprof's own).
 */
export function isAgentWaitFrame(callFrame: { functionName: string; url: string }): boolean {
  return callFrame.functionName === 'wait' && isTsprofCode(callFrame.url) && /[\\/]preload[\\/]blocking-waits\.cjs$/.test(callFrame.url);
}
