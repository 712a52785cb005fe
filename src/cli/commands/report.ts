import type { ChalkInstance } from 'chalk';
import { functionTable } from '../../analyze/report.js';
import { describeProfile } from '../../model/profile-summary.js';
import { frameKind, frameLocation, frameName } from '../../model/frame-display.js';
import type { Profile } from '../../model/profile.js';
import { alignColumns } from '../columns.js';
import { readProfileFile } from '../io.js';

export interface ReportOptions {
  top: number;
  by: 'self' | 'total';
  idle?: boolean;
  skipBadLines?: boolean;
  /** Map compiled frames back to their sources (default true). */
  sourceMaps?: boolean;
}

/** `tsprof report <input>`: the hottest functions as a table on stdout. */
export function reportCommand(input: string, options: ReportOptions, colors: ChalkInstance, warn: (message: string) => void): void {
  const { profile } = readProfileFile(input, {
    keepIdle: options.idle ?? false,
    skipBadLines: options.skipBadLines ?? false,
    sourceMaps: options.sourceMaps ?? true,
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
  const [headerLine, ...rowLines] = alignColumns([header, ...table], { rightAligned: 4, capped: 4, cap: 48 });
  const lines = [colors.dim(describeProfile(profile).facts.join(' · ')), colors.bold(headerLine!)];
  rows.forEach((row, i) => lines.push(frameKind(row.frame) === 'app' ? colors.yellow(rowLines[i]!) : rowLines[i]!));
  return `${lines.join('\n')}\n`;
}
