import type { ChalkInstance } from 'chalk';
import type { FunctionChange, ProfileDiff, SideSummary } from '../analyze/diff.js';
import { frameLocation, frameName } from '../model/frame-display.js';

export interface DiffTableOptions {
  /** Rows per table; regressed and improved functions are shown beyond it. */
  top: number;
  /** Functions under this share (percent) in both profiles are left out. */
  minShare: number;
  cwd: string;
  /** Names of what each side was read from, for the header. */
  beforeName: string;
  afterName: string;
}

/** `tsprof diff`'s default output: a header, then the self-time and total-time tables, largest change first. */
export function formatDiffTable(diff: ProfileDiff, options: DiffTableOptions, colors: ChalkInstance): string {
  const lines = [
    `${colors.bold('before:')} ${describeSide(diff.before)}  ${colors.dim(options.beforeName)}`,
    `${colors.bold('after: ')} ${describeSide(diff.after)}  ${colors.dim(options.afterName)}`,
    colors.dim(
      `verdict: regressed/improved when the change in share is beyond sampling noise (two-proportion test, variance from the ` +
        `spread between time blocks and runs, Holm-corrected over ${diff.tests} tests, α = ${diff.alpha}); else noise`,
    ),
  ];
  for (const [title, rows] of [
    ['SELF TIME (own samples, share of all)', diff.self],
    ['TOTAL TIME (inclusive: the function and everything it calls)', diff.total],
  ] as const) {
    lines.push('', colors.bold(title), ...formatRows(rows, options, colors));
  }
  return `${lines.join('\n')}\n`;
}

function formatRows(rows: readonly FunctionChange[], options: DiffTableOptions, colors: ChalkInstance): string[] {
  const visible = rows.filter((row) => Math.max(row.beforeShare, row.afterShare) >= options.minShare);
  const shown = visible.filter((row, i) => i < options.top || row.verdict !== 'noise');
  if (shown.length === 0) return [colors.dim(`no function has ${options.minShare}% or more of the samples`)];

  const header = ['BEFORE', 'AFTER', 'CHANGE', 'RELATIVE', 'VERDICT', 'FUNCTION', 'LOCATION'];
  const cells = shown.map((row) => [
    `${row.beforeShare.toFixed(1)}%`,
    `${row.afterShare.toFixed(1)}%`,
    `${signed(row.points, 1)} pts`,
    row.relative === null ? 'new' : `${signed(row.relative, 0)}%`,
    row.verdict,
    frameName(row.frame),
    frameLocation(row.frame, options.cwd),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  widths[5] = Math.min(widths[5]!, 40);
  const pad = (c: string[]) =>
    c
      .map((cell, i) => (i < 4 ? cell.padStart(widths[i]!) : i < 6 ? truncate(cell, widths[i]!).padEnd(widths[i]!) : cell))
      .join('  ')
      .trimEnd();
  const colorOf = { regressed: colors.red, improved: colors.green, noise: colors.dim };
  const lines = [colors.bold(pad(header)), ...shown.map((row, i) => colorOf[row.verdict](pad(cells[i]!)))];
  const hidden = rows.length - shown.length;
  if (hidden > 0) lines.push(colors.dim(`… ${hidden} more function${hidden === 1 ? '' : 's'}, all noise (under --min-share ${options.minShare}% or beyond --top ${options.top})`));
  return lines;
}

export function describeSide(side: SideSummary): string {
  const facts = [`${side.runs} run${side.runs === 1 ? '' : 's'}`, `${side.samples.toLocaleString('en-US')} samples`];
  if (side.durationUs !== undefined) facts.push(`${(side.durationUs / 1e6).toFixed(2)} s`);
  if (side.rateHz !== undefined) facts.push(`${Math.round(side.rateHz).toLocaleString('en-US')} Hz`);
  return facts.join(' · ');
}

function signed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return value > 0 && Number(text) !== 0 ? `+${text}` : Number(text) === 0 ? (0).toFixed(digits) : text;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
