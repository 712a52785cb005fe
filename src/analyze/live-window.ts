import { appendCpuprofile, type AppendOptions } from '../import/v8-cpuprofile.js';
import { ProfileBuilder } from '../model/builder.js';
import { frameLabel } from '../model/frame-display.js';

/**
 * The hottest functions over the last few seconds, for `tsprof top`: V8 profile chunks go in as they arrive
 * (from any number of threads), samples are counted per second of V8's clock, and a snapshot sums the
 * seconds still inside the window. Old seconds are dropped, so memory stays bounded however long top runs.
 */
export interface LiveRow {
  /** `name (file:line)`, as in folded output. */
  label: string;
  /** Samples in which the function was running (the leaf). */
  self: number;
  /** Samples in which the function was on the stack. */
  total: number;
}

export interface LiveSnapshot {
  rows: LiveRow[];
  /** All samples in the window, idle ones included: the base of the percentages. */
  samples: number;
  idle: number;
  threads: number;
  /** Seconds the window covers so far (less than its length at the start), to a tenth. */
  seconds: number;
}

interface Second {
  samples: number;
  idle: number;
  self: Map<string, number>;
  total: Map<string, number>;
  threads: Set<string>;
}

const IDLE = '(idle)';
const US_PER_SECOND = 1_000_000;

export class LiveWindow {
  private readonly seconds = new Map<number, Second>();
  /** V8 time of the last sample taken in, per thread: consecutive chunks overlap by a sample or two. */
  private readonly lastSampleUs = new Map<string, number>();
  private firstSampleUs: number | undefined;

  constructor(
    private readonly windowSeconds: number,
    private readonly cwd: string,
    /** The profiler's own frames: their samples are left out (see appendCpuprofile). */
    private readonly isOwnFrame?: AppendOptions['isOwnFrame'],
  ) {}

  /** Takes in one V8 cpuprofile chunk of thread `threadKey`. Unreadable chunks are ignored. */
  add(threadKey: string, cpuprofile: unknown): void {
    const builder = new ProfileBuilder('samples');
    let lastUs: number | undefined;
    try {
      const skip = this.lastSampleUs.get(threadKey);
      lastUs = appendCpuprofile(builder, cpuprofile, {
        keepIdle: true,
        timeOriginUs: 0,
        ...(skip !== undefined ? { skipUntilUs: skip } : {}),
        ...(this.isOwnFrame ? { isOwnFrame: this.isOwnFrame } : {}),
      }).lastSampleUs;
    } catch {
      return;
    }
    if (lastUs !== undefined) this.lastSampleUs.set(threadKey, lastUs);
    const profile = builder.build({});
    const { stack, time, weight } = profile.samples;
    if (!time) return;
    const { prefix, frame } = profile.stacks;
    const labels = profile.frames.map((f) => frameLabel(f, this.cwd));
    const byStack = new Map<number, { leaf: string; onStack: string[] }>();
    for (let i = 0; i < profile.samples.length; i++) {
      const stackId = stack[i]!;
      let entry = byStack.get(stackId);
      if (!entry) {
        const onStack = new Set<string>();
        for (let s = stackId; s !== -1; s = prefix[s]!) onStack.add(labels[frame[s]!]!);
        entry = { leaf: labels[frame[stackId]!]!, onStack: [...onStack] };
        byStack.set(stackId, entry);
      }
      if (this.firstSampleUs === undefined || time[i]! < this.firstSampleUs) this.firstSampleUs = time[i]!;
      const second = this.secondAt(Math.floor(time[i]! / US_PER_SECOND));
      const w = weight[i]!;
      second.samples += w;
      second.threads.add(threadKey);
      if (entry.leaf === IDLE) {
        second.idle += w;
        continue;
      }
      second.self.set(entry.leaf, (second.self.get(entry.leaf) ?? 0) + w);
      for (const label of entry.onStack) second.total.set(label, (second.total.get(label) ?? 0) + w);
    }
  }

  /** The window ending at `nowUs` (V8's clock: the system's monotonic clock in µs), hottest first. */
  snapshot(nowUs: number, by: 'self' | 'total'): LiveSnapshot {
    const current = Math.floor(nowUs / US_PER_SECOND);
    const oldest = current - this.windowSeconds + 1;
    for (const key of this.seconds.keys()) if (key < oldest) this.seconds.delete(key);
    const self = new Map<string, number>();
    const total = new Map<string, number>();
    const threads = new Set<string>();
    let samples = 0;
    let idle = 0;
    for (const second of this.seconds.values()) {
      samples += second.samples;
      idle += second.idle;
      for (const thread of second.threads) threads.add(thread);
      for (const [label, w] of second.self) self.set(label, (self.get(label) ?? 0) + w);
      for (const [label, w] of second.total) total.set(label, (total.get(label) ?? 0) + w);
    }
    const rows = [...total].map(([label, t]) => ({ label, self: self.get(label) ?? 0, total: t }));
    rows.sort((a, b) => b[by] - a[by] || (by === 'self' ? b.total - a.total : b.self - a.self) || a.label.localeCompare(b.label));
    const covered = this.firstSampleUs === undefined ? 0 : Math.min(this.windowSeconds, (nowUs - this.firstSampleUs) / US_PER_SECOND);
    return { rows, samples, idle, threads: threads.size, seconds: Math.max(0, Math.round(covered * 10) / 10) };
  }

  private secondAt(key: number): Second {
    let second = this.seconds.get(key);
    if (!second) {
      second = { samples: 0, idle: 0, self: new Map(), total: new Map(), threads: new Set() };
      this.seconds.set(key, second);
    }
    return second;
  }
}
