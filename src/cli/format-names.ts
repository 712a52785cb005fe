import { formatOfName, OUTPUT_FORMATS, type OutputFormat } from '../model/formats.js';
import { UserError } from './errors.js';

/*
 * The formats the commands take on the command line (the profile formats themselves are model/formats.ts),
 * kept apart from the writers (output-formats.ts) so that starting tsprof does not load them.
 */

export { OUTPUT_FORMATS, type OutputFormat } from '../model/formats.js';

/** What `tsprof diff` writes. */
export const DIFF_FORMAT_NAMES = ['table', 'folded', 'html', 'json', 'markdown'] as const;
export type DiffFormatName = (typeof DIFF_FORMAT_NAMES)[number];

/** The diff format -o's file name implies; a table when writing to stdout or to an unknown ending. */
export function diffFormatOfName(output: string): DiffFormatName {
  const lower = output.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'markdown';
  const profileFormat = formatOfName(lower, 'output');
  return profileFormat === 'html' || profileFormat === 'folded' ? profileFormat : 'table';
}

/** What `tsprof report` prints. */
export const REPORT_FORMAT_NAMES = ['table', 'markdown'] as const;
export type ReportFormatName = (typeof REPORT_FORMAT_NAMES)[number];

/** `-f`'s value, among `allowed` (a CPU recording cannot be written in a memory-only format). */
export function parseOutputFormat(value: string, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UserError(`unknown format "${value}"; choose one of ${allowed.join(', ')}`);
}

/** What a recording is written as: -f when given, else -o's ending (folded for stdout), else the page. */
export function recordingFormat(output: string | undefined, explicit: OutputFormat | undefined): OutputFormat {
  return output === undefined ? (explicit ?? 'html') : chooseOutputFormat(output, explicit);
}

/** The format for `-o path`: -f when given, else the ending, else folded for stdout. */
export function chooseOutputFormat(path: string, explicit: OutputFormat | undefined): OutputFormat {
  if (explicit) return explicit;
  if (path === '-') return 'folded';
  const format = formatOfName(path, 'output');
  if (!format) throw new UserError(`${path}: cannot tell the output format from the file name; add -f ${OUTPUT_FORMATS.join('|')}`);
  return format;
}
