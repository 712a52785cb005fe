import { basename, resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import type { OutputFormat } from '../model/formats.js';
import type { RenderContext } from './output-formats.js';
import { counted } from '../model/format-count.js';
import type { MergeResult } from '../record/merge.js';
import type { HeapMergeResult } from '../record/heap-merge.js';
import { heapOutputName } from '../record/output-name.js';
import { totalWeight, type Profile } from '../model/profile.js';
import { formatBytes } from '../model/weights.js';

/**
 * Writing what a recording sampled, for `record` and `record --pid`: the profile in its format, then the
 * summary on stderr (samples, rate, tsprof's own share, source maps, the file), and `--open`.
 */

export interface Reporter {
  colors: ChalkInstance;
  warn: (message: string) => void;
}

/** Where a recording goes: the user's -o, or a default name with `alternatives` for when it is taken. */
export interface RecordingOutput {
  path: string;
  alternatives?: (attempt: number) => string;
}

export async function writeRecording(
  merged: MergeResult,
  target: RecordingOutput,
  format: OutputFormat,
  options: { rate: number; open?: boolean; sourceMaps: boolean; idle?: boolean; lines?: boolean; sources?: boolean },
  reporter: Reporter,
): Promise<void> {
  const { colors, warn } = reporter;
  for (const problem of merged.problems) warn(problem);
  if (merged.profile.samples.length === 0) {
    warn(
      merged.processCount === 0 && merged.problems.length === 0
        ? 'no Node.js process ran, so there is nothing to profile (is the command a Node program? One run under node --permission needs ' +
            `${merged.permissionOptions})`
        : 'no samples were recorded; nothing written',
    );
    return;
  }
  // The page's hot-function sources: the program's files under the folder the recording ran in.
  const { profileTakenAt, sourceLinesReader } = await import('./source-lines.js');
  const sources = options.sources === false || format !== 'html' ? false : sourceLinesReader(process.cwd(), profileTakenAt(merged.profile));
  const { output, mapping } = await renderAndWrite(merged.profile, merged.sourceMaps, target, format, options.sourceMaps, {
    ...(options.lines ? { lines: true } : {}),
    sources,
  });
  for (const note of sources ? sources.notes() : []) warn(note);
  // The figures every output shows (describeProfile): samples written and the rate they achieved.
  const { describeProfile } = await import('../model/profile-summary.js');
  const { sampleCount, rateHz } = describeProfile(merged.profile);
  const seconds = (merged.profile.meta.durationUs ?? 0) / 1e6;
  const idleLeftOut = options.idle ? 0 : merged.sampleCount - sampleCount;
  const lines = [
    `${counted(sampleCount, 'sample')} in ${seconds.toFixed(2)} s from ${counted(merged.processCount, 'process', 'processes')}, ` +
      `${counted(merged.threadCount, 'thread')}${idleLeftOut > 0 ? ` (and ${counted(idleLeftOut, 'idle sample')}, left out; --idle keeps them)` : ''}`,
    rateHz !== undefined
      ? `sampling rate ${Math.round(rateHz)} Hz achieved of ${options.rate} Hz requested (samples per second of the time they stand for, per thread)`
      : `sampling rate: no samples to measure it`,
  ];
  if (merged.ownSamples > 0) {
    const share = (100 * merged.ownSamples) / (merged.ownSamples + merged.sampleCount);
    lines.push(`tsprof's own work in the program's threads: ${counted(merged.ownSamples, 'sample')} (${share.toFixed(1)}%), left out of the profile`);
  }
  if (mapping && mapping.mapped + mapping.unmapped > 0) lines.push(describeSourceMapping(mapping));
  if (output !== '-') lines.push(`wrote ${colors.bold(output)}`);
  if (merged.heap) for (const line of await writeHeapRecording(merged.heap, output, target, format, options.sourceMaps, reporter)) lines.push(line);
  for (const line of lines) process.stderr.write(`${colors.cyan('tsprof:')} ${line}\n`);

  if (options.open && output !== '-') {
    const problem = await openInBrowser(resolve(output));
    if (problem) warn(`could not open ${output} (${problem}); open it in a browser yourself`);
  }
}

/** Applies the source maps (unless turned off), renders `profile` in `format` and writes it where `target` says. */
async function renderAndWrite(
  merged: Profile,
  sourceMaps: ReadonlyMap<string, unknown>,
  target: RecordingOutput,
  format: OutputFormat,
  mapSources: boolean,
  render: Pick<RenderContext, 'lines' | 'sources'> = {},
): Promise<{ output: string; mapping?: { mapped: number; unmapped: number } }> {
  const [{ writeOutput }, { applySourceMaps }, { ScriptMaps }, { renderProfile }] = await Promise.all([
    import('./io.js'),
    import('../sourcemaps/apply.js'),
    import('../sourcemaps/script-maps.js'),
    import('./output-formats.js'),
  ]);
  const mapping = mapSources ? applySourceMaps(merged, new ScriptMaps(sourceMaps, true)) : undefined;
  const profile = mapping?.profile ?? merged;
  const content = renderProfile(profile, format, {
    cwd: process.cwd(),
    title: profile.meta.command ?? 'tsprof record',
    outputName: target.path,
    ...render,
  });
  const output = writeOutput(target.path, content, target.alternatives ? { alternatives: target.alternatives } : {});
  return { output, ...(mapping ? { mapping } : {}) };
}

/**
 * record --heap: the memory profile of the run, beside the CPU profile written to `cpuOutput`; the summary's
 * lines about it.
 */
async function writeHeapRecording(
  heap: HeapMergeResult,
  cpuOutput: string,
  cpuTarget: RecordingOutput,
  cpuFormat: OutputFormat,
  mapSources: boolean,
  { colors, warn }: Reporter,
): Promise<string[]> {
  for (const problem of heap.problems) warn(problem);
  const interval = formatBytes(heap.profile.meta.heapIntervalBytes ?? 0);
  if (heap.profile.samples.length === 0) return [`memory: no allocation was sampled (one sample per ${interval} allocated, on average); nothing written`];
  const { path, format } = heapOutputName(cpuOutput, cpuFormat);
  const target: RecordingOutput = { path, ...(cpuTarget.alternatives ? { alternatives: (n: number) => heapOutputName(cpuOutput, cpuFormat, n).path } : {}) };
  const { output } = await renderAndWrite(heap.profile, heap.sourceMaps, target, format, mapSources);
  const what = heap.profile.meta.heap === 'inuse' ? 'still in use at the end' : 'allocated';
  return [
    `memory: ${formatBytes(totalWeight(heap.profile))} ${what} (sampled: one sample per ${interval} allocated, on average)`,
    `wrote ${colors.bold(output)}`,
  ];
}

/** `source maps: 12 frames mapped to their sources, 3 frames without source map`, for the summary. */
function describeSourceMapping(mapping: { mapped: number; unmapped: number }): string {
  const frames = (count: number) => counted(count, 'frame');
  const parts = [];
  if (mapping.mapped > 0) parts.push(`${frames(mapping.mapped)} mapped to ${mapping.mapped === 1 ? 'its source' : 'their sources'}`);
  if (mapping.unmapped > 0) parts.push(`${frames(mapping.unmapped)} without source map`);
  return `source maps: ${parts.join(', ')}`;
}

/** How long the opener (xdg-open, open, start) has to fail before it is taken to have opened the file. */
const OPENER_GRACE_MS = 1500;

/**
 * Opens a file with the desktop's default program; what went wrong, if it visibly did: the opener is missing,
 * or exits with an error soon after (xdg-open on a machine without a browser does).
 */
async function openInBrowser(path: string): Promise<string | undefined> {
  try {
    const { default: open } = await import('open');
    const opener = await open(path, { wait: false });
    return await new Promise<string | undefined>((resolve) => {
      // Not unref'd: the opener is, and tsprof would otherwise exit before hearing from it.
      const timer = setTimeout(() => resolve(undefined), OPENER_GRACE_MS);
      opener.once('error', (error) => {
        clearTimeout(timer);
        resolve(error.message);
      });
      opener.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code ? `${basename(opener.spawnfile)} exited with status ${code}: no program to open it with?` : undefined);
      });
    });
  } catch (error) {
    return (error as Error).message;
  }
}
