import { fstatSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside, isSystemPath, readBounded, withRegularFile } from '../files/untrusted-file.js';
import type { Profile } from '../model/profile.js';
import { visible } from './terminal.js';

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
  /**
   * What to tell the user about the sources read, one line each: the files not read because they are not the
   * program's, and those changed after the profile was taken (their lines may not be the ones that ran).
   */
  notes(): string[];
}

/** How many changed files a note names before it says "and N more". */
const NAMED_FILES = 3;

/** `takenAt`: when the profile was taken (ms since the epoch); sources changed after it are named in notes(). */
export function sourceLinesReader(root: string, takenAt?: number): SourceReader {
  const realRoot = realpathOrUndefined(root);
  const cache = new Map<string, string[] | undefined>();
  const outside = new Set<string>();
  const system = new Set<string>();
  const refusedFiles = new Set<string>();
  const changed = new Set<string>();
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
        const text = readText(real);
        found = text?.text.split(/\r?\n/);
        // A second's grace: file systems keep coarse times, and a recording ends after its last write.
        if (text && takenAt !== undefined && text.modifiedMs > takenAt + 1000) changed.add(relative(realRoot, real));
      }
    }
    cache.set(file, found);
    return found;
  };
  const files = (count: number) => `${count} file${count === 1 ? '' : 's'}`;
  return {
    lines,
    refused: (file) => file !== undefined && refusedFiles.has(file),
    notes: () => {
      const parts = [
        ...(outside.size > 0 ? [`${files(outside.size)} outside ${root}`] : []),
        ...(system.size > 0 ? [`${files(system.size)} in /proc, /sys or /dev`] : []),
      ];
      const named = [...changed].slice(0, NAMED_FILES).map(visible).join(', ') + (changed.size > NAMED_FILES ? ` and ${changed.size - NAMED_FILES} more` : '');
      return [
        ...(parts.length > 0 ? [`sources: ${parts.join(' and ')} not read (only the program's own files are; --sources DIR reads another folder)`] : []),
        ...(changed.size > 0
          ? [`sources: ${files(changed.size)} changed after the profile was taken (${named}): the lines shown may not be those that ran`]
          : []),
      ];
    },
  };
}

/**
 * When a profile was taken, for sourceLinesReader: its end as it says (start and duration), else the time its
 * file was last written; undefined when neither is known (stdin).
 */
export function profileTakenAt(profile: Profile, fileModifiedMs?: number): number | undefined {
  const { startTime, durationUs } = profile.meta;
  if (startTime !== undefined) return startTime + (durationUs ?? 0) / 1000;
  return fileModifiedMs;
}

/**
 * The reader for an imported profile: none for one fetched from an address (it names files of another
 * machine), which is said once; else the files under `--sources DIR` or the current folder.
 */
export function importedSources(
  options: { fetched: boolean; sourcesDir?: string; cwd: string; takenAt?: number },
  warn: (message: string) => void,
): SourceReader {
  if (!options.fetched) return sourceLinesReader(options.sourcesDir ?? options.cwd, options.takenAt);
  warn('sources: not read for a profile fetched from an address (its files are those of another machine)');
  return { lines: () => undefined, refused: () => false, notes: () => [] };
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

/** The file's text and when it was last written: a regular file (never a FIFO or device), read up to the size cap, without a NUL byte. */
function readText(path: string): { text: string; modifiedMs: number } | undefined {
  const read = withRegularFile(path, (fd) => ({ bytes: readBounded(fd, MAX_SOURCE_BYTES), modifiedMs: fstatSync(fd).mtimeMs }));
  return read?.bytes === undefined || read.bytes.includes(0) ? undefined : { text: read.bytes.toString('utf8'), modifiedMs: read.modifiedMs };
}
