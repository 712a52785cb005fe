import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Source files larger than this are not shown line by line (a bundle's one long line says nothing). */
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

/**
 * The lines of a profile's source file, from disk, for `report --lines` and `--list`: a file:// URL or a
 * path (relative to `cwd`); undefined for what is not a readable file (node:internal code, a URL, a file
 * since removed).
 */
export function sourceLinesReader(cwd: string): (file: string | undefined) => string[] | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file) => {
    if (!file) return undefined;
    if (cache.has(file)) return cache.get(file);
    let lines: string[] | undefined;
    try {
      const path = file.startsWith('file://') ? fileURLToPath(file) : isAbsolute(file) ? file : /^[a-z][\w+.-]*:/i.test(file) ? undefined : resolve(cwd, file);
      if (path && statSync(path).isFile() && statSync(path).size <= MAX_SOURCE_BYTES) lines = readFileSync(path, 'utf8').split(/\r?\n/);
    } catch {
      lines = undefined;
    }
    cache.set(file, lines);
    return lines;
  };
}
