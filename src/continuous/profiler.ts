import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { isMainThread, threadId } from 'node:worker_threads';
import { toPprof } from '../export/pprof.js';
import { applySourceMaps } from '../sourcemaps/apply.js';
import { inProcessScriptMaps } from '../sourcemaps/in-process.js';
import { profileSelf } from '../in-process/self-profiler.js';
import { acquireHeapSampler } from '../in-process/heap-sampler.js';
import { folderSink, profefeSink, pyroscopeSink, type Sink, type WindowProfile } from './sinks.js';
import { SERVICE_RATE_HZ } from '../model/sampling.js';

/**
 * Continuous profiling inside a service: a window of `seconds` every `every` seconds (profefe's defaults: 10 s
 * each minute), started at a random point of each period so that a fleet does not profile in lockstep, sent
 * to a folder and/or collectors, with the heap in use at each window's end (unless `heap: false`). It never
 * throws into the app and never holds more than a bounded number of profiles: pushes that fail are retried
 * with backoff and then dropped; a slow collector only delays its own queue. Its timers do not keep the
 * process alive; `stop()` ends the window in progress and leaves nothing behind.
 */

export interface ProfilingOptions {
  service: string;
  /** Added to every profile, with `host`, `pid` and, in a worker thread, `thread`; `version` is the usual one. */
  labels?: Record<string, string>;
  /** Collector base URLs: Grafana Pyroscope (`http://pyroscope:4040`). */
  push?: string | string[];
  /** profefe collector base URLs (`http://profefe:10100`). */
  profefe?: string | string[];
  /** A folder to write `<service>-<time>.pb.gz` files to, oldest deleted past `maxFolderBytes` (default 100 MB). */
  dir?: string;
  maxFolderBytes?: number;
  /** Seconds between the starts of two windows. Default 60. */
  every?: number;
  /** Length of each window in seconds. Default 10. */
  seconds?: number;
  /** Samples per second. Default SERVICE_RATE_HZ (100). */
  rate?: number;
  /**
   * Send the heap in use at the end of each window too (V8's sampling heap profiler runs from the start, one
   * sample per `heapInterval` bytes allocated, as Go's heap profile). Default true.
   */
  heap?: boolean;
  /** Bytes allocated per heap sample, on average. Default 512 KiB. */
  heapInterval?: number;
  /** Told about every failure (a push that failed, a window that could not be taken). Default: nothing. */
  onError?: (error: Error) => void;
}

export interface Profiler {
  stop(): Promise<void>;
}

const MAX_QUEUED = 8;
const MAX_ATTEMPTS = 4;
const FIRST_RETRY_MS = 1000;

export function startProfiling(options: ProfilingOptions): Profiler {
  const every = (options.every ?? 60) * 1000;
  const seconds = Math.min(options.seconds ?? 10, every / 1000);
  const rate = options.rate ?? SERVICE_RATE_HZ;
  const report = (error: unknown) => {
    try {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // the app's own handler threw: nothing more to do
    }
  };
  // Started in a worker thread too (a --require preload runs in every thread), each thread sends its own.
  const labels = { host: hostname(), pid: String(process.pid), ...(isMainThread ? {} : { thread: `worker ${threadId}` }), ...options.labels };
  const sinks: Sink[] = [...list(options.push).map(pyroscopeSink), ...list(options.profefe).map(profefeSink)];
  if (options.dir) {
    mkdirSync(options.dir, { recursive: true });
    sinks.push(folderSink(options.dir, options.maxFolderBytes ?? 100 * 1024 * 1024));
  }
  const queues = sinks.map((sink) => new SendQueue(sink, report));
  const heapUse = options.heap === false ? undefined : acquireHeapSampler(options.heapInterval);
  heapUse?.sampler.catch(report);

  let stopped = false;
  const windowAbort = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  let current: Promise<void> | undefined;
  const schedule = (delay: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, delay);
    timer.unref();
    timers.add(timer);
  };

  const takeWindow = async () => {
    const from = Date.now();
    try {
      const raw = await profileSelf({ seconds, rate, signal: windowAbort.signal });
      const until = Date.now();
      const { profile } = applySourceMaps(raw, inProcessScriptMaps(raw));
      const window: WindowProfile = { kind: 'cpu', pprof: toPprof(profile), service: options.service, labels, from, until, rateHz: rate };
      for (const queue of queues) queue.add(window);
      if (heapUse && !stopped) await takeHeap(from, until);
    } catch (error) {
      report(error);
    }
  };
  const takeHeap = async (from: number, until: number) => {
    const raw = await heapUse!.sampler.then((sampler) => sampler.snapshot());
    const { profile } = applySourceMaps(raw, inProcessScriptMaps(raw));
    const window: WindowProfile = { kind: 'heap', pprof: toPprof(profile), service: options.service, labels, from, until, rateHz: rate };
    for (const queue of queues) queue.add(window);
  };
  // Each period: a window at a random offset within it (jitter), then the next period.
  const period = () => {
    if (stopped) return;
    const periodStart = Date.now();
    schedule(Math.random() * Math.max(0, every - seconds * 1000), () => {
      if (!stopped) current = takeWindow();
    });
    schedule(every - ((Date.now() - periodStart) % every), period);
  };
  period();

  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      windowAbort.abort();
      await current;
      await Promise.all([...queues.map((queue) => queue.close()), heapUse?.release()]);
    },
  };
}

/**
 * The profiles waiting for one sink, sent one at a time. At most MAX_QUEUED wait (the oldest is dropped);
 * a failed send is retried after 1, 2, 4 s, then dropped.
 */
class SendQueue {
  private readonly waiting: { profile: WindowProfile; attempts: number }[] = [];
  private sending = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private idle: (() => void) | undefined;

  constructor(
    private readonly sink: Sink,
    private readonly report: (error: Error) => void,
  ) {}

  add(profile: WindowProfile): void {
    if (this.closed) return;
    this.waiting.push({ profile, attempts: 0 });
    if (this.waiting.length > MAX_QUEUED) {
      this.waiting.shift();
      this.report(new Error(`${this.sink.name}: more than ${MAX_QUEUED} profiles waiting; dropped the oldest`));
    }
    this.pump();
  }

  /** Stops retrying; waits for a send in flight (bounded by the sink's own timeout) and drops the rest. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.sending) await new Promise<void>((resolve) => (this.idle = resolve));
    this.waiting.length = 0;
  }

  private pump(): void {
    if (this.sending || this.retryTimer || this.closed) return;
    const next = this.waiting[0];
    if (!next) return;
    this.sending = true;
    next.attempts++;
    void this.sink
      .send(next.profile)
      .then(
        () => {
          this.waiting.shift();
        },
        (error: Error) => {
          this.report(new Error(`${this.sink.name}: ${error.message}`));
          if (next.attempts >= MAX_ATTEMPTS) {
            this.waiting.shift();
            return;
          }
          this.retryTimer = setTimeout(
            () => {
              this.retryTimer = undefined;
              this.pump();
            },
            FIRST_RETRY_MS * 2 ** (next.attempts - 1),
          );
          this.retryTimer.unref();
        },
      )
      .finally(() => {
        this.sending = false;
        if (this.closed) this.idle?.();
        else this.pump();
      });
  }
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
