import { sep } from 'node:path';
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';

/** Where no program's file is: what they hold is the system's, or endless (/proc/self/pagemap). */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

/** Whether `path` is `folder` or under it (both absolute, symlinks resolved). */
export const isInside = (path: string, folder: string) => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

/** Whether a path (symlinks resolved) is under /proc, /sys or /dev. */
export const isSystemPath = (realPath: string) => SYSTEM_FOLDERS.some((folder) => isInside(realPath, folder));

export interface RegularFileOptions {
  /** false: a symlink is not opened at all (a file in a folder others may write to). Default: resolved. */
  followSymlinks?: boolean;
  /** Only a file this user owns. */
  ownerUid?: number;
}

/** A file's text, read as withRegularFile and readBounded say; undefined when it is not one or holds more. */
export function readRegularText(path: string, maxBytes: number, options: RegularFileOptions = {}): string | undefined {
  return withRegularFile(path, (fd) => readBounded(fd, maxBytes), options)?.toString('utf8');
}

/**
 * Reading a file a profile names: the name is data an attacker chooses. The file is opened only when it is,
 * after symlinks, a regular file outside /proc, /sys and /dev (never blocking on a FIFO, never a device), and
 * what is read is bounded by the bytes actually read, not by what stat says.
 */
export function withRegularFile<T>(path: string, use: (fd: number, size: number) => T, options: RegularFileOptions = {}): T | undefined {
  let fd: number;
  try {
    const real = options.followSymlinks === false ? path : realpathSync(path);
    if (isSystemPath(real)) return undefined;
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (options.ownerUid !== undefined && stat.uid !== options.ownerUid) return undefined;
    return stat.isFile() ? use(fd, stat.size) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** At most `maxBytes` of an open file from `position` on; undefined when it holds more. */
export function readBounded(fd: number, maxBytes: number, position = 0): Buffer | undefined {
  const chunk = Buffer.alloc(Math.min(maxBytes + 1, 256 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const read = readSync(fd, chunk, 0, chunk.length, position + total);
    if (read === 0) return Buffer.concat(chunks, total);
    total += read;
    if (total > maxBytes) return undefined;
    chunks.push(Buffer.from(chunk.subarray(0, read)));
  }
}
