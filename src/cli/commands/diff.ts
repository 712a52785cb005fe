import { visible } from '../terminal.js';
import { Chalk, type ChalkInstance } from 'chalk';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { diffProfiles, selfChangeOf, significantRegressions } from '../../analyze/diff.js';
import { hasLines } from '../../analyze/lines.js';
import { mergeCallTrees } from '../../analyze/merged-tree.js';
import { toDiffFolded } from '../../export/diff-folded.js';
import { toDiffHtml } from '../../export/diff-html.js';
import { toDiffJson } from '../../export/diff-json.js';
import { loadPageAssets } from '../../export/html-assets.js';
import { frameLabel } from '../../model/frame-display.js';
import type { Profile } from '../../model/profile.js';
import { mayHoldProfile, readableEndings } from '../../model/formats.js';
import { describeSide, diffWording, formatDiffTable } from '../diff-table.js';
import { diffMarkdown } from '../markdown.js';
import { UserError } from '../errors.js';
import { diffFormatOfName, type DiffFormatName } from '../format-names.js';
import { isProfileUrl, withoutPassword } from '../fetch-profile.js';
import { readProfileInput, writeOutput, type ProfileInputOptions } from '../io.js';
import { checkOutputFolder } from '../output-folder.js';

export interface DiffOptions extends ProfileInputOptions {
  format?: DiffFormatName;
  output: string;
  top: number;
  minShare: number;
  failOnRegression?: number;
  normalize: boolean;
  /** Own time by the line that was executing (table, json, markdown). */
  lines?: boolean;
}

export interface DiffContext {
  /** Colours for the table on stdout. */
  colors: ChalkInstance;
  /** Colours for messages on stderr. */
  stderrColors: ChalkInstance;
  warn: (message: string) => void;
}

/** `tsprof diff <before> <after>`: returns the exit status (1 when --fail-on-regression finds a regression). */
export async function diffCommand(beforePath: string, afterPath: string, options: DiffOptions, context: DiffContext): Promise<number> {
  if (beforePath === '-' && afterPath === '-') throw new UserError('only one of the two sides can be read from stdin (-)');
  const format = options.format ?? diffFormatOfName(options.output);
  checkOutputFolder(options.output);
  const read = (path: string) => readSide(path, options, context.warn);
  const before = await read(beforePath);
  const after = await read(afterPath);
  // As printed: an address without its password.
  const beforeName = isProfileUrl(beforePath) ? withoutPassword(beforePath) : beforePath;
  const afterName = isProfileUrl(afterPath) ? withoutPassword(afterPath) : afterPath;
  checkComparable([
    ...before.profiles.map((profile, i) => [before.files[i]!, profile] as const),
    ...after.profiles.map((profile, i) => [after.files[i]!, profile] as const),
  ]);
  const cwd = process.cwd();

  if (options.lines) checkLines(format, [...before.profiles, ...after.profiles], [...before.files, ...after.files]);
  const diff = diffProfiles(before.profiles, after.profiles, { cwd, ...(options.lines ? { lines: true } : {}) });
  let content: string;
  switch (format) {
    case 'table':
      content = formatDiffTable(
        diff,
        { top: options.top, minShare: options.minShare, cwd, beforeName, afterName },
        options.output === '-' ? context.colors : new Chalk({ level: 0 }),
      );
      break;
    case 'json':
      content = toDiffJson(diff, { cwd, before: before.files, after: after.files });
      break;
    case 'markdown':
      content = diffMarkdown(diff, { cwd, beforeName, afterName, minShare: options.minShare });
      break;
    case 'folded':
      content = toDiffFolded(mergeCallTrees(before.profiles, after.profiles, cwd), { normalize: options.normalize });
      break;
    case 'html': {
      const changeOf = selfChangeOf(diff, cwd);
      content = toDiffHtml(mergeCallTrees(before.profiles, after.profiles, cwd), loadPageAssets(), {
        title: `tsprof diff: ${beforeName} → ${afterName}`,
        details: [`before: ${describeSide(diff.before)} (${beforeName})`, `after: ${describeSide(diff.after)} (${afterName})`],
        verdictOf: (frame) => {
          const row = changeOf(frame);
          return row && { verdict: row.p === null ? 'untested' : row.verdict, p: row.p, relative: row.relative };
        },
        alpha: diff.alpha,
        unit: diff.unit,
      });
      break;
    }
  }
  writeOutput(options.output, content);

  if (options.failOnRegression === undefined) return 0;
  const regressions = significantRegressions(diff, { minRelative: options.failOnRegression, minShare: options.minShare });
  if (regressions.length === 0) return 0;
  const names = regressions.map(
    (row) =>
      `${visible(frameLabel(row.frame, cwd))} ${row.beforeShare.toFixed(1)}% -> ${row.afterShare.toFixed(1)}% ` +
      `(${row.relative === null ? 'new' : `+${row.relative.toFixed(0)}%`})`,
  );
  const functions = `${regressions.length} function${regressions.length === 1 ? '' : 's'}`;
  process.stderr.write(
    `${context.stderrColors.red('tsprof: regression:')} ${functions} ${diffWording(diff).worse} by ` +
      `more than ${options.failOnRegression}%: ${names.join('; ')}\n`,
  );
  return 1;
}

