import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { appendCpuprofile } from '../import/v8-cpuprofile.js';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile } from '../model/profile.js';
import type { ChunkFile, ProcessInfo, SessionContents } from './session.js';

export interface MergeOptions {
  keepIdle: boolean;
  command: string;
  /** Wall-clock start of the recording, ms since the epoch. */
  startTime: number;
  intervalUs: number;
  /** How often agents write a chunk: what a killed process can lose at most. */
  flushMs: number;
  /** Keep only these processes, when given. */
  pids?: ReadonlySet<number>;
}

export interface MergeResult {
  profile: Profile;
  /** Samples taken, idle ones included. */
  sampleCount: number;
  /** Busy (non-idle) samples and the wall time they cover: the achieved rate is their ratio. */
  busySamples: number;
  busyUs: number;
  processCount: number;
  threadCount: number;
  /** What was lost, in words for the summary. */
  problems: string[];
}

/**
 * Joins the chunks every agent wrote into one Profile: one thread per (process, thread), named
 * `node <pid> <argv summary>` or `worker <threadId> (node <pid>)`, all on one time line (V8 stamps samples
 * with the system's monotonic clock, the same in every process).
 */
export function mergeSession(session: SessionContents, options: MergeOptions): MergeResult {
  const processes = new Map(session.processes.map((info) => [info.pid, info]));
  const chunks = session.chunks.filter((chunk) => !options.pids || options.pids.has(chunk.pid));
  const byThread = new Map<string, ChunkFile[]>();
  for (const chunk of chunks) {
    const key = `${chunk.pid}-${chunk.threadId}`;
    const list = byThread.get(key);
    if (list) list.push(chunk);
    else byThread.set(key, [chunk]);
  }

  const parsed = new Map<ChunkFile, unknown>();
  const problems: string[] = [];
  let origin = Infinity;
  let end = -Infinity;
  for (const chunk of chunks) {
    try {
      const json = JSON.parse(readFileSync(chunk.path, 'utf8')) as { startTime?: number; endTime?: number };
      parsed.set(chunk, json);
      if (typeof json.startTime === 'number') origin = Math.min(origin, json.startTime);
      if (typeof json.endTime === 'number') end = Math.max(end, json.endTime);
    } catch {
      problems.push(`${describeProcess(chunk.pid, processes.get(chunk.pid))}: a chunk could not be read and is missing`);
    }
  }

  const builder = new ProfileBuilder('samples');
  const result = { sampleCount: 0, busySamples: 0, busyUs: 0 };
  // Threads in the order their processes started, main thread first.
  const threadKeys = [...byThread.keys()].sort((a, b) => {
    const [pidA, tidA] = a.split('-').map(Number) as [number, number];
    const [pidB, tidB] = b.split('-').map(Number) as [number, number];
    const startA = processes.get(pidA)?.startTime ?? Infinity;
    const startB = processes.get(pidB)?.startTime ?? Infinity;
    return startA - startB || pidA - pidB || tidA - tidB;
  });
  for (const key of threadKeys) {
    const threadChunks = byThread.get(key)!;
    const { pid, threadId } = threadChunks[0]!;
    const info = processes.get(pid);
    const thread = builder.addThread({
      name: threadId === 0 ? describeProcess(pid, info) : `worker ${threadId} (node ${pid})`,
      pid,
      threadId,
    });
    for (const chunk of threadChunks) {
      const json = parsed.get(chunk);
      if (json === undefined) continue;
      try {
        const appended = appendCpuprofile(builder, json, { keepIdle: options.keepIdle, thread, timeOriginUs: origin });
        result.sampleCount += appended.sampleCount;
        result.busySamples += appended.sampleCount - appended.idleSamples;
        result.busyUs += appended.busyUs;
      } catch (error) {
        problems.push(`${describeProcess(pid, info)}: a chunk could not be read (${(error as Error).message})`);
      }
    }
    if (!threadChunks.some((chunk) => chunk.final)) {
      const who = threadId === 0 ? describeProcess(pid, info) : `worker ${threadId} of node ${pid}`;
      problems.push(`${who}: ended without its final chunk (killed, e.g. by SIGKILL or the OOM killer, or a worker ended by terminate()); up to its last ${options.flushMs / 1000} s of samples are missing`);
    }
  }
  const lostEarly = 'no profile was written (it was killed before its first chunk)';
  for (const info of session.processes) {
    if (options.pids && !options.pids.has(info.pid)) continue;
    if (!chunks.some((chunk) => chunk.pid === info.pid)) problems.push(`${describeProcess(info.pid, info)}: ${lostEarly}`);
  }
  for (const worker of session.workers) {
    const [pid, threadId] = worker.split('-').map(Number) as [number, number];
    if (options.pids && !options.pids.has(pid)) continue;
    if (!byThread.has(worker)) problems.push(`worker ${threadId} of node ${pid}: ${lostEarly}`);
  }

  const profile = builder.build({
    source: 'tsprof record',
    command: options.command,
    startTime: options.startTime,
    intervalUs: options.intervalUs,
    ...(Number.isFinite(origin) && end >= origin ? { durationUs: end - origin } : {}),
  });
  const pids = new Set(threadKeys.map((key) => Number(key.split('-')[0])));
  return { profile, ...result, processCount: pids.size, threadCount: threadKeys.length, problems };
}

/** `node 1234 server.js --port 80` (or `node 1234 -e <code>`): how a process is named in roots and messages. */
export function describeProcess(pid: number, info: ProcessInfo | undefined): string {
  if (!info) return `node ${pid}`;
  const [, script, ...args] = info.argv;
  const evalAt = (info.execArgv ?? []).findIndex((arg) => ['-e', '--eval', '-p', '--print'].includes(arg));
  const words = script !== undefined ? [basename(script), ...args] : evalAt >= 0 ? info.execArgv!.slice(evalAt, evalAt + 2) : [];
  const summary = words.join(' ').replace(/\s+/g, ' ').trim();
  return `node ${pid}${summary ? ` ${summary.length > 60 ? `${summary.slice(0, 57)}...` : summary}` : ''}`;
}
