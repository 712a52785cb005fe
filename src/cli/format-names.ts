import { UserError } from './errors.js';

/*
 * The names and file endings of the output formats: all that parsing the command line needs, kept apart from
 * the writers (output-formats.ts) so that starting tsprof does not load them.
 */

/** Every format tsprof writes, with the file endings that select it when -f is not given. */
export const OUTPUT_FORMATS = ['html', 'folded', 'speedscope', 'cpuprofile', 'pprof'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What `tsprof diff` writes. */
export const DIFF_FORMAT_NAMES = ['table', 'folded', 'html', 'json', 'markdown'] as const;
export type DiffFormatName = (typeof DIFF_FORMAT_NAMES)[number];

/** What `tsprof report` prints. */
export const REPORT_FORMAT_NAMES = ['table', 'markdown'] as const;
export type ReportFormatName = (typeof REPORT_FORMAT_NAMES)[number];

const ENDINGS: [string, OutputFormat][] = [
  ['.speedscope.json', 'speedscope'],
  ['.html', 'html'],
  ['.htm', 'html'],
  ['.folded', 'folded'],
  ['.collapsed', 'folded'],
  ['.txt', 'folded'],
  ['.cpuprofile', 'cpuprofile'],
  ['.pb.gz', 'pprof'],
  ['.pprof', 'pprof'],
  ['.pb', 'pprof'],
  ['.json', 'speedscope'],
];

export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UserError(`unknown format "${value}"; choose one of ${OUTPUT_FORMATS.join(', ')}`);
}

/** The format for `-o path`: -f when given, else the ending, else folded for stdout. */
export function chooseOutputFormat(path: string, explicit: OutputFormat | undefined): OutputFormat {
  if (explicit) return explicit;
  if (path === '-') return 'folded';
  const lower = path.toLowerCase();
  const match = ENDINGS.find(([ending]) => lower.endsWith(ending));
  if (!match) throw new UserError(`${path}: cannot tell the output format from the file name; add -f ${OUTPUT_FORMATS.join('|')}`);
  return match[1];
}
