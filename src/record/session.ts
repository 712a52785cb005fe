import { chmodSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { describeFileError } from '../files/input-file.js';
import { isInside, isSystemPath, readRegularText } from '../files/untrusted-file.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isProcessFileName,
  isUnprofiledFileName,
  notesDirOf,
  parseChunkFileName,
  parseHeapFileName,
  parseThreadFileName,
  signalFileName,
  STOP_FILE,
  PERMISSION_OPTIONS,
  type ChunkName,
  type PermissionOption,
  type ProcessInfo,
  type UnprofiledProcess,
  type UnprofiledReason,
} from '../preload/agent-protocol.cjs';

export type { ProcessInfo, UnprofiledProcess };

/** The options of `node --permission` a file names, kept only where they are ones an agent reports. */
export function permissionOptionsIn(value: unknown): PermissionOption[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const options = PERMISSION_OPTIONS.filter((option) => value.includes(option));
  return options.length > 0 ? options : undefined;
}

/**
 * The recording's session folder, where the agents (src/preload/) leave their files; see
 * src/preload/agent-protocol.cts for the names. This module reads it, and takes the chunks out (takeChunks).
 */

export interface ChunkFile extends ChunkName {
  path: string;
}

export interface SessionContents {
  processes: ProcessInfo[];
  unprofiled: UnprofiledProcess[];
  /** Worker threads that started, as `<pid>-<threadId>`. */
  workers: string[];
  chunks: ChunkFile[];
  /** record --heap: each thread's heap profile so far (rewritten by its agent, never removed by the recorder). */
  heapFiles: HeapFile[];
}

export interface HeapFile {
  pid: number;
  threadId: number;
  path: string;
}

/** The session folder cannot be made where asked: the user's to fix (another folder). */
export class SessionDirError extends Error {}

/**
 * A new private folder for a recording's session files: in `base`, else $TSPROF_TMPDIR, else the system's
 * temp folder.
 */
export function createSessionDir(base?: string, options: { notesForOtherUsers?: boolean } = {}): string {
  const parent = base ?? process.env.TSPROF_TMPDIR ?? tmpdir();
  const refuse = (why: string) =>
    new SessionDirError(`${parent}: cannot create tsprof's session folder there (${why}); choose another with --tmp-dir or TSPROF_TMPDIR`);
  let dir: string;
  try {
    const real = realpathSync(parent);
    if (!statSync(real).isDirectory()) throw refuse('not a folder');
    // /dev/shm is memory for files (a tmpfs), the rest of /dev, /proc and /sys are not for files at all.
    if (isSystemPath(real) && !isInside(real, '/dev/shm')) throw refuse("a folder of the system's (/proc, /sys, /dev), not one for files");
    dir = mkdtempSync(join(parent, 'tsprof-session-'));
  } catch (error) {
    if (error instanceof SessionDirError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' ? 'no such folder' : describeFileError(error as NodeJS.ErrnoException));
  }
  // A folder other users may write to is a way in: made only when asked for (record --other-users).
  if (!options.notesForOtherUsers) return dir;
  try {
    mkdirSync(notesDirOf(dir));
    chmodSync(notesDirOf(dir), 0o1733); // anyone may leave a note, nobody but tsprof may list or remove others'
  } catch {
    // without it, a process running as another user goes unreported
  }
  return dir;
}

export function removeSessionDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  rmSync(notesDirOf(dir), { recursive: true, force: true });
}

/** Whether the device of the session folder has (next to) no space left: agents could not write their chunks. */
export function sessionDeviceFull(dir: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize < 64 * 1024;
  } catch {
    return false;
  }
}

/** Asks every agent to stop sampling and write its final chunk (record --duration). */
export function requestStop(dir: string): void {
  writeFileSync(join(dir, STOP_FILE), '');
}

/** The most of a process's description or a note that is read. */
const MAX_NOTE_BYTES = 64 * 1024;

/**
 * A file of the session folder, as the recorder reads every one: the profiled program can write there too,
 * so only a regular file this user owns, never through a symlink, never blocking on a FIFO, at most `maxBytes`.
 */
export function readSessionFile(path: string, maxBytes: number): string | undefined {
  return readRegularText(path, maxBytes, { followSymlinks: false, ...(process.getuid ? { ownerUid: process.getuid() } : {}) });
}

