import { randomBytes } from 'node:crypto';
import type { CdpTarget } from './cdp-connection.js';
import type { AttachedProcess } from './attached-process.js';
import type { HeapSettings } from '../preload/agent-protocol.cjs';

/**
 * Samples every thread of an attached process through its inspector, handing over a chunk (a V8
 * cpuprofile) every `flushMs`, so a process that is killed mid-recording loses at most its last chunk.
 *
 * Chunks come from two console profiles rotated on each thread's one CPU profiler (the command-line API's
 * `profile()` / `profileEnd()`, which do not touch the app's `console`): the next starts before the previous
 * ends, so no sample falls between them, and V8 never re-logs the compiled code as a profiler restart would
 * (the same trick as the in-process agent, src/preload/thread-profiler.cts). When the process exits, the
 * main thread hands over its last chunk first: Node waits at exit for a debugger that asked to be told
 * (NodeRuntime.notifyWhenWaitingForDisconnect), and tsprof answers at once. A worker that ends loses its
 * last chunk (see startThread for why).
 */
export interface RemoteChunk {
  threadId: number;
  /** A V8 cpuprofile (timestamps on the system's monotonic clock). */
  profile: unknown;
  /** The thread's last chunk: it stopped being sampled. */
  final: boolean;
}

export interface RemoteSamplerOptions {
  intervalUs: number;
  flushMs: number;
  onChunk: (chunk: RemoteChunk) => void;
  /** Something the user should know (a thread that could not be sampled, an interval that could not be set). */
  onProblem: (message: string) => void;
  /** The main thread is exiting: its last chunk has been handed over. */
  onExit: () => void;
  /** A worker thread was found (before its first chunk). */
  onWorker?: (threadId: number) => void;
  /** record --pid --heap: sample each thread's allocations too, handed over as its sampling ends. */
  heap?: HeapSettings;
  onHeapProfile?: (threadId: number, profile: unknown) => void;
}

interface ThreadState {
  target: CdpTarget;
  /** Title of the console profile running now. */
  current?: string;
  seq: number;
  /** Title whose end makes the final chunk. */
  finalTitle?: string;
  ended: boolean;
  /** Its heap sampler runs (record --pid --heap). */
  heapSampling?: boolean;
  /** Resolves when the final chunk arrived. */
  finished: Promise<void>;
  resolveFinished: () => void;
}

const END_TIMEOUT_MS = 2000;

export class RemoteSampler {
  private readonly threads = new Map<CdpTarget, ThreadState>();
  private readonly prefix = `tsprof-${randomBytes(4).toString('hex')}-`;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** The main thread said the process is exiting (NodeRuntime.waitingForDisconnect). */
  private exiting = false;
  private finishing: Promise<void> | undefined;

  constructor(
    private readonly process: AttachedProcess,
    private readonly options: RemoteSamplerOptions,
  ) {}

  async start(): Promise<void> {
    const connection = this.process.connection;
    connection.on('Profiler.consoleProfileFinished', (params, target) => this.received(target, String(params.title), params.profile));
    connection.on('NodeRuntime.waitingForDisconnect', () => void this.mainThreadExiting());
    await this.startThread(this.process.main);
    await this.process.watchWorkers(
      (worker) => {
        this.options.onWorker?.(worker.threadId);
        if (!this.stopping)
          void this.startThread(worker).catch((error: Error) => this.options.onProblem(`worker ${worker.threadId}: not sampled (${error.message})`));
      },
      (worker) => {
        // Gone without handing over its last chunk (e.g. terminate()): nothing more will come from it.
        const thread = this.threads.get(worker);
        if (thread) {
          thread.ended = true;
          thread.resolveFinished();
        }
      },
    );
    this.timer = setInterval(() => this.rotateAll(), this.options.flushMs);
  }

  /**
   * Ends sampling for good, however it ended: a process that began to exit hands over its main thread's last
   * chunk and is let go at once (Node waits at exit for its debuggers; workers are gone by then); a live
   * process has every thread's profile ended and waits (boundedly) for the last chunks; a lost connection
   * has nothing left to give. Safe to call more than once.
   */
  async finish(): Promise<void> {
    if (this.finishing) return this.finishing;
    this.stopping = true;
    clearInterval(this.timer);
    this.finishing = (async () => {
      if (this.exiting) {
        const main = this.threads.get(this.process.main);
        if (main) await withTimeout(main.finished, END_TIMEOUT_MS);
        this.process.connection.close();
      } else if (this.process.connection.open) {
        await Promise.all([...this.threads.values()].map((thread) => this.endThread(thread)));
      }
    })();
    return this.finishing;
  }

