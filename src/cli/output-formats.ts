import { toCpuprofile } from '../export/cpuprofile.js';
import { toFolded } from '../export/folded.js';
import { toHtml } from '../export/html.js';
import { toPprof } from '../export/pprof.js';
import { loadPageAssets } from '../export/html-assets.js';
import { toSpeedscope } from '../export/speedscope.js';
import type { Profile } from '../model/profile.js';
import type { OutputFormat } from './format-names.js';

export interface RenderContext {
  cwd: string;
  title?: string;
  recordedAt?: Date;
}

export function renderProfile(profile: Profile, format: OutputFormat, context: RenderContext): string | Uint8Array {
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