/** diff --lines needs a table (not a flamegraph) and profiles that say which line was executing. */
function checkLines(format: DiffFormatName, profiles: readonly Profile[], files: readonly string[]): void {
  if (format === 'folded' || format === 'html') throw new UserError(`--lines: for the table, json and markdown, not ${format}`);
  const without = profiles.findIndex((profile) => !hasLines(profile));
  if (without !== -1) {
    throw new UserError(`${files[without]}: the profile does not say which line was executing, so --lines cannot compare it`);
  }
}

/**
 * Shares compare only like with like: CPU profiles with CPU profiles, memory with memory, and bytes allocated
 * with bytes allocated, never with bytes in use.
 */
function checkComparable(sides: readonly (readonly [string, Profile])[]): void {
  const [firstFile, first] = sides[0]!;
  const what = (profile: Profile) =>
    profile.unit !== 'bytes'
      ? 'a CPU profile'
      : profile.meta.heap === 'inuse'
        ? 'a memory profile of bytes in use'
        : profile.meta.heap === 'allocated'
          ? 'a memory profile of bytes allocated'
          : 'a memory profile';
  for (const [file, profile] of sides) {
    const memory = profile.unit === 'bytes';
    const heapsDiffer = memory && first.meta.heap !== undefined && profile.meta.heap !== undefined && profile.meta.heap !== first.meta.heap;
    if (memory !== (first.unit === 'bytes') || heapsDiffer) {
      throw new UserError(`${file} is ${what(profile)} and ${firstFile} ${what(first)}: diff compares profiles of the same kind`);
    }
  }
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // a dangling link
  }
}

/**
 * One side of the diff: a profile file, an address to fetch (a pprof endpoint, a profile store's merge
 * query), or a folder of runs of the same version (every file in it whose name says it is a profile). Each
 * is read as `convert` reads it.
 */
async function readSide(path: string, options: DiffOptions, warn: (message: string) => void): Promise<{ profiles: Profile[]; files: string[] }> {
  let files = [path];
  if (path !== '-' && !isProfileUrl(path)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch {
      throw new UserError(`${path}: no such file or folder`);
    }
    if (isFolder) {
      const entries = readdirSync(path)
        .filter((name) => !name.startsWith('.'))
        .sort();
      // Only regular files (after symlinks): a FIFO would hang the read, a link to /dev/zero never end it.
      const notFiles = entries.filter((name) => !isRegularFile(join(path, name)));
      if (notFiles.length > 0)
        warn(`${path}: left out ${notFiles.length} entr${notFiles.length === 1 ? 'y that is' : 'ies that are'} not a regular file: ${notFiles.join(', ')}`);
      const names = entries.filter((name) => !notFiles.includes(name));
      const profiles = names.filter(mayHoldProfile);
      if (profiles.length === 0) throw new UserError(`${path}: the folder holds no profiles (${readableEndings().join(', ')})`);
      const skipped = names.length - profiles.length;
      if (skipped > 0) warn(`${path}: left out ${skipped} file${skipped === 1 ? '' : 's'} whose names are not those of profiles`);
      files = profiles.map((name) => join(path, name));
    }
  }
  const profiles: Profile[] = [];
  const names: string[] = [];
  for (const file of files) {
    const { profile, name } = await readProfileInput(file, options, warn);
    profiles.push(profile);
    names.push(name);
  }
  return { profiles, files: names };
}