/** The largest chunk or heap file read: one that holds more was not written by an agent. */
const MAX_PROFILE_BYTES = 1024 * 1024 * 1024;

/**
 * A chunk or heap profile of the session folder, parsed: undefined when it is no regular file of this user,
 * holds more than MAX_PROFILE_BYTES, or is not (yet: one being written) complete JSON.
 */
export function readSessionProfile(path: string): unknown {
  const text = readSessionFile(path, MAX_PROFILE_BYTES);
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/**
 * Hands each chunk to `take`, in the order its thread wrote them, with its profile parsed (undefined when it
 * cannot be read: no regular file of this user, too large, not JSON), and removes it: the one way chunks
 * leave the session folder, for `record` and `top` alike (so a long recording never fills the disk).
 */
export function takeChunks(chunks: readonly ChunkFile[], take: (chunk: ChunkFile, profile: unknown) => void): void {
  for (const chunk of chunks) {
    take(chunk, readSessionProfile(chunk.path));
    rmSync(chunk.path, { force: true, recursive: true }); // a folder the program named like a chunk too
  }
}

export function readSession(dir: string): SessionContents {
  const contents: SessionContents = { processes: [], unprofiled: readUnprofiled(dir), workers: [], chunks: [], heapFiles: [] };
  for (const name of readdirSync(dir)) {
    const chunk = parseChunkFileName(name);
    const worker = parseThreadFileName(name);
    const heap = parseHeapFileName(name);
    if (chunk) contents.chunks.push({ path: join(dir, name), ...chunk });
    else if (worker) contents.workers.push(worker);
    else if (heap) contents.heapFiles.push({ path: join(dir, name), ...heap });
    else if (isProcessFileName(name)) {
      try {
        const info = JSON.parse(readSessionFile(join(dir, name), MAX_NOTE_BYTES) ?? 'null') as ProcessInfo;
        const missingOptions = permissionOptionsIn(info.missingOptions);
        contents.processes.push({ ...info, ...(missingOptions ? { missingOptions } : {}) });
      } catch {
        // A process that died while writing its description is still known by its chunks.
      }
    }
  }
  contents.processes.sort((a, b) => a.startTime - b.startTime || a.pid - b.pid);
  contents.chunks.sort((a, b) => a.pid - b.pid || a.threadId - b.threadId || a.seq - b.seq);
  contents.heapFiles.sort((a, b) => a.pid - b.pid || a.threadId - b.threadId);
  return contents;
}

const REASONS: readonly UnprofiledReason[] = ['no-inspector', 'not-writable', 'permission', 'permission-inspector', 'settings', 'failed'];

/**
 * The notes of processes that are not profiled, from the session folder and the notes folder beside it. The
 * notes folder is writable by anyone: only the pid (from the name), a known reason and printable words of the
 * command line are taken from a note.
 */
function readUnprofiled(dir: string): UnprofiledProcess[] {
  const found = new Map<number, UnprofiledProcess>();
  for (const folder of [dir, notesDirOf(dir)]) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!isUnprofiledFileName(name)) continue;
      try {
        // Other users write here: their note costs at most its own line of the summary.
        const note = JSON.parse(readRegularText(join(folder, name), MAX_NOTE_BYTES, { followSymlinks: false }) ?? 'null') as Partial<UnprofiledProcess>;
        const words = (value: unknown) =>
          Array.isArray(value) ? value.filter((w): w is string => typeof w === 'string').map((w) => w.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')) : [];
        const reason = REASONS.includes(note.reason as UnprofiledReason) ? (note.reason as UnprofiledReason) : 'failed';
        const missingOptions = permissionOptionsIn(note.missingOptions);
        found.set(Number.parseInt(name, 10), {
          pid: Number.parseInt(name, 10),
          argv: words(note.argv),
          execArgv: words(note.execArgv),
          reason,
          ...(missingOptions ? { missingOptions } : {}),
        });
      } catch {
        // a note being written, or not a note: skip it
      }
    }
  }
  return [...found.values()];
}

/** Whether process `pid`'s agent saw `signal` arrive at or after `sinceMs` (it leaves a marker file). */
export function receivedSignalSince(dir: string, pid: number, signal: string, sinceMs: number): boolean {
  try {
    return statSync(join(dir, signalFileName(pid, signal))).mtimeMs >= sinceMs - 1;
  } catch {
    return false;
  }
}
