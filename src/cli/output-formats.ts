import { toCpuprofile } from '../export/cpuprofile.js';
import { toFolded } from '../export/folded.js';
import { toHtml } from '../export/html.js';
import { toPprof } from '../export/pprof.js';
import { loadPageAssets } from '../export/html-assets.js';
import { toSpeedscope } from '../export/speedscope.js';
import { OutputTooLargeError } from '../export/output-size.js';
import { UserError } from './errors.js';
import type { Profile } from '../model/profile.js';
import type { OutputFormat } from './format-names.js';

export interface RenderContext {
  cwd: string;
  title?: string;
  recordedAt?: Date;
  /** The file being written, for messages. */
  outputName?: string;
}

/** The profile in `format`; an output too large to write is the user's error (another format will do). */
export function renderProfile(profile: Profile, format: OutputFormat, context: RenderContext): string | Uint8Array {
  try {
    return render(profile, format, context);
  } catch (error) {
    if (error instanceof OutputTooLargeError) throw new UserError(context.outputName ? `${context.outputName}: ${error.message}` : error.message);
    throw error;
  }
}

function render(profile: Profile, format: OutputFormat, context: RenderContext): string | Uint8Array {
  switch (format) {
    case 'folded':
      return toFolded(profile, context);
    case 'speedscope':
      return toSpeedscope(profile, context.title !== undefined ? { name: context.title } : {});
    case 'cpuprofile':
      return toCpuprofile(profile);
    case 'html':
      return toHtml(profile, loadPageAssets(), context);
    case 'pprof':
      return toPprof(profile);
  }
}
