import { toCpuprofile } from '../export/cpuprofile.js';
import { toFolded } from '../export/folded.js';
import { toHeapprofile } from '../export/heapprofile.js';
import { toHtml } from '../export/html.js';
import { toPprof } from '../export/pprof.js';
import { loadPageAssets } from '../export/html-assets.js';
import { toSpeedscope } from '../export/speedscope.js';
import { OutputTooLargeError } from '../export/output-size.js';
import { UserError } from './errors.js';
import { sourceLinesReader, type SourceReader } from './source-lines.js';
import type { Profile } from '../model/profile.js';
import { FORMATS, formatHolds, outputFormatsFor, type OutputFormat } from '../model/formats.js';

export interface RenderContext {
  cwd: string;
  title?: string;
  recordedAt?: Date;
  /** The file being written, for messages. */
  outputName?: string;
  /** Folded stacks with the executing line in each innermost frame's label. */
  lines?: boolean;
  /**
   * The page's hot-function sources: read from the program's files under this folder (source-lines.ts), or
   * none (`false`: --no-sources, or a profile fetched from an address). Default: read under `cwd`, silently.
   */
  sources?: SourceReader | false;
}

/** The profile in `format`; an output too large to write is the user's error (another format will do). */
export function renderProfile(profile: Profile, format: OutputFormat, context: RenderContext): string | Uint8Array {
  // A memory profile is no .cpuprofile, and CPU samples are no .heapprofile.
  if (!formatHolds(format, profile.unit)) {
    throw new UserError(
      `${context.outputName ?? 'output'}: ${FORMATS[format].description} cannot hold this profile's ${UNIT_WORDS[profile.unit]}; ` +
        `write it as one of ${outputFormatsFor(profile.unit).join(', ')}`,
    );
  }
  try {
    return render(profile, format, context);
  } catch (error) {
    if (error instanceof OutputTooLargeError) throw new UserError(context.outputName ? `${context.outputName}: ${error.message}` : error.message);
    throw error;
  }
}

function render(profile: Profile, format: OutputFormat, context: RenderContext): string | Uint8Array {
  return WRITERS[format](profile, context);
}

const UNIT_WORDS = { samples: 'CPU samples', microseconds: 'CPU time', bytes: 'bytes' } as const;

/** The writer of each format tsprof writes (the formats themselves: model/formats.ts). */
const WRITERS: Record<OutputFormat, (profile: Profile, context: RenderContext) => string | Uint8Array> = {
  folded: (profile, context) => toFolded(profile, context),
  speedscope: (profile, context) => toSpeedscope(profile, context.title !== undefined ? { name: context.title } : {}),
  cpuprofile: (profile) => toCpuprofile(profile),
  html: (profile, context) => {
    const sources = context.sources ?? sourceLinesReader(context.cwd);
    return toHtml(profile, loadPageAssets(), { ...context, ...(sources ? { readSourceLines: (file) => sources.lines(file) } : {}) });
  },
  heapprofile: (profile) => toHeapprofile(profile),
  pprof: (profile) => toPprof(profile),
};
