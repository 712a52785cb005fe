import type { FunctionChange, ProfileDiff } from '../analyze/diff.js';
import type { FunctionStats } from '../analyze/report.js';
import { weightByThreadStack } from '../model/call-tree.js';
import { formatCount } from '../model/format-count.js';
import { displayPath, frameLabel, frameLocation, frameName } from '../model/frame-display.js';
import type { LineStats } from '../analyze/lines.js';
import type { Profile } from '../model/profile.js';
import { stackFrameIds } from '../model/profile.js';
import { formatWeight } from '../model/weights.js';
import { describeProfile } from '../model/profile-summary.js';
import { describeSide, diffWording } from './diff-table.js';
import { visible } from './terminal.js';

/**
 * `report -f markdown` and `diff -f markdown`: GitHub-flavoured markdown that reads well as a pull-request
 * comment or a CI job summary (`>> $GITHUB_STEP_SUMMARY`), or pasted into an assistant. The verdict comes
 * first, then the tables; long tables are folded into `<details>`. Text from the profile is escaped so that
 * a `|`, a backtick or a `<` in a function's name is shown as it is and never breaks the table.
 */

/** Rows shown before the rest of a table is folded into `<details>`. */
const OPEN_ROWS = 10;
/** The hottest root-to-leaf paths listed after the functions. */
const HOT_PATHS = 10;
/** A path longer than this shows its first and last frames around an ellipsis. */
const PATH_FRAMES = 12;

const WORD_JOINER = '\u2060';

/**
 * Text from a profile, made literal in markdown and HTML: the characters that mean something inside a line
 * (emphasis, code, links and bare addresses, strike-through, a table's `|`, a heading's closing `#`) are
 * escaped, mentions and issue references broken, `&` and `<` written as entities, and control characters
 * made visible. The text never starts a line, so the characters that only mean something there (`-`, `+`,
 * `1.`, `>`) stay as they are.
 */
