import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { importProfile, ProfileFormatError, type ImportOptions, type InputFormat } from '../import/index.js';
import type { Profile } from '../model/profile.js';
import { applySourceMaps } from '../sourcemaps/apply.js';
import { ScriptMaps } from '../sourcemaps/script-maps.js';
import { UserError } from './errors.js';
import { fetchProfile, isProfileUrl, withoutPassword } from './fetch-profile.js';
import { checkOutputFolder } from './output-folder.js';
import { describeFileError, InputFileError, readInputFile } from '../files/input-file.js';

export interface ReadOptions extends ImportOptions {
  /**
   * Map frames of compiled code back to their sources with the maps next to the scripts on disk (V8
   * .cpuprofile input only: folded and speedscope files name whatever their tool chose). Frames whose
   * script names a map that cannot be read are reported through onWarning.
   */
  sourceMaps?: boolean;
}

/** What the commands that read profiles (convert, report, diff) take from their command line. */
export interface ProfileInputOptions {
  idle?: boolean;
  skipBadLines?: boolean;
  /** What the lines in folded labels are (see ImportOptions.foldedLines). */
  foldedLines?: 'start' | 'executing';
  /** Map compiled frames back to their sources (default true). */
  sourceMaps?: boolean;
  /** Request headers (`Name: value`) for inputs that are addresses. */
  header?: string[];
  /** Sent to addresses as `Authorization: Bearer`; default: TSPROF_TOKEN. */
  token?: string;
}

/**
 * Reads a profile named on the command line: a file, `-` for stdin, or an http(s) address to fetch (a pprof
 * endpoint, a profile store's query). Warnings name the input as `name` does: `stdin`, or an address without
 * its password.
 */
export async function readProfileInput(
  input: string,
  options: ProfileInputOptions,
  warn: (message: string) => void,
): Promise<{ profile: Profile; format: InputFormat; fetched: boolean; name: string }> {
  const fetched = isProfileUrl(input);
  const name = fetched ? withoutPassword(input) : input === '-' ? 'stdin' : input;
  const read: ReadOptions = {
    keepIdle: options.idle ?? false,
    skipBadLines: options.skipBadLines ?? false,
    ...(options.foldedLines ? { foldedLines: options.foldedLines } : {}),
    sourceMaps: options.sourceMaps ?? true,
    onWarning: (message) => warn(`${name}: ${message}`),
  };
  if (!fetched) return { ...readProfileFile(input, read), fetched, name };
  const token = options.token ?? process.env.TSPROF_TOKEN;
  const bytes = await fetchProfile(input, { headers: options.header ?? [], ...(token ? { token } : {}) });
  // A fetched profile names scripts of another machine: no source maps are looked for here.
  return { ...readProfileBytes(name, bytes, { ...read, sourceMaps: false }), fetched, name };
}

/** The largest profile file read (folded text and pprof; JSON stops at 256 MB when it is parsed). */
const MAX_PROFILE_FILE_BYTES = 2 * 2 ** 30;

/** Reads and imports a profile file (`-` for stdin); every failure becomes a one-line UserError naming the file. */
export function readProfileFile(path: string, options: ReadOptions = {}): { profile: Profile; format: InputFormat } {
  let bytes: Uint8Array;
  try {
    bytes = readInputFile(path === '-' ? 0 : path, MAX_PROFILE_FILE_BYTES);
  } catch (error) {
    if (error instanceof InputFileError) throw new UserError(`${path === '-' ? 'stdin' : path}: ${error.message}`);
    throw error;
  }
  return readProfileBytes(path, bytes, options);
}

/** Imports a profile read from `name`; every failure becomes a one-line UserError naming it. */
function readProfileBytes(name: string, bytes: Uint8Array, options: ReadOptions): { profile: Profile; format: InputFormat } {
  const path = name;
  let result: { profile: Profile; format: InputFormat };
  try {
    result = importProfile(bytes, { ...options, fileName: path });
  } catch (error) {
    if (error instanceof ProfileFormatError) {
      throw new UserError(`${path}${error.line !== undefined ? `:${error.line}` : ''}: ${error.message.replace(/^line \d+: /, '')}`);
    }
    if (error instanceof RangeError) throw new UserError(`${path}: the profile is too large or too deeply nested to read`);
    throw error;
  }
  if (result.profile.samples.length === 0) throw new UserError(`${path}: the profile contains no samples`);
  if (options.sourceMaps && result.format === 'cpuprofile') {
    const mapping = applySourceMaps(result.profile, new ScriptMaps());
    if (mapping.unmapped > 0) options.onWarning?.(`${mapping.unmapped} frame${mapping.unmapped === 1 ? '' : 's'} without source map (left as compiled)`);
    return { ...result, profile: mapping.profile };
  }
  return result;
}

/**
 * Writes `content` to `path` atomically: a temporary file in the same folder, then a rename, so a reader
 * never sees half a file and a failed write leaves any earlier file untouched. A file that is replaced keeps
 * its permissions (a private 600 output stays private). With `alternatives` (for a name the user did not
 * give) an existing file is never replaced: `alternatives(2)`, `alternatives(3)`, ... are tried, each claimed
 * atomically, so two recordings started in the same second both keep their profile. Returns the path
 * written; `-` writes to stdout.
 */
export function writeOutput(path: string, content: string | Uint8Array, options: { alternatives?: (attempt: number) => string } = {}): string {
  if (path === '-') {
    process.stdout.write(content);
    return path;
  }
  checkOutputFolder(path);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let written = path;
  try {
    writeFileSync(temporary, content);
    if (options.alternatives) {
      written = claimFreeName(temporary, path, options.alternatives);
      rmSync(temporary, { force: true });
    } else {
      const mode = existingMode(path);
      if (mode !== undefined) chmodSync(temporary, mode);
      renameSync(temporary, path);
    }
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UserError(`${written}: cannot write (${describeFileError(error as NodeJS.ErrnoException)})`);
  }
  return written;
}

function existingMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** Hard-links `temporary` to the first of `path`, `alternatives(2)`, ... that does not exist (a link never replaces). */
function claimFreeName(temporary: string, path: string, alternatives: (attempt: number) => string): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? path : alternatives(n);
    try {
      linkSync(temporary, candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 1000) throw error;
    }
  }
}
