import { AttachedProcess } from '../../attach/attached-process.js';
import { RemoteSampler } from '../../attach/remote-sampler.js';
import { SessionMerger } from '../../record/merge.js';
import { processThreadName } from '../../model/thread-names.js';
import { defaultOutputName } from '../../record/output-name.js';
import { UserError } from '../errors.js';
import type { OutputFormat } from '../format-names.js';
import { samplesSoFar, StatusLine } from '../status-line.js';
import { fetchSourceMaps } from '../../attach/remote-source-maps.js';
import { writeRecording, type Reporter } from '../recording-output.js';
import { counted } from '../../model/format-count.js';
import { FLUSH_MS, samplingIntervalUs } from '../../model/sampling.js';
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

/** The script URLs a V8 profile's frames name. */
function scriptUrls(profile: unknown): string[] {
  const nodes = (profile as { nodes?: { callFrame?: { url?: unknown } }[] } | null)?.nodes;
  return Array.isArray(nodes) ? nodes.map((node) => node.callFrame?.url).filter((url): url is string => typeof url === 'string') : [];
}

/** The script URLs a V8 sampling heap profile's frames name. */
function heapScriptUrls(profile: unknown): string[] {
  const urls: string[] = [];
  const pending: unknown[] = [(profile as { head?: unknown } | null)?.head];
  while (pending.length > 0) {
    const node = pending.pop() as { callFrame?: { url?: unknown }; children?: unknown } | undefined;
    if (!node || typeof node !== 'object') continue;
    if (typeof node.callFrame?.url === 'string' && node.callFrame.url) urls.push(node.callFrame.url);
    if (Array.isArray(node.children)) for (const child of node.children as unknown[]) pending.push(child);
  }
  return urls;
}

type StopReason = 'duration' | 'interrupted' | 'exited' | 'connection lost';

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
  const merger = new SessionMerger({
    keepIdle: options.idle ?? false,
    command: name,
    startTime,
    originUs,
    intervalUs,
    flushMs: FLUSH_MS,
    lostChunkCause: 'ended',
    source: 'tsprof record --pid',
    ...(options.heap ? { heap: options.heap } : {}),
  });
  merger.addProcess(attached.info);
  // Scripts the profile names, whose source maps are asked of the process before tsprof leaves.
  const scripts = new Set<string>();

  let stop!: (reason: StopReason) => void;
  const stopped = new Promise<StopReason>((resolve) => (stop = resolve));
  const sampler = new RemoteSampler(attached, {
    intervalUs,
    flushMs: FLUSH_MS,
    onChunk: (chunk) => {
      if (options.sourceMaps) for (const url of scriptUrls(chunk.profile)) scripts.add(url);
      merger.addProfile(pid, chunk.threadId, chunk.profile, chunk.final);
    },
    onProblem: reporter.warn,
    onExit: () => stop('exited'),
    onWorker: (threadId) => merger.addWorker(pid, threadId),
    ...(options.heap
      ? {
          heap: options.heap,
          onHeapProfile: (threadId: number, profile: unknown) => {
            if (options.sourceMaps) for (const url of heapScriptUrls(profile)) scripts.add(url);
            merger.addHeapProfile(pid, threadId, profile);
          },
        }
      : {}),
  });
  void attached.connection.closed.then(() => stop('connection lost'));
  const onSignal = () => stop('interrupted');
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, onSignal);
  const durationTimer = options.duration !== undefined ? setTimeout(() => stop('duration'), options.duration * 1000) : undefined;

  const status = new StatusLine(process.stderr);
  const statusTimer = setInterval(() => {
    const { samples, threads } = merger.counts;
    const elapsed = ((Date.now() - startTime) / 1000).toFixed(1);
    status.show(reporter.colors.dim(`tsprof: recording ${name} · ${elapsed} s · ${samplesSoFar(samples)} · ${counted(threads, 'thread')} · Ctrl-C to stop`));
  }, 500);

  let reason: StopReason;
  try {
    const opened = attached.endpoint.openedByUs ? 'opened its inspector on' : 'using its open inspector on';
    process.stderr.write(
      `${reporter.colors.cyan('tsprof:')} attached to ${name} (${opened} ` +
        `${attached.endpoint.address}:${attached.endpoint.port})${options.duration === undefined ? '; Ctrl-C to stop' : ''}\n`,
    );
    await sampler.start().catch((error: Error) => {
      if (attached.connection.open) throw new UserError(`process ${pid}: cannot start sampling (${error.message})`);
    });
    reason = await stopped;
    await sampler.finish();
    if (options.sourceMaps && attached.connection.open && reason !== 'exited') merger.addSourceMaps(await fetchSourceMaps(attached.main, scripts));
  } finally {
    clearTimeout(durationTimer);
    clearInterval(statusTimer);
    status.clear();
    for (const signal of signals) process.off(signal, onSignal);
    const warning = await attached.detach();
    if (warning) reporter.warn(warning);
  }

  if (reason === 'exited') reporter.warn(`process ${pid} exited while recording; writing the profile gathered until then`);
  if (reason === 'connection lost') reporter.warn(`the connection to process ${pid} was lost (did it end?); writing the profile gathered until then`);
  await writeRecording(
    merger.finish(),
    options.output ? { path: output } : { path: output, alternatives: (n) => defaultOutputName(attached.info.argv, format, new Date(startTime), n) },
    format,
    options,
    reporter,
  );
  return 0;
}
