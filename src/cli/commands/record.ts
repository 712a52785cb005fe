import { createRequire } from 'node:module';
import { constants, getPriority, setPriority } from 'node:os';
import { basename, resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import type { MergeResult, SessionMerger } from '../../record/merge.js';
import { defaultOutputName } from '../../record/output-name.js';
import { createSessionDir, removeSessionDir, requestStop, SessionDirError, sessionDeviceFull } from '../../record/session.js';
import { agentEnvironment, relaySignals, startTarget, type RunningTarget, type SamplerName, type TargetExit } from '../../record/spawn.js';
import { UserError } from '../errors.js';
import { chooseOutputFormat, type OutputFormat } from '../format-names.js';
import { counted, formatCount } from '../../model/format-count.js';
import { FLUSH_MS, samplingIntervalUs } from '../../model/sampling.js';
import { checkOutputFolder } from '../output-folder.js';

export interface RecordOptions {
  /** Samples per second. */
  rate: number;
  output?: string;
  format?: OutputFormat;
  /** Stop sampling after this many seconds; the command goes on unless killAfter. */
  duration?: number;
  killAfter?: boolean;
  idle?: boolean;
  open?: boolean;
  /** Profile processes the command starts (default), or only the command's own process. */
  subprocesses: boolean;
  /** Keep only processes whose command line (or pid) contains this text. */
  processFilter?: string;
  sampler: SamplerName;
  /** Map compiled frames back to their sources (default); `--no-source-maps` turns it off. */
  sourceMaps: boolean;
  /** Where the session folder goes (else $TSPROF_TMPDIR, else the system's temp folder). */
  tmpDir?: string;
}

/** How often agents write a chunk: the most a killed process can lose. */

export interface Reporter {
  colors: ChalkInstance;
  warn: (message: string) => void;
}

/**
 * `tsprof record -- <command>`: runs the command with the agent preloaded into every Node process it starts,
 * then joins what they sampled into one profile. Returns the exit status tsprof must end with: the command's
 * own, or 128 + the number of the signal that ended it.
 */
export async function recordCommand(command: string[], options: RecordOptions, reporter: Reporter): Promise<number> {
  if (command.length === 0) throw new UserError('give the command to profile after --, e.g. tsprof record -- node app.js');
  const format = options.format ?? (options.output ? chooseOutputFormat(options.output, undefined) : 'html');
  const startTime = Date.now();
  const originUs = Number(process.hrtime.bigint() / 1000n); // V8 stamps samples with this same monotonic clock
  const output = options.output ?? defaultOutputName(command, format, new Date(startTime));
  const recordingOutput: RecordingOutput = options.output ? { path: output } : { path: output, alternatives: (n) => defaultOutputName(command, format, new Date(startTime), n) };
  checkOutputFolder(output);

  if (options.sampler === 'v8-profiler-next') checkAddonSampler();
  const intervalUs = samplingIntervalUs(options.rate);
  const sessionDir = sessionDirOrUserError(options.tmpDir);
  try {
    const env = agentEnvironment(process.env, { sessionDir, intervalUs, flushMs: FLUSH_MS, sampler: options.sampler });
    if (!options.subprocesses) env.TSPROF_ONLY_CHILD_OF = String(process.pid);
    const target = await startCommand(command, env, { stdoutToStderr: output === '-' });
    // What only taking chunks in and writing the profile need is loaded once the command runs: every
    // millisecond before the spawn is one the command waits for.
    const [{ SessionMerger }, { StatusLine }] = await Promise.all([import('../../record/merge.js'), import('../status-line.js')]);
    // tsprof's own work (taking chunks in) must never compete with the program for a core: lower our
    // priority, after the spawn so that the command keeps its own.
    try {
      setPriority(Math.min(19, getPriority() + 10));
    } catch {
      // not allowed here; run at the same priority
    }
    const stopRelay = relaySignals(target, sessionDir);
    const merger = new SessionMerger({
      keepIdle: options.idle ?? false,
      command: command.join(' '),
      startTime,
      originUs,
      intervalUs,
      flushMs: FLUSH_MS,
      ...(options.processFilter !== undefined ? { processFilter: options.processFilter } : {}),
    });
    // Take chunks in as they come, so that little is left to do when the command exits.
    const status = new StatusLine(process.stderr);
    const pollTimer = setInterval(() => {
      try {
        merger.poll(sessionDir);
      } catch {
        // A chunk that cannot be taken in now is taken in (or reported) at the end.
      }
      if (!status.enabled) return; // nothing to show off a terminal: no need to count
      const { samples, processes, threads } = merger.counts;
      const elapsed = ((Date.now() - startTime) / 1000).toFixed(1);
      status.show(reporter.colors.dim(`tsprof: recording ${elapsed} s · ${counted(samples, 'sample')} · ${processes} process${processes === 1 ? '' : 'es'} · ${threads} thread${threads === 1 ? '' : 's'}`));
    }, 500);

    const finish = async (): Promise<void> => {
      clearInterval(pollTimer);
      status.clear();
      merger.poll(sessionDir);
      // Agents that cannot write lose their chunks silently: a full device is named as the cause.
      const deviceFull = sessionDeviceFull(sessionDir);
      const merged = merger.finish({ deviceFull });
      if (deviceFull) {
        merged.problems.push(`the folder for tsprof's session files (${sessionDir}) is on a full device, so profiles could not be written there; choose another with --tmp-dir or TSPROF_TMPDIR`);
      }
      await writeRecording(merged, recordingOutput, format, options, reporter);
    };

    let written: Promise<void> | undefined;
    let durationTimer: NodeJS.Timeout | undefined;
    if (options.duration !== undefined) {
      durationTimer = setTimeout(() => {
        written = (async () => {
          requestStop(sessionDir);
          await waitForFinalChunks(merger, sessionDir, FLUSH_MS + 1000, target);
          await finish();
          if (options.killAfter) target.signal('SIGTERM');
        })();
      }, options.duration * 1000);
    }

    const exit = await target.exited;
    clearTimeout(durationTimer);
    stopRelay();
    try {
      await (written ?? finish());
    } catch (error) {
      // The command's own status stands even when its profile could not be written; say why.
      if (!(error instanceof UserError)) throw error;
      process.stderr.write(`${reporter.colors.red('tsprof: error:')} ${error.message}\n`);
    }
    return exitStatus(exit);
  } finally {
    removeSessionDir(sessionDir);
  }
}

/** Where a recording goes: the user's -o, or a default name with `alternatives` for when it is taken. */
export interface RecordingOutput {
  path: string;
  alternatives?: (attempt: number) => string;
}

export async function writeRecording(merged: MergeResult, target: RecordingOutput, format: OutputFormat, options: Pick<RecordOptions, 'rate' | 'open' | 'sourceMaps' | 'idle'>, reporter: Reporter): Promise<void> {
  const { colors, warn } = reporter;
  for (const problem of merged.problems) warn(problem);
  if (merged.profile.samples.length === 0) {
    warn(merged.processCount === 0 && merged.problems.length === 0 ? 'no Node.js process ran, so there is nothing to profile (is the command a Node program?)' : 'no samples were recorded; nothing written');
    return;
  }
  const [{ writeOutput }, { applySourceMaps }, { ScriptMaps }, { renderProfile }, { describeProfile }] = await Promise.all([
    import('../io.js'),
    import('../../sourcemaps/apply.js'),
    import('../../sourcemaps/script-maps.js'),
    import('../output-formats.js'),
    import('../../model/profile-summary.js'),
  ]);
  const mapping = options.sourceMaps ? applySourceMaps(merged.profile, new ScriptMaps(merged.sourceMaps, true)) : undefined;
  const profile = mapping?.profile ?? merged.profile;
  const content = renderProfile(profile, format, { cwd: process.cwd(), title: profile.meta.command ?? 'tsprof record', outputName: target.path });
  const output = writeOutput(target.path, content, target.alternatives ? { alternatives: target.alternatives } : {});

  // The figures every output shows (describeProfile): samples written and the rate they achieved.
  const { sampleCount, rateHz } = describeProfile(merged.profile);
  const seconds = (merged.profile.meta.durationUs ?? 0) / 1e6;
  const idleLeftOut = options.idle ? 0 : merged.sampleCount - sampleCount;
  const lines = [
    `${counted(sampleCount, 'sample')} in ${seconds.toFixed(2)} s from ${merged.processCount} process${merged.processCount === 1 ? '' : 'es'}, ${merged.threadCount} thread${merged.threadCount === 1 ? '' : 's'}${idleLeftOut > 0 ? ` (and ${counted(idleLeftOut, 'idle sample')}, left out; --idle keeps them)` : ''}`,
    rateHz !== undefined
      ? `sampling rate ${Math.round(rateHz)} Hz achieved of ${options.rate} Hz requested (samples per second of the time they stand for, per thread)`
      : `sampling rate: no samples to measure it`,
  ];
  if (merged.ownSamples > 0) {
    const share = (100 * merged.ownSamples) / (merged.ownSamples + merged.sampleCount);
    lines.push(`tsprof's own work in the program's threads: ${formatCount(merged.ownSamples)} sample${merged.ownSamples === 1 ? '' : 's'} (${share.toFixed(1)}%), left out of the profile`);
  }
  if (mapping && mapping.mapped + mapping.unmapped > 0) lines.push(describeSourceMapping(mapping));
  if (output !== '-') lines.push(`wrote ${colors.bold(output)}`);
  for (const line of lines) process.stderr.write(`${colors.cyan('tsprof:')} ${line}\n`);

  if (options.open && output !== '-') {
    const problem = await openInBrowser(resolve(output));
    if (problem) warn(`could not open ${output} (${problem}); open it in a browser yourself`);
  }
}

/** `source maps: 12 frames mapped to their sources, 3 frames without source map`, for the summary. */
function describeSourceMapping(mapping: { mapped: number; unmapped: number }): string {
  const frames = (count: number) => `${formatCount(count)} frame${count === 1 ? '' : 's'}`;
  const parts = [];
  if (mapping.mapped > 0) parts.push(`${frames(mapping.mapped)} mapped to their sources`);
  if (mapping.unmapped > 0) parts.push(`${frames(mapping.unmapped)} without source map`);
  return `source maps: ${parts.join(', ')}`;
}

/** Waits until every thread that wrote chunks has written its final one, the command exits, or time is up. */
async function waitForFinalChunks(merger: SessionMerger, sessionDir: string, timeoutMs: number, target: RunningTarget): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void target.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    merger.poll(sessionDir);
    if (merger.allFinal) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sessionDirOrUserError(base?: string): string {
  try {
    return createSessionDir(base);
  } catch (error) {
    if (error instanceof SessionDirError) throw new UserError(error.message);
    throw error;
  }
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

/** The addon is an optional peer dependency: say so plainly when it is not installed or did not build. */
function checkAddonSampler(): void {
  try {
    createRequire(import.meta.url)('v8-profiler-next');
  } catch (error) {
    throw new UserError(
      `the v8-profiler-next sampler is not available (${(error as Error).message.split('\n')[0]}); install it next to tsprof with npm install --save-dev tsprof v8-profiler-next (it builds a native addon), or use --sampler inspector (the default)`,
    );
  }
}

/** Starts the command; one that cannot start is the user's error, with the statuses a shell uses (127, 126). */
export async function startCommand(command: string[], env: NodeJS.ProcessEnv, options: Parameters<typeof startTarget>[2]): Promise<RunningTarget> {
  try {
    return await startTarget(command, env, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${command[0]}: command not found` : `${command[0]}: cannot start (${(error as Error).message})`, code === 'ENOENT' ? 127 : 126);
  }
}

/** The status tsprof ends with: the command's own, or 128 + the number of the signal that ended it. */
export function exitStatus(exit: TargetExit): number {
  if (exit.code !== null) return exit.code;
  const number = exit.signal ? constants.signals[exit.signal] : undefined;
  return number !== undefined ? 128 + number : 1;
}
