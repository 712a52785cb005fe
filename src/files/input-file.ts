import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isSystemPath } from './untrusted-file.js';

/**
 * A file the user named as input (`report FILE`, `-` for stdin): a regular file or a pipe (`<(zcat x.gz)`),
 * read to its end but never past `maxBytes`. A device (`/dev/zero`, a terminal) or a file of
 * /proc, /sys or /dev (whose stated size is 0 and whose reads may never end) is refused before it is read.
 */
export function readInputFile(path: string | 0, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = path === 0 ? 0 : openSync(path, 'r');
  } catch (error) {
    throw new InputFileError(describeFileError(error as NodeJS.ErrnoException));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new InputFileError('is a folder, not a file');
    // Pipes come as FIFOs or (from Node's child_process, say) as sockets.
    if (!stat.isFile() && !stat.isFIFO() && !stat.isSocket())
      throw new InputFileError(path === 0 ? 'is a terminal or a device; pipe a profile in' : 'is a device, not a file');
    if (stat.isFile() && path !== 0 && isSystemPath(realpathSync(path))) throw new InputFileError('is a file of the system (/proc, /sys, /dev), not a profile');
    if (stat.isFile() && stat.size > maxBytes) throw new InputFileError(tooLarge(maxBytes));
    return readToEnd(fd, maxBytes, stat.isFile() ? stat.size : 0);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(describeFileError(error as NodeJS.ErrnoException));
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/** Why an input file cannot be read, in a few words (the caller names the file). */
export class InputFileError extends Error {}

/**
 * Reads `fd` to its end: into one buffer of the size stat gave (a regular file: no copy, so a 1 GB folded
 * file takes 1 GB), then, should it hold more, in chunks up to `maxBytes`.
 */
function readToEnd(fd: number, maxBytes: number, statedSize: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  if (statedSize > 0) {
    const whole = Buffer.allocUnsafe(statedSize);
    while (total < statedSize) {
      const read = readSync(fd, whole, total, statedSize - total, null);
      if (read === 0) return whole.subarray(0, total);
      total += read;
    }
    chunks.push(whole);
  }
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  for (;;) {
    let read: number;
    try {
      read = readSync(fd, chunk, 0, Math.min(chunk.length, maxBytes + 1 - total), null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      // A non-blocking stdin with nothing to read yet: wait a little, without spinning.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      continue;
    }
    if (read === 0) return chunks.length === 1 ? chunks[0]!.subarray(0, total) : Buffer.concat(chunks, total);
    total += read;
    if (total > maxBytes) throw new InputFileError(tooLarge(maxBytes));
    chunks.push(Buffer.from(chunk.subarray(0, read))); // a copy: a pipe gives 64 KiB at a time, the buffer is reused
  }
}

const tooLarge = (maxBytes: number) => `holds more than ${Math.round(maxBytes / 2 ** 20)} MB, the most tsprof reads`;

/** A file system error in a few words: what went wrong, without Node's `ENOENT: ..., open 'x'` wrapping. */
export function describeFileError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'a read-only file system';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    default:
      // `EIO: i/o error, read` -> `i/o error`
      return /^[A-Z]+: ([^,]+)/.exec(error.message)?.[1] ?? error.message;
  }
}
