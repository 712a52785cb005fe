import type { ChalkInstance } from 'chalk';
import { functionTable } from '../../analyze/report.js';
import { describeProfile } from '../../export/profile-summary.js';
import { frameKind, frameLocation, frameName } from '../../model/frame-display.js';
import type { Profile } from '../../model/profile.js';
import { readProfileFile } from '../io.js';

export interface ReportOptions {
  top: number;
  by: 'self' | 'total';
  idle?: boolean;
  skipBadLines?: boolean;
}

/** `tsprof report <input>`: the hottest functions as a table on stdout. */
export function reportCommand(input: string, options: ReportOptions, colors: ChalkInstance, warn: (message: string) => void): void {
  const { profile } = readProfileFile(input, {
    keepIdle: options.idle ?? false,
    skipBadLines: options.skipBadLines ?? false,
    onWarning: (message) => warn(`${input}: ${message}`),
  });
  process.stdout.write(formatReport(profile, options, colors, process.cwd()));
}

export function formatReport(profile: Profile, options: ReportOptions, colors: ChalkInstance, cwd: string): string {
  const rows = functionTable(profile, { by: options.by, top: options.top });
  const amount = (value: number) => (profile.unit === 'microseconds' ? `${(value / 1000).toFixed(1)}ms` : String(Math.round(value)));
  const unitLabel = profile.unit === 'microseconds' ? 'TIME' : 'SAMPLES';
  const table = rows.map((row) => [
    `${row.selfPercent.toFixed(1)}%`,
    `${row.totalPercent.toFixed(1)}%`,
    amount(row.self),
    amount(row.total),
    frameName(row.frame),
    frameLocation(row.frame, cwd),
  ]);
  const header = ['SELF%', 'TOTAL%', `SELF ${unitLabel}`, `TOTAL ${unitLabel}`, 'FUNCTION', 'LOCATION'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((cells) => cells[i]!.length)));
  widths[4] = Math.min(widths[4]!, 48);
  const pad = (cells: string[]) =>
    cells
      .map((cell, i) => {
        if (i < 4) return cell.padStart(widths[i]!);
        if (i === 4) return truncate(cell, widths[4]!).padEnd(widths[4]!);
        return cell;
      })
      .join('  ')
      .trimEnd();

  const lines = [colors.dim(describeProfile(profile).facts.join(' · ')), colors.bold(pad(header))];
  rows.forEach((row, i) => {
    const line = pad(table[i]!);
    lines.push(frameKind(row.frame) === 'app' ? colors.yellow(line) : line);
  });
  return `${lines.join('\n')}\n`;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
