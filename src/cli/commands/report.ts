import { statSync } from 'node:fs';
import type { ChalkInstance } from 'chalk';
import { functionTable } from '../../analyze/report.js';
import { describeProfile } from '../../model/profile-summary.js';
import { frameKind, frameLocation, frameName } from '../../model/frame-display.js';
import type { Profile } from '../../model/profile.js';
import { formatWeight, weightHeading } from '../../model/weights.js';
import { alignColumns } from '../columns.js';
import { readProfileInput, type ProfileInputOptions } from '../io.js';
import type { ReportFormatName } from '../format-names.js';
import { reportMarkdown } from '../markdown.js';

export interface ReportOptions extends ProfileInputOptions {
  /** A table for the terminal (default), or markdown for a pull request, a CI summary or an assistant. */
  format?: ReportFormatName;
  top: number;
  by: 'self' | 'total';
  /** The hottest executing lines instead of functions. */
  lines?: boolean;
  /** Each function matching this regular expression, its source with the own time of each line. */
  list?: string;
  /** --sources DIR: the folder whose files the sources may be read from (default: the current folder). */
  sources?: string;
}

/** `tsprof report <input>`: the hottest functions as a table (or markdown) on stdout. */
export async function reportCommand(input: string, options: ReportOptions, colors: ChalkInstance, warn: (message: string) => void): Promise<void> {
  const { profile, fetched, name } = await readProfileInput(input, options, warn);
  const cwd = process.cwd();
  if (options.lines || options.list !== undefined) {
    const [{ formatLinesReport, formatListReport }, { importedSources, profileTakenAt }] = await Promise.all([
      import('../line-report.js'),
      import('../source-lines.js'),
    ]);
    const fileModifiedMs = fetched || input === '-' ? undefined : statSync(input).mtimeMs;
    const takenAt = profileTakenAt(profile, fileModifiedMs);
    const sources = importedSources(
      { fetched, cwd, ...(options.sources ? { sourcesDir: options.sources } : {}), ...(takenAt !== undefined ? { takenAt } : {}) },
      warn,
    );
    process.stdout.write(
      options.list !== undefined
        ? formatListReport(profile, { pattern: options.list, name, cwd, sources }, colors)
        : formatLinesReport(profile, { top: options.top, name, cwd, sources, markdown: options.format === 'markdown' }, colors),
    );
    for (const note of sources.notes()) warn(note);
    return;
  }
  const content =
    options.format === 'markdown'
      ? reportMarkdown(profile, functionTable(profile, { by: options.by, top: options.top }), { cwd, name })
      : formatReport(profile, options, colors, cwd);
  process.stdout.write(content);
}

export function formatReport(profile: Profile, options: ReportOptions, colors: ChalkInstance, cwd: string): string {
  const rows = functionTable(profile, { by: options.by, top: options.top });
  const amount = (value: number) => formatWeight(value, profile.unit);
  const unitLabel = weightHeading(profile.unit);
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
