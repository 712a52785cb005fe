import { createRequire } from 'node:module';
import { getPriority, setPriority } from 'node:os';
import { defaultOutputName } from '../../record/output-name.js';
import { removeSessionDir } from '../../record/session.js';
import { agentEnvironment, type SamplerName, type TargetExit } from '../../record/spawn.js';
import { UserError } from '../errors.js';
import type { OutputFormat } from '../format-names.js';
import { counted } from '../../model/format-count.js';
import { FLUSH_MS, samplingIntervalUs } from '../../model/sampling.js';
import { writeRecording, type RecordingOutput, type Reporter } from '../recording-output.js';
import { exitStatus, sessionDirOrUserError, startCommand } from '../running-command.js';
import { checkOutputFolder } from '../output-folder.js';
import type { HeapSettings } from '../../preload/agent-protocol.cjs';

export interface RecordOptions {
  /** Samples per second. */
  rate: number;
  output?: string;
  /** What the recording is written as (config.ts: recordingFormat). */
  format: OutputFormat;
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
  /** Make the notes folder other users may write to, for processes of the command that run as another user. */
  otherUsers?: boolean;
  /** Sample allocations too, and write that memory profile beside the CPU one. */
  heap?: HeapSettings;
  /** Folded stacks labelled with the executing line of each innermost frame. */
  lines?: boolean;
  /** The page: include the source of hot functions (`--no-sources` leaves it out). */
  sources?: boolean;
}

/**
 * `tsprof record -- <command>`: runs the command with the agent preloaded into every Node process it starts,
 * then joins what they sampled into one profile. Returns the exit status tsprof must end with: the command's
 * own, or 128 + the number of the signal that ended it.
 */
export async function recordCommand(command: string[], options: RecordOptions, reporter: Reporter): Promise<number> {
  if (command.length === 0) throw new UserError('give the command to profile after --, e.g. tsprof record -- node app.js');
  const format = options.format;
  const startTime = Date.now();
  const originUs = Number(process.hrtime.bigint() / 1000n); // V8 stamps samples with this same monotonic clock
  const output = options.output ?? defaultOutputName(command, format, new Date(startTime));
  const recordingOutput: RecordingOutput = options.output
    ? { path: output }
    : { path: output, alternatives: (n) => defaultOutputName(command, format, new Date(startTime), n) };
  checkOutputFolder(output);

  if (options.sampler === 'v8-profiler-next') checkAddonSampler();
  const intervalUs = samplingIntervalUs(options.rate);
  const sessionDir = sessionDirOrUserError(options.tmpDir, { notesForOtherUsers: options.otherUsers ?? false });
  try {
    const env = agentEnvironment(process.env, {
      sessionDir,
      intervalUs,
      flushMs: FLUSH_MS,
      sampler: options.sampler,
      ...(options.heap ? { heap: options.heap } : {}),
      ...(options.subprocesses ? {} : { onlyCommandProcess: true }),
    });
    const target = await startCommand(command, env, { stdoutToStderr: output === '-' });
    // What only taking chunks in and writing the profile need is loaded once the command runs: every
    // millisecond before the spawn is one the command waits for.
    const [{ CommandRecording }, { StatusLine, samplesSoFar }] = await Promise.all([import('../../record/command-recording.js'), import('../status-line.js')]);
    // tsprof's own work (taking chunks in) must never compete with the program for a core: lower our
    // priority, after the spawn so that the command keeps its own.
    try {
      setPriority(Math.min(19, getPriority() + 10));
    } catch {
      // not allowed here; run at the same priority
    }
    const recording = new CommandRecording(target, sessionDir, {
      command: command.join(' '),
      startTime,
      originUs,
      intervalUs,
      keepIdle: options.idle ?? false,
      ...(options.processFilter !== undefined ? { processFilter: options.processFilter } : {}),
      ...(options.heap ? { heap: options.heap } : {}),
    });
    // Take chunks in as they come, so that little is left to do when the command exits.
    const status = new StatusLine(process.stderr);
    const pollTimer = setInterval(() => {
      recording.poll();
      if (!status.enabled) return; // nothing to show off a terminal: no need to count
      const { samples, processes, threads } = recording.merger.counts;
      const elapsed = ((Date.now() - startTime) / 1000).toFixed(1);
      status.show(
        reporter.colors.dim(
          `tsprof: recording ${elapsed} s · ${samplesSoFar(samples)} · ${counted(processes, 'process', 'processes')} · ${counted(threads, 'thread')}`,
        ),
      );
    }, 500);

    const finish = async (exit?: TargetExit): Promise<void> => {
      clearInterval(pollTimer);
      status.clear();
      await writeRecording(recording.finish(exit), recordingOutput, format, options, reporter);
    };

    let written: Promise<void> | undefined;
    let durationTimer: NodeJS.Timeout | undefined;
    if (options.duration !== undefined) {
      durationTimer = setTimeout(() => {
        written = (async () => {
          await recording.stopSampling(FLUSH_MS + 1000);
          await finish();
          if (options.killAfter) target.signal('SIGTERM');
        })();
      }, options.duration * 1000);
    }

    const exit = await target.exited;
    clearTimeout(durationTimer);
    recording.close();
    try {
      await (written ?? finish(exit));
    } catch (error) {
      // The command's own status stands even when its profile could not be written: main says why.
      if (error instanceof UserError) throw new UserError(error.message, exitStatus(exit));
      throw error;
    }
    return exitStatus(exit);
  } finally {
    removeSessionDir(sessionDir);
  }
}

/** The addon is an optional peer dependency: say so plainly when it is not installed or did not build. */
function checkAddonSampler(): void {
  try {
    createRequire(import.meta.url)('v8-profiler-next');
  } catch (error) {
    throw new UserError(
      `the v8-profiler-next sampler is not available (${(error as Error).message.split('\n')[0]}); install it next to tsprof with npm install ` +
        `--save-dev tsprof v8-profiler-next (it builds a native addon), or use --sampler inspector (the default)`,
    );
  }
}