  private async startThread(target: CdpTarget): Promise<void> {
    let resolveFinished!: () => void;
    const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
    const thread: ThreadState = { target, seq: 0, ended: false, finished, resolveFinished };
    this.threads.set(target, thread);
    // Main thread: ask to be told before the process exits, so its last chunk can be fetched. Never for a
    // worker: an exiting process joins its workers on the main thread, while a worker that waits for its
    // debugger needs the main thread to let it go, so the process would hang for ever.
    if (target.sessionId === undefined) await target.send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }).catch(() => undefined);
    await target.send('Profiler.enable');
    try {
      await target.send('Profiler.setSamplingInterval', { interval: this.options.intervalUs });
    } catch {
      // V8 refuses while another client's profile runs in this thread: sample at that profile's interval.
      this.options.onProblem(`${describeThread(target)}: another profiler is running in it, so the sampling interval is that profiler's`);
    }
    if (this.options.heap) await this.startHeapSampling(thread, this.options.heap);
    thread.current = this.nextTitle(thread);
    await target.evaluate(`profile(${JSON.stringify(thread.current)})`, { commandLineAPI: true });
  }

  /** One sampling heap profiler per thread, as the agent's: keeping collected objects for `allocated`. */
  private async startHeapSampling(thread: ThreadState, heap: HeapSettings): Promise<void> {
    try {
      await thread.target.send('HeapProfiler.enable');
      const keepCollected = heap.kind === 'allocated';
      await thread.target.send('HeapProfiler.startSampling', {
        samplingInterval: heap.intervalBytes,
        includeObjectsCollectedByMajorGC: keepCollected,
        includeObjectsCollectedByMinorGC: keepCollected,
      });
      thread.heapSampling = true;
    } catch (error) {
      this.options.onProblem(`${describeThread(thread.target)}: its allocations are not sampled (${(error as Error).message})`);
    }
  }

  /** Stops the thread's heap sampler and hands over its profile (a thread that is gone has none to give). */
  private async endHeapSampling(thread: ThreadState): Promise<void> {
    if (!thread.heapSampling) return;
    thread.heapSampling = false;
    try {
      const { profile } = await thread.target.send('HeapProfiler.stopSampling', {}, END_TIMEOUT_MS);
      this.options.onHeapProfile?.(thread.target.threadId, profile);
    } catch {
      // the thread went away first: its allocations are reported missing
    }
  }

  private nextTitle(thread: ThreadState): string {
    thread.seq += 1;
    return `${this.prefix}${thread.target.threadId}-${thread.seq}`;
  }

  private rotateAll(): void {
    for (const thread of this.threads.values()) {
      if (thread.ended || thread.current === undefined) continue;
      const previous = thread.current;
      const next = this.nextTitle(thread);
      thread.current = next;
      // One evaluation: the next profile starts before the previous ends, so they overlap by a sample or two.
      // A failure means the thread is going away; its exit hands over what it has.
      const expression = `profile(${JSON.stringify(next)}), profileEnd(${JSON.stringify(previous)})`;
      thread.target.evaluate(expression, { commandLineAPI: true }).catch(() => undefined);
    }
  }

  private async endThread(thread: ThreadState): Promise<void> {
    if (thread.ended || thread.current === undefined) return withTimeout(thread.finished, END_TIMEOUT_MS);
    await this.endHeapSampling(thread);
    thread.ended = true;
    thread.finalTitle = thread.current;
    try {
      await thread.target.evaluate(`profileEnd(${JSON.stringify(thread.current)})`, { commandLineAPI: true, timeoutMs: END_TIMEOUT_MS });
    } catch {
      thread.resolveFinished(); // the thread is gone: nothing more will come
      return;
    }
    await withTimeout(thread.finished, END_TIMEOUT_MS);
  }

  private async mainThreadExiting(): Promise<void> {
    this.exiting = true;
    const thread = this.threads.get(this.process.main);
    if (thread) await this.endThread(thread);
    this.options.onExit();
  }

  private received(target: CdpTarget, title: string, profile: unknown): void {
    const thread = this.threads.get(target);
    if (!thread || !title.startsWith(this.prefix)) return; // someone else's console.profile
    const final = title === thread.finalTitle;
    this.options.onChunk({ threadId: target.threadId, profile: nameOwnCalls(profile), final });
    if (final) thread.resolveFinished();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/**
 * A sample can catch the thread running tsprof's own `profile(...)` call: V8 shows it as `(anonymous)`, a
 * script without a URL, calling `profile` or `profileEnd`. Name that script `(tsprof)`, so the profile says
 * whose time it is instead of showing a mystery frame.
 */
function nameOwnCalls(profile: unknown): unknown {
  const nodes = (profile as { nodes?: ProfileNode[] } | undefined)?.nodes;
  if (!Array.isArray(nodes)) return profile;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  for (const node of nodes) {
    if (node.callFrame.url !== '' || node.callFrame.functionName !== '') continue;
    const children = (node.children ?? []).map((id) => byId.get(id));
    if (
      children.some(
        (child) => child && child.callFrame.url === '' && (child.callFrame.functionName === 'profile' || child.callFrame.functionName === 'profileEnd'),
      )
    ) {
      node.callFrame.functionName = '(tsprof)';
    }
  }
  return profile;
}

function describeThread(target: CdpTarget): string {
  return target.threadId === 0 ? 'main thread' : `worker ${target.threadId}`;
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise.then(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}
