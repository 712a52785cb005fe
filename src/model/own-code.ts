import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * tsprof's own code, wherever it is installed: the folder this file was built into (`dist/`). Frames of it
 * are tsprof's work (its agent cutting a chunk, its endpoint answering), never the profiled program's.
 */
export const TSPROF_CODE_DIR = fileURLToPath(new URL('../', import.meta.url));
const TSPROF_CODE_URL = pathToFileURL(TSPROF_CODE_DIR).href;

/** Whether a script URL or path (as V8 reports it: a path for CommonJS, a file URL for ES modules) is tsprof's. */
export function isTsprofCode(url: string): boolean {
  return url.startsWith(TSPROF_CODE_DIR) || url.startsWith(TSPROF_CODE_URL);
}
