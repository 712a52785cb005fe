import { AttachedProcess } from '../../attach/attached-process.js';
import { AttachedRecording } from '../../record/attached-recording.js';
import { processThreadName } from '../../model/thread-names.js';
import { defaultOutputName } from '../../record/output-name.js';
import { UserError } from '../errors.js';
import type { OutputFormat } from '../format-names.js';
import { samplesSoFar, StatusLine } from '../status-line.js';
import { writeRecording, type Reporter } from '../recording-output.js';
import { counted } from '../../model/format-count.js';
import { samplingIntervalUs } from '../../model/sampling.js';
import { checkOutputFolder } from '../output-folder.js';
import type { HeapSettings } from '../../preload/agent-protocol.cjs';

export interface RecordPidOptions {
  rate: number;
  output?: string;
  /** What the recording is written as (config.ts: recordingFormat). */
  format: OutputFormat;
  duration?: number;
  idle?: boolean;
  open?: boolean;
  /** Map compiled frames back to their sources, with the maps the process holds or those on disk (default). */
  sourceMaps: boolean;
  /** Sample allocations too, and write that memory profile beside the CPU one. */
  heap?: HeapSettings;
  /** Folded stacks labelled with the executing line of each innermost frame. */
  lines?: boolean;
  /** The page: include the source of hot functions (`--no-sources` leaves it out). */
  sources?: boolean;
}

/**
 * `tsprof record --pid PID`: samples a running Node process through its inspector until --duration, Ctrl-C
 * or the process's end, then writes the same outputs as spawn mode. The process is left as found: an
 * inspector tsprof opened is closed again, also when tsprof is interrupted or the connection drops.
 */
export async function recordPidCommand(pid: number, options: RecordPidOptions, reporter: Reporter): Promise<number> {
  const format = options.format;
  if (options.output !== undefined) checkOutputFolder(options.output);
  const intervalUs = samplingIntervalUs(options.rate);

  const attached = await AttachedProcess.attach(pid);
  const startTime = Date.now();
  const originUs = Number(process.hrtime.bigint() / 1000n); // V8 stamps samples with this same monotonic clock
  const name = processThreadName(pid, attached.info);
  const output = options.output ?? defaultOutputName(attached.info.argv, format, new Date(startTime));
  const recording = new AttachedRecording(attached, {
    name,
    startTime,
    originUs,
    intervalUs,
    keepIdle: options.idle ?? false,
    sourceMaps: options.sourceMaps,
    onProblem: reporter.warn,
    ...(options.heap ? { heap: options.heap } : {}),
  });
  const onSignal = () => recording.stop('interrupted');
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, onSignal);
  const durationTimer = options.duration !== undefined ? setTimeout(() => recording.stop('duration'), options.duration * 1000) : undefined;

  const status = new StatusLine(process.stderr);
  const statusTimer = setInterval(() => {
    const { samples, threads } = recording.merger.counts;
    const elapsed = ((Date.now() - startTime) / 1000).toFixed(1);
    status.show(reporter.colors.dim(`tsprof: recording ${name} · ${elapsed} s · ${samplesSoFar(samples)} · ${counted(threads, 'thread')} · Ctrl-C to stop`));
  }, 500);

  let result: Awaited<ReturnType<AttachedRecording['finish']>>;
  try {
    const opened = attached.endpoint.openedByUs ? 'opened its inspector on' : 'using its open inspector on';
    process.stderr.write(
      `${reporter.colors.cyan('tsprof:')} attached to ${name} (${opened} ` +
        `${attached.endpoint.address}:${attached.endpoint.port})${options.duration === undefined ? '; Ctrl-C to stop' : ''}\n`,
    );
    await recording.start().catch((error: Error) => {
      if (attached.connection.open) throw new UserError(`process ${pid}: cannot start sampling (${error.message})`);
    });
    result = await recording.finish();
  } finally {
    clearTimeout(durationTimer);
    clearInterval(statusTimer);
    status.clear();
    for (const signal of signals) process.off(signal, onSignal);
    const warning = await attached.detach();
    if (warning) reporter.warn(warning);
  }

  const { merged, reason } = result;
  if (reason === 'exited') reporter.warn(`process ${pid} exited while recording; writing the profile gathered until then`);
  if (reason === 'connection lost') reporter.warn(`the connection to process ${pid} was lost (did it end?); writing the profile gathered until then`);
  await writeRecording(
    merged,
    options.output ? { path: output } : { path: output, alternatives: (n) => defaultOutputName(attached.info.argv, format, new Date(startTime), n) },
    format,
    options,
    reporter,
  );
  return 0;
}
