import type { ChalkInstance } from 'chalk';
import { RE2JS } from 're2js';
import { hasLines, lineTable, linesOfFunction } from '../analyze/lines.js';
import { functionTable } from '../analyze/report.js';
import { describeProfile } from '../model/profile-summary.js';
import { displayPath, frameKind, frameLocation, frameName } from '../model/frame-display.js';
import { totalWeight, type Profile } from '../model/profile.js';
import { formatWeight, weightHeading } from '../model/weights.js';
import { alignColumns } from './columns.js';
import { UserError } from './errors.js';
import type { SourceReader } from './source-lines.js';
import { visible } from './terminal.js';
import { linesMarkdown } from './markdown.js';

/** `report --lines` and `report --list`: own time by the line that was executing, with the line's source. */

/** How long a line of source may be in the --lines table before it is cut. */
const SOURCE_COLUMN = 60;

function requireLines(profile: Profile, name: string): void {
  if (!hasLines(profile)) {
    throw new UserError(
      `${name}: the profile does not say which line was executing (V8 .cpuprofile files, tsprof's recordings and pprof with line numbers do; ` +
        'folded stacks and speedscope files do not)',
    );
  }
}

const sourceText = (text: string | undefined) => (text ?? '').trim();

/** The hottest lines: share, own weight, file:line, function, and the line's source where the file is on disk. */
export function formatLinesReport(
  profile: Profile,
  options: { top: number; name: string; cwd: string; sources: SourceReader; markdown?: boolean },
  colors: ChalkInstance,
): string {
  requireLines(profile, options.name);
  const sourceOf = (file: string | undefined) => options.sources.lines(file);
  const rows = lineTable(profile, { top: options.top });
  if (options.markdown) return linesMarkdown(profile, rows, { cwd: options.cwd, name: options.name, sourceOf });
  const unitLabel = weightHeading(profile.unit);
  const cells = rows.map((row) => {
    const text = sourceText(sourceOf(row.frame.file)?.[row.line - 1]);
    return [
      `${row.selfPercent.toFixed(1)}%`,
      formatWeight(row.self, profile.unit),
      `${row.frame.file ? displayPath(row.frame.file, options.cwd) : '?'}:${row.line}`,
      frameName(row.frame),
      text.length > SOURCE_COLUMN ? `${text.slice(0, SOURCE_COLUMN - 1)}…` : text,
    ];
  });
  const [headerLine, ...rowLines] = alignColumns([['SELF%', `SELF ${unitLabel}`, 'LINE', 'FUNCTION', 'SOURCE'], ...cells], {
    rightAligned: 2,
    capped: 3,
    cap: 48,
  });
  const lines = [colors.dim(describeProfile(profile).facts.join(' · ')), colors.bold(headerLine!)];
  rows.forEach((row, i) => lines.push(frameKind(row.frame) === 'app' ? colors.yellow(rowLines[i]!) : rowLines[i]!));
  return `${lines.join('\n')}\n`;
}

/** A run of lines left out of a --list routine. */
const GAP = -1;
/** Lines without samples shown between two that have them, at most: a longer run is one `⋮` row. */
const MAX_QUIET_RUN = 8;

/**
 * The lines a --list routine shows: from the function's first line to its last sampled one, with runs of more
 * than MAX_QUIET_RUN lines without samples shown as one GAP. Work in proportion to the lines sampled, whatever
 * line numbers a profile names (one names line 2^31).
 */
function listedLines(start: number | undefined, sampledLines: Iterable<number>): number[] {
  const sampled = [...sampledLines].sort((a, b) => a - b);
  const anchors = start !== undefined && start < (sampled[0] ?? Infinity) ? [start, ...sampled] : sampled;
  const shown: number[] = [];
  anchors.forEach((line, i) => {
    const previous = anchors[i - 1];
    if (previous !== undefined && line - previous - 1 > MAX_QUIET_RUN) shown.push(GAP);
    else if (previous !== undefined) for (let quiet = previous + 1; quiet < line; quiet++) shown.push(quiet);
    shown.push(line);
  });
  return shown;
}

/**
 * As `go tool pprof -list`: each function whose name matches `pattern`, its source from its first line to its
 * last sampled one, with the own weight of each line in the margin.
 */
export function formatListReport(
  profile: Profile,
  options: { pattern: string; name: string; cwd: string; sources: SourceReader },
  colors: ChalkInstance,
): string {
  // RE2's syntax and linear-time engine, as `go tool pprof -list`: JavaScript's backtracking RegExp can take
  // hours on a pattern like `(a+)+$` against a long name.
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(options.pattern);
  } catch (error) {
    throw new UserError(
      `--list ${visible(options.pattern)}: not a regular expression in RE2's syntax, as go tool pprof reads (${visible((error as Error).message)})`,
    );
  }
  requireLines(profile, options.name);
  const sourceOf = (file: string | undefined) => options.sources.lines(file);
  const all = totalWeight(profile);
  const functions = functionTable(profile).filter((row) => row.self > 0 && pattern.test(frameName(row.frame)));
  if (functions.length === 0) throw new UserError(`--list ${options.pattern}: no function of the profile with own time matches`);
  const out: string[] = [];
  for (const row of functions) {
    const { byLine, self, unknown } = linesOfFunction(profile, row.frameId);
    out.push(colors.bold(`ROUTINE ======================== ${visible(frameName(row.frame))} ${visible(frameLocation(row.frame, options.cwd))}`));
    // V8 on Node 22 and 24 leaves some samples without a line: each line's share is of the time on a known line.
    const known = self - unknown;
    const noLine = unknown > 0 ? `, ${formatWeight(unknown, profile.unit)} of it on no known line${known > 0 ? ' (LINE% is of the rest)' : ''}` : '';
    out.push(`${formatWeight(self, profile.unit)} own (${((100 * self) / all).toFixed(1)}% of all)${noLine}`);
    const source = sourceOf(row.frame.file);
    const unread = options.sources.refused(row.frame.file) ? "(source not read: not one of the program's files)" : '(source not found on disk)';
    const shown = listedLines(row.frame.line, byLine.keys());
    const cells = shown.map((line): string[] => {
      if (line === GAP) return ['', '', '⋮', ''];
      const weight = byLine.get(line);
      return [
        weight ? formatWeight(weight, profile.unit) : '.',
        weight ? `${((100 * weight) / known).toFixed(1)}%` : '.',
        String(line),
        source ? (source[line - 1] ?? '') : line === shown[0] ? unread : '',
      ];
    });
    const [headerLine, ...rowLines] = alignColumns([[`SELF ${weightHeading(profile.unit)}`, 'LINE%', 'LINE', 'SOURCE'], ...cells], {
      rightAligned: 3,
      capped: 3,
      cap: Infinity,
    });
    out.push(colors.dim(headerLine!));
    rowLines.forEach((line, i) => out.push(byLine.has(shown[i]!) ? colors.yellow(line) : line));
    out.push('');
  }
  return `${out.join('\n')}`;
}
