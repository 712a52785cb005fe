import type { ChalkInstance } from 'chalk';
import type { FunctionChange, ProfileDiff, SideSummary } from '../analyze/diff.js';
import { frameLocation, frameName } from '../model/frame-display.js';
import { alignColumns } from './columns.js';
import { counted, formatCount } from '../model/format-count.js';
import { formatBytes } from '../model/weights.js';

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

/** How a diff speaks of what it compares: CPU samples (time), or the bytes of memory profiles; lines or functions. */
export function diffWording(diff: Pick<ProfileDiff, 'unit' | 'lines'>) {
  const wording = diffWordingOfUnit(diff.unit);
  if (!diff.lines) return wording;
  return {
    ...wording,
    selfTable: `${wording.selfTable.replace(/ \(.*/, '')} BY LINE (own ${wording.of} on the line that was executing, share of all)`,
    selfHeading: `${wording.selfHeading} by line (the line that was executing)`,
  };
}

function diffWordingOfUnit(unit: ProfileDiff['unit']) {
  return unit === 'bytes'
    ? {
        of: 'bytes',
        selfTable: 'SELF BYTES (allocated in its own code, share of all)',
        totalTable: 'TOTAL BYTES (inclusive: the function and everything it calls)',
        selfHeading: 'Own bytes',
        totalHeading: 'Inclusive bytes (the function and everything it calls)',
        worse: 'significantly more memory',
      }
    : {
        of: 'samples',
        selfTable: 'SELF TIME (own samples, share of all)',
        totalTable: 'TOTAL TIME (inclusive: the function and everything it calls)',
        selfHeading: 'Own time',
        totalHeading: 'Inclusive time (the function and everything it calls)',
        worse: 'significantly slower',
      };
}

/** `tsprof diff`'s default output: a header, then the self and total tables, largest change first. */
export function formatDiffTable(diff: ProfileDiff, options: DiffTableOptions, colors: ChalkInstance): string {
  const lines = [
    `${colors.bold('before:')} ${describeSide(diff.before)}  ${colors.dim(options.beforeName)}`,
    `${colors.bold('after: ')} ${describeSide(diff.after)}  ${colors.dim(options.afterName)}`,
    colors.dim(
      `verdict: regressed or improved when the change in share is beyond noise (bursts and run-to-run variation ` +
        `included, Holm-corrected over ${diff.tests} tests: ${100 * diff.alpha}% chance of any false finding), else noise`,
    ),
  ];
  if (diff.before.runs === 1 || diff.after.runs === 1) {
    lines.push(colors.dim('one run on a side: only large changes stand out from run-to-run variation; a folder of 3 or more runs per side finds smaller ones'));
  }
  const wording = diffWording(diff);
  for (const [title, rows] of [
    [wording.selfTable, diff.self],
    [wording.totalTable, diff.total],
  ] as const) {
    lines.push('', colors.bold(title), ...formatRows(rows, wording.of, options, colors));
  }
  return `${lines.join('\n')}\n`;
}

function formatRows(rows: readonly FunctionChange[], of: string, options: DiffTableOptions, colors: ChalkInstance): string[] {
  const visible = rows.filter((row) => Math.max(row.beforeShare, row.afterShare) >= options.minShare);
  const shown = visible.filter((row, i) => i < options.top || row.verdict !== 'noise');
  if (shown.length === 0) return [colors.dim(`no function has ${options.minShare}% or more of the ${of}`)];

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
  const colorOf = { regressed: colors.red, improved: colors.green, noise: colors.dim };
  const [headerLine, ...rowLines] = alignColumns([header, ...cells], { rightAligned: 4, capped: 5, cap: 40 });
  const lines = [colors.bold(headerLine!), ...shown.map((row, i) => colorOf[row.verdict](rowLines[i]!))];
  const hidden = rows.length - shown.length;
  if (hidden > 0)
    lines.push(
      colors.dim(`… ${hidden} more function${hidden === 1 ? '' : 's'}, all noise (under --min-share ${options.minShare}% or beyond --top ${options.top})`),
    );
  return lines;
}

export function describeSide(side: SideSummary): string {
  const facts = [
    `${side.runs} run${side.runs === 1 ? '' : 's'}`,
    side.bytes !== undefined ? `${formatBytes(side.bytes)} in sampled allocations` : counted(side.samples, 'sample'),
  ];
  if (side.durationUs !== undefined) facts.push(`${(side.durationUs / 1e6).toFixed(2)} s`);
  if (side.rateHz !== undefined) facts.push(`${formatCount(side.rateHz)} Hz`);
  return facts.join(' · ');
}

function signed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return value > 0 && Number(text) !== 0 ? `+${text}` : Number(text) === 0 ? (0).toFixed(digits) : text;
}
