/**
 * tsprof's profiles as a library: read any profile tsprof reads (a file, bytes, or an http(s) address), write
 * it in any format tsprof writes, compare two versions as `tsprof diff` does, and list its functions as
 * `tsprof report` does. Each function does what its command does, without printing: a problem is thrown as a
 * ProfileError whose message is the one line the command would print.
 */
import { functionTable, type FunctionStats } from '../analyze/report.js';
import { diffProfiles as diffProfileRuns, type ProfileDiff } from '../analyze/diff.js';
import { UserError } from '../cli/errors.js';
import { readProfileInput } from '../cli/io.js';
import { renderProfile } from '../cli/output-formats.js';
import { sourceLinesReader } from '../cli/source-lines.js';
import { importProfile, ProfileFormatError } from '../import/index.js';
import { OUTPUT_FORMATS, type InputFormat, type OutputFormat } from '../model/formats.js';
import type { Profile } from '../model/profile.js';

/** A profile that cannot be read or written: the message is one line, naming the file or address. */
export class ProfileError extends Error {
  override name = 'ProfileError';
}

export interface ReadProfileOptions {
  /** Keep `(idle)` samples (the event loop waiting); left out by default, as the commands do. */
  idle?: boolean;
  /** Map compiled frames back to their sources with the maps beside the scripts (default true; files only). */
  sourceMaps?: boolean;
  /** Request headers (`Name: value`) for an address; `token` is sent as `Authorization: Bearer`. */
  headers?: string[];
  token?: string;
  /** What is worth knowing but not fatal (frames without a source map, bytes that are not UTF-8). */
  onWarning?: (message: string) => void;
}

/**
 * Reads a profile: a file path, an http(s) address (a pprof endpoint, a profile store's query), or the bytes
 * of a file. The format is found from the content (V8 .cpuprofile and .heapprofile, speedscope, folded
 * stacks, pprof; gzipped or not).
 */
export async function readProfile(input: string | Uint8Array, options: ReadProfileOptions = {}): Promise<{ profile: Profile; format: InputFormat }> {
  const warn = options.onWarning ?? (() => {});
  if (typeof input !== 'string') {
    try {
      return importProfile(input, { keepIdle: options.idle ?? false, onWarning: warn });
    } catch (error) {
      if (error instanceof ProfileFormatError) throw new ProfileError(error.message);
      throw error;
    }
  }
  const token = options.token ?? process.env.TSPROF_TOKEN;
  try {
    const { profile, format } = await readProfileInput(
      input,
      { idle: options.idle ?? false, sourceMaps: options.sourceMaps ?? true, header: options.headers ?? [], ...(token !== undefined ? { token } : {}) },
      warn,
    );
    return { profile, format };
  } catch (error) {
    throw asProfileError(error);
  }
}

export interface WriteProfileOptions {
  /** The page's and speedscope's title. */
  title?: string;
  /** Folded stacks: the executing line in each innermost frame's label (profiles that have lines). */
  lines?: boolean;
  /** The page: show the source of hot functions, read from the program's files under this folder (default: none). */
  sources?: string;
}

/**
 * The profile in `format` (`html`, `folded`, `speedscope`, `cpuprofile`, `heapprofile`, `pprof`): text, or bytes
 * for pprof (gzipped profile.proto). A memory profile is no .cpuprofile, CPU samples no .heapprofile.
 */
export function writeProfile(profile: Profile, format: OutputFormat, options: WriteProfileOptions = {}): string | Uint8Array {
  if (!OUTPUT_FORMATS.includes(format)) throw new ProfileError(`"${String(format)}" is not a format tsprof writes (${OUTPUT_FORMATS.join(', ')})`);
  try {
    return renderProfile(profile, format, {
      cwd: process.cwd(),
      ...(options.title !== undefined ? { title: options.title } : {}),
      ...(options.lines ? { lines: true } : {}),
      sources: options.sources !== undefined ? sourceLinesReader(options.sources) : false,
    });
  } catch (error) {
    throw asProfileError(error);
  }
}

/**
 * Compares two versions as `tsprof diff` does: each side one profile or several runs of the same version,
 * every function's share before and after, the change, its Holm-corrected p-value and the verdict
 * (`regressed`, `improved`, or `noise`), largest change first, by own time (`self`) and inclusive time
 * (`total`). File paths in frames are shown relative to `cwd` (default: the current folder).
 */
export function diffProfiles(
  before: Profile | readonly Profile[],
  after: Profile | readonly Profile[],
  options: { alpha?: number; lines?: boolean; cwd?: string } = {},
): ProfileDiff {
  const runs = (side: Profile | readonly Profile[]): readonly Profile[] => ('frames' in side ? [side] : side);
  return diffProfileRuns(runs(before), runs(after), {
    cwd: options.cwd ?? process.cwd(),
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
    ...(options.lines ? { lines: true } : {}),
  });
}

/** The profile's functions with their own (`self`) and inclusive (`total`) weight and share, hottest first, as `tsprof report` lists them. */
export function reportProfile(profile: Profile, options: { by?: 'self' | 'total'; top?: number } = {}): FunctionStats[] {
  return functionTable(profile, options);
}

/** The commands' one-line errors as the library's. */
function asProfileError(error: unknown): unknown {
  return error instanceof UserError ? new ProfileError(error.message) : error;
}
