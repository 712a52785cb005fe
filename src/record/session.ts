import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessFileName, parseChunkFileName, parseThreadFileName, signalFileName, STOP_FILE, type ChunkName } from '../agent/session-files.cjs';

/**
 * The recording's session folder, where the agents (src/agent/) leave their files; see
 * src/agent/session-files.cts for the names. This module only reads it.
 */

export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
  /** Node's own options, where `-e <code>` shows for a script given on the command line. */
  execArgv?: string[];
  cwd: string;
  /** Milliseconds since the epoch. */
  startTime: number;
}

export interface ChunkFile extends ChunkName {
  path: string;
}

export interface SessionContents {
  processes: ProcessInfo[];
  /** Worker threads that started, as `<pid>-<threadId>`. */
  workers: string[];
  chunks: ChunkFile[];
}

export function createSessionDir(): string {
  return mkdtempSync(join(tmpdir(), 'tsprof-session-'));
}

export function removeSessionDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Asks every agent to stop sampling and write its final chunk (record --duration). */
export function requestStop(dir: string): void {
  writeFileSync(join(dir, STOP_FILE), '');
}

export function readSession(dir: string): SessionContents {
  const contents: SessionContents = { processes: [], workers: [], chunks: [] };
  for (const name of readdirSync(dir)) {
    const chunk = parseChunkFileName(name);
    const worker = parseThreadFileName(name);
    if (chunk) contents.chunks.push({ path: join(dir, name), ...chunk });
    else if (worker) contents.workers.push(worker);
    else if (isProcessFileName(name)) {
      try {
        contents.processes.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as ProcessInfo);
      } catch {
        // A process that died while writing its description is still known by its chunks.
      }
    }
  }
  contents.processes.sort((a, b) => a.startTime - b.startTime || a.pid - b.pid);
  contents.chunks.sort((a, b) => a.pid - b.pid || a.threadId - b.threadId || a.seq - b.seq);
  return contents;
}

/** Whether process `pid`'s agent saw `signal` arrive at or after `sinceMs` (it leaves a marker file). */
export function receivedSignalSince(dir: string, pid: number, signal: string, sinceMs: number): boolean {
  try {
    return statSync(join(dir, signalFileName(pid, signal))).mtimeMs >= sinceMs - 1;
  } catch {
    return false;
  }
}