export function markdownText(text: string): string {
  return (
    visible(text)
      .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
      // GitHub links after rendering, so escapes do not stop it: an invisible word joiner (U+2060) keeps
      // `@name` from pinging someone (and `a@b.c` from being an e-mail link), `#12` and `GH-12` from linking
      // an issue.
      .replace(/@/g, `@${WORD_JOINER}`)
      .replace(/#(?=\d)/g, `#${WORD_JOINER}`)
      .replace(/\b(GH)-(?=\d)/gi, `$1-${WORD_JOINER}`)
      // GitHub turns bare addresses into links: `http://` and `www.`.
      .replace(/:\/\//g, '\\://')
      .replace(/\bwww\./gi, (www) => `${www.slice(0, 3)}\\.`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
  );
}

function table(header: string[], align: ('l' | 'r')[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align.map((a) => (a === 'r' ? '---:' : ':---'))), ...rows.map(line)];
}

/** A table whose rows past OPEN_ROWS are folded into `<details>` (which GitHub renders as a disclosure). */
function foldedTable(header: string[], align: ('l' | 'r')[], rows: string[][], what: string): string[] {
  if (rows.length <= OPEN_ROWS) return table(header, align, rows);
  const rest = rows.length - OPEN_ROWS;
  return [
    ...table(header, align, rows.slice(0, OPEN_ROWS)),
    '',
    `<details><summary>${rest} more ${what}</summary>`,
    '',
    ...table(header, align, rows.slice(OPEN_ROWS)),
    '',
    '</details>',
  ];
}

const percent = (value: number) => `${value.toFixed(1)}%`;

export interface MarkdownReportOptions {
  cwd: string;
  /** The input's name, for the heading. */
  name: string;
}

/** The hottest functions (own and inclusive time), then the hottest paths. */
export function reportMarkdown(profile: Profile, rows: readonly FunctionStats[], options: MarkdownReportOptions): string {
  const summary = describeProfile(profile);
  const hottest = rows[0];
  // A memory profile's weights are bytes allocated, shown as KiB or MiB.
  const bytes = profile.unit === 'bytes';
  const weighed = bytes ? 'the bytes allocated' : 'the samples';
  const lines = [
    `## tsprof report: ${markdownText(options.name)}`,
    '',
    hottest
      ? `**Hottest function: ${markdownText(frameName(hottest.frame))}**, ${percent(hottest.selfPercent)} of ${weighed} in its own code ` +
        `(${markdownText(frameLocation(hottest.frame, options.cwd)) || 'no file'}).`
      : '**No samples.**',
    '',
    markdownText(summary.facts.join(' · ')),
    '',
    '### Functions',
    '',
    ...foldedTable(
      ['self', 'total', bytes ? 'self bytes' : 'self samples', 'function', 'location'],
      ['r', 'r', 'r', 'l', 'l'],
      rows.map((row) => [
        percent(row.selfPercent),
        percent(row.totalPercent),
        bytes ? formatWeight(row.self, 'bytes') : formatCount(row.self),
        markdownText(frameName(row.frame)),
        markdownText(frameLocation(row.frame, options.cwd)),
      ]),
      'functions',
    ),
    '',
    '### Hottest paths',
    '',
    `Root-to-leaf call paths holding the most of ${weighed} in their last function.`,
    '',
    ...hotPaths(profile, options.cwd).map(({ share, frames }, i) => `${i + 1}. ${percent(share)}: ${frames.map(markdownText).join(' → ')}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** `report --lines -f markdown`: the hottest executing lines, with each line's source as code. */
export function linesMarkdown(
  profile: Profile,
  rows: readonly LineStats[],
  options: MarkdownReportOptions & { sourceOf: (file: string | undefined) => string[] | undefined },
): string {
  const hottest = rows[0];
  const place = (row: LineStats) => `${row.frame.file ? displayPath(row.frame.file, options.cwd) : '?'}:${row.line}`;
  const lines = [
    `## tsprof report: ${markdownText(options.name)}`,
    '',
    hottest
      ? `**Hottest line: ${markdownText(place(hottest))}** in ${markdownText(frameName(hottest.frame))}, ${percent(hottest.selfPercent)} of the samples.`
      : '**No samples on a known line.**',
    '',
    markdownText(describeProfile(profile).facts.join(' · ')),
    '',
    '### Lines',
    '',
    ...foldedTable(
      ['self', 'self samples', 'line', 'function', 'source'],
      ['r', 'r', 'l', 'l', 'l'],
      rows.map((row) => {
        const text = options.sourceOf(row.frame.file)?.[row.line - 1]?.trim() ?? '';
        return [percent(row.selfPercent), formatCount(row.self), markdownText(place(row)), markdownText(frameName(row.frame)), text ? markdownText(text) : ''];
      }),
      'lines',
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** The distinct stacks with the most own weight (over every thread), outermost frame first. */
function hotPaths(profile: Profile, cwd: string): { share: number; frames: string[] }[] {
  const byStack = new Map<number, number>();
  let all = 0;
  for (const stacks of weightByThreadStack(profile).values()) {
    for (const [stack, weight] of stacks) {
      byStack.set(stack, (byStack.get(stack) ?? 0) + weight);
      all += weight;
    }
  }
  return [...byStack]
    .sort((a, b) => b[1] - a[1])
    .slice(0, HOT_PATHS)
    .map(([stack, weight]) => {
      const labels = stackFrameIds(profile, stack).map((id) => frameLabel(profile.frames[id]!, cwd));
      const frames =
        labels.length > PATH_FRAMES ? [...labels.slice(0, 3), `… ${labels.length - PATH_FRAMES + 1} frames …`, ...labels.slice(-(PATH_FRAMES - 4))] : labels;
      return { share: all > 0 ? (100 * weight) / all : 0, frames };
    });
}

export interface MarkdownDiffOptions {
  cwd: string;
  beforeName: string;
  afterName: string;
  /** Functions under this share (percent) in both profiles are left out of the tables. */
  minShare: number;
}

/** One verdict line, then both sides, then the own-time and inclusive-time tables. */
export function diffMarkdown(diff: ProfileDiff, options: MarkdownDiffOptions): string {
  const regressed = diff.self.filter((row) => row.verdict === 'regressed');
  const improved = diff.self.filter((row) => row.verdict === 'improved');
  const wording = diffWording(diff);
  const lines = [
    `## tsprof diff: ${verdictLine(regressed, improved)}`,
    '',
    ...describeChanges(regressed, 'Regressed'),
    ...describeChanges(improved, 'Improved'),
    `- before: ${markdownText(describeSide(diff.before))} (${markdownText(options.beforeName)})`,
    `- after: ${markdownText(describeSide(diff.after))} (${markdownText(options.afterName)})`,
    '',
    `A function is regressed or improved when its share of the ${wording.of} changed beyond noise: a test that allows for bursts and for the spread between ` +
      `runs, Holm-corrected over ${diff.tests} tests (${100 * diff.alpha}% chance of any false finding).` +
      (diff.before.runs === 1 || diff.after.runs === 1
        ? ' With one run on a side only large changes stand out; a folder of 3 or more runs per side finds smaller ones.'
        : ''),
  ];
  for (const [title, rows] of [
    [wording.selfHeading, diff.self],
    [wording.totalHeading, diff.total],
  ] as const) {
    const shown = rows.filter((row) => Math.max(row.beforeShare, row.afterShare) >= options.minShare);
    lines.push('', `### ${title}`, '');
    if (shown.length === 0) {
      lines.push(`No function has ${options.minShare}% or more of the ${wording.of}.`);
      continue;
    }
    lines.push(
      ...foldedTable(
        ['before', 'after', 'change', 'relative', 'verdict', 'p', 'function', 'location'],
        ['r', 'r', 'r', 'r', 'l', 'r', 'l', 'l'],
        shown.map((row) => [
          percent(row.beforeShare),
          percent(row.afterShare),
          `${signed(row.points)} pts`,
          row.relative === null ? 'new' : `${signed(row.relative, 0)}%`,
          row.verdict === 'noise' ? 'noise' : `**${row.verdict}**`,
          formatP(row.p),
          markdownText(frameName(row.frame)),
          markdownText(frameLocation(row.frame, options.cwd)),
        ]),
        'functions',
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

function verdictLine(regressed: readonly FunctionChange[], improved: readonly FunctionChange[]): string {
  if (regressed.length === 0 && improved.length === 0) return 'no significant change';
  const count = (rows: readonly FunctionChange[], word: string) => `${rows.length} function${rows.length === 1 ? '' : 's'} ${word}`;
  const parts = [];
  if (regressed.length > 0) parts.push(`${count(regressed, 'regressed')}: ${regressed.slice(0, 3).map(short).join(', ')}${regressed.length > 3 ? ', …' : ''}`);
  if (improved.length > 0) parts.push(count(improved, 'improved'));
  return parts.join('; ');
}

function short(row: FunctionChange): string {
  return `${markdownText(frameName(row.frame))} ${row.relative === null ? 'new' : `${signed(row.relative, 0)}%`} (${formatP(row.p, true)})`;
}

function describeChanges(rows: readonly FunctionChange[], word: string): string[] {
  if (rows.length === 0) return [];
  const change = (row: FunctionChange) =>
    `${markdownText(frameName(row.frame))} ${percent(row.beforeShare)} → ${percent(row.afterShare)} ` +
    `(${row.relative === null ? 'new' : `${signed(row.relative, 0)}%`}, ${formatP(row.p, true)})`;
  return [`**${word}:** ${rows.map(change).join('; ')}`, ''];
}

function formatP(p: number | null, named = false): string {
  if (p === null) return named ? 'not tested' : '–';
  const text = p < 0.001 ? '< 0.001' : p.toFixed(3);
  return named ? `p ${p < 0.001 ? text : `= ${text}`}` : text;
}

function signed(value: number, digits = 1): string {
  const text = Math.abs(value).toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : `${value > 0 ? '+' : '−'}${text}`;
}
