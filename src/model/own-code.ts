import { fileURLToPath } from 'node:url';

/**
 * tsprof's own code, wherever it is installed: the folder this file was built into (`dist/`). Frames of it
 * are tsprof's work (its agent cutting a chunk, its endpoint answering), never the profiled program's.
 */
export const TSPROF_CODE_DIR = fileURLToPath(new URL('../', import.meta.url));

/** Whether a script URL or path (as V8 reports it) is one of tsprof's own files. */
export function isTsprofCode(url: string): boolean {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url).startsWith(TSPROF_CODE_DIR);
    } catch {
      return false;
    }
  }
  return url.startsWith(TSPROF_CODE_DIR);
}
