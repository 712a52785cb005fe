import type { AttachedProcess } from '../attach/attached-process.js';
import { RemoteSampler } from '../attach/remote-sampler.js';
import { fetchSourceMaps } from '../attach/remote-source-maps.js';
import { FLUSH_MS } from '../model/sampling.js';
import type { HeapSettings } from '../preload/agent-protocol.cjs';
import { SessionMerger, type MergeResult } from './merge.js';

/**
 * `record --pid`: a running process sampled through its inspector (attach/remote-sampler.ts), its chunks taken
 * into a SessionMerger as `record -- cmd` takes those of its session folder, until stop() or the process's
 * end or the connection's loss; before tsprof leaves, the source maps the process holds for the scripts
 * sampled are asked of it. Attaching and detaching, and what is printed, are the caller's.
 */

export type StopReason = 'duration' | 'interrupted' | 'exited' | 'connection lost';

export interface AttachedRecordingOptions {
  /** The process as the profile names it (`node <pid> <argv summary>`). */
  name: string;
  /** Wall-clock start, ms since the epoch, and the same moment on V8's clock (µs), as for a session. */
  startTime: number;
  originUs: number;
  intervalUs: number;
  keepIdle: boolean;
  heap?: HeapSettings;
  /** Ask the process for the source maps it holds (compiled code mapped back to its sources). */
  sourceMaps: boolean;
  onProblem: (message: string) => void;
}

export class AttachedRecording {
  readonly merger: SessionMerger;
  private readonly sampler: RemoteSampler;
  /** Scripts the profile names, whose source maps are asked of the process before tsprof leaves. */
  private readonly scripts = new Set<string>();
  private stopWith!: (reason: StopReason) => void;
  private readonly stopped = new Promise<StopReason>((resolve) => (this.stopWith = resolve));

  constructor(
    private readonly attached: AttachedProcess,
    private readonly options: AttachedRecordingOptions,
  ) {
    const pid = attached.pid;
    this.merger = new SessionMerger({
      keepIdle: options.keepIdle,
      command: options.name,
      startTime: options.startTime,
      originUs: options.originUs,
      intervalUs: options.intervalUs,
      flushMs: FLUSH_MS,
      lostChunkCause: 'ended',
      source: 'tsprof record --pid',
      ...(options.heap ? { heap: options.heap } : {}),
    });
    this.merger.addProcess(attached.info);
    this.sampler = new RemoteSampler(attached, {
      intervalUs: options.intervalUs,
      flushMs: FLUSH_MS,
      onChunk: (chunk) => {
        if (options.sourceMaps) for (const url of scriptUrls(chunk.profile)) this.scripts.add(url);
        this.merger.addProfile(pid, chunk.threadId, chunk.profile, chunk.final);
      },
      onProblem: options.onProblem,
      onExit: () => this.stop('exited'),
      onWorker: (threadId) => this.merger.addWorker(pid, threadId),
      ...(options.heap
        ? {
            heap: options.heap,
            onHeapProfile: (threadId: number, profile: unknown) => {
              if (options.sourceMaps) for (const url of heapScriptUrls(profile)) this.scripts.add(url);
              this.merger.addHeapProfile(pid, threadId, profile);
            },
          }
        : {}),
    });
    void attached.connection.closed.then(() => this.stop('connection lost'));
  }

  /** Starts sampling every thread of the process. */
  start(): Promise<void> {
    return this.sampler.start();
  }

  /** Ends the recording (the first reason given is kept). */
  stop(reason: StopReason): void {
    this.stopWith(reason);
  }

  /** Waits for the end, takes the last chunks and the source maps in, and joins the profile. */
  async finish(): Promise<{ merged: MergeResult; reason: StopReason }> {
    const reason = await this.stopped;
    await this.sampler.finish();
    if (this.options.sourceMaps && this.attached.connection.open && reason !== 'exited') {
      this.merger.addSourceMaps(await fetchSourceMaps(this.attached.main, this.scripts));
    }
    return { merged: this.merger.finish(), reason };
  }
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
