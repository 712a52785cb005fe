import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside, isSystemPath, readBounded, withRegularFile } from '../files/untrusted-file.js';

/** Source files larger than this are not shown line by line (a bundle's one long line says nothing). */
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

/**
 * The source lines of a profile's frames, for the page's hot lines, `report --lines` and `--list`. A path in a
 * profile is data an attacker chooses, and the text read goes into pages and reports that get shared: so only
 * the program's own files are read. A file is read only when, after symlinks, it is a regular file inside
 * `root` (the folder the recording ran in, the current folder for an imported profile, or `--sources DIR`),
 * outside /proc, /sys and /dev, text (no NUL byte), and no larger than MAX_SOURCE_BYTES as read (what stat
 * says of /proc files is no bound).
 */
export interface SourceReader {
  /** The lines of a file:// URL or a path (relative to the root); undefined where it is not read. */
  lines(file: string | undefined): string[] | undefined;
  /** Whether `file` was not read because it is not one of the program's files (outside the root, or the system's). */
  refused(file: string | undefined): boolean;
  /** One line on the files that were not read because they are not the program's; undefined when none were. */
  leftOut(): string | undefined;
}

export function sourceLinesReader(root: string): SourceReader {
  const realRoot = realpathOrUndefined(root);
  const cache = new Map<string, string[] | undefined>();
  const outside = new Set<string>();
  const system = new Set<string>();
  const refusedFiles = new Set<string>();
  const lines = (file: string | undefined): string[] | undefined => {
    if (!file) return undefined;
    if (cache.has(file)) return cache.get(file);
    let found: string[] | undefined;
    const path = pathOf(file, root);
    const real = path === undefined ? undefined : realpathOrUndefined(path);
    if (real !== undefined && realRoot !== undefined) {
      const refusal = isSystemPath(real) ? system : isInside(real, realRoot) ? undefined : outside;
      if (refusal) {
        refusal.add(real);
        refusedFiles.add(file);
      } else {
        found = readText(real)?.split(/\r?\n/);
      }
    }
    cache.set(file, found);
    return found;
  };
  const files = (count: number) => `${count} file${count === 1 ? '' : 's'}`;
  return {
    lines,
    refused: (file) => file !== undefined && refusedFiles.has(file),
    leftOut: () => {
      const parts = [
        ...(outside.size > 0 ? [`${files(outside.size)} outside ${root}`] : []),
        ...(system.size > 0 ? [`${files(system.size)} in /proc, /sys or /dev`] : []),
      ];
      return parts.length === 0 ? undefined : `sources: ${parts.join(' and ')} not read (only the program's own files are; --sources DIR reads another folder)`;
    },
  };
}

/**
 * The reader for an imported profile: none for one fetched from an address (it names files of another
 * machine), which is said once; else the files under `--sources DIR` or the current folder.
 */
export function importedSources(options: { fetched: boolean; sourcesDir?: string; cwd: string }, warn: (message: string) => void): SourceReader {
  if (!options.fetched) return sourceLinesReader(options.sourcesDir ?? options.cwd);
  warn('sources: not read for a profile fetched from an address (its files are those of another machine)');
  return { lines: () => undefined, refused: () => false, leftOut: () => undefined };
}

function pathOf(file: string, root: string): string | undefined {
  try {
    if (file.startsWith('file://')) return fileURLToPath(file);
  } catch {
    return undefined;
  }
  if (isAbsolute(file)) return file;
  return /^[a-z][\w+.-]*:/i.test(file) ? undefined : resolve(root, file); // node:internal/..., http://...
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The file's text: a regular file (never a FIFO or device), read up to the size cap, without a NUL byte. */
function readText(path: string): string | undefined {
  const bytes = withRegularFile(path, (fd) => readBounded(fd, MAX_SOURCE_BYTES));
  return bytes === undefined || bytes.includes(0) ? undefined : bytes.toString('utf8');
}
