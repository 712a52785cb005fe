import { displayPath, frameName } from '../model/frame-display.js';
import type { Frame, Profile } from '../model/profile.js';
import { DEFAULT_HEAP_INTERVAL_BYTES } from '../model/sampling.js';

/**
 * Per-function sample counts of a profile, split into replicates: contiguous stretches of the recording (time
 * blocks) of each run. The diff's significance test reads how much a function's share varies from block to
 * block and from run to run, so that bursty code (a function that runs for 50 ms at a time) is not judged as
 * if every sample were an independent coin toss.
 */

/** One stretch of one run: how many samples it holds, and the own (self) and inclusive (total) count of each function. */
export interface Replicate {
  /** Which run (profile) of its side the block belongs to. */
  run: number;
  samples: number;
  self: Map<number, number>;
  total: Map<number, number>;
  /**
   * How many of a function's samples were followed, in the same thread, by another sample in it: how
   * bursty it is. Only for profiles with sample times (folded stacks have no order).
   */
  selfStays?: Map<number, number>;
  totalStays?: Map<number, number>;
}

/**
 * Which functions are "the same" across profiles: the name and the file (relative to cwd), not the line, so a
 * release that moves a function down its file still matches it. Anonymous functions also keep their line,
 * or every callback in a file would be one function.
 */
export class FunctionKeys {
  private readonly ids = new Map<string, number>();
  /** The frame each key was first seen with, for display. */
  readonly frames: Frame[] = [];

  constructor(private readonly cwd: string) {}

  idOf(frame: Frame): number {
    const key = functionKey(frame, this.cwd);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.ids.set(key, id);
      this.frames.push(frame);
    }
    return id;
  }

  /** A line of a function (diff --lines): the function's key and the executing line; shown as `file:line`. */
  idOfLine(frame: Frame, line: number): number {
    const key = `${functionKey(frame, this.cwd)}\u0000line ${line}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.ids.set(key, id);
      this.frames.push({ ...frame, line });
    }
    return id;
  }

  get size(): number {
    return this.frames.length;
  }
}

/** What makes two frames the same function in a diff (see FunctionKeys). */
export function functionKey(frame: Frame, cwd: string): string {
  const name = frameName(frame);
  const file = frame.file ? displayPath(frame.file, cwd) : '';
  return name === '(anonymous)' ? `${name}\u0000${file}\u0000${frame.line ?? ''}` : `${name}\u0000${file}`;
}

/** Time blocks hold at least this many samples, so that a block's share of a function means something. */
const MIN_BLOCK_SAMPLES = 200;
/** At most this many blocks per run: enough degrees of freedom for the spread, blocks long enough to be independent. */
const MAX_BLOCKS = 20;

/**
 * Weights as sample counts. Counting profiles already are; a time-weighted profile (speedscope in time units)
 * is divided by its sampling interval, else by its typical sample weight; bytes by the allocation sampling
 * interval. The test needs counts: its variance
 * is that of a number of samples, not of microseconds.
 */
export function samplesPerWeight(profile: Profile): number {
  if (profile.unit === 'samples') return 1;
  // A memory profile's bytes: each sampled allocation stands for about one sampling interval of them.
  if (profile.unit === 'bytes') return 1 / (profile.meta.heapIntervalBytes ?? DEFAULT_HEAP_INTERVAL_BYTES);
  if (profile.meta.intervalUs) return 1 / profile.meta.intervalUs;
  const weights = [...profile.samples.weight].filter((w) => w > 0).sort((a, b) => a - b);
  const median = weights[Math.floor(weights.length / 2)];
  return median ? 1 / median : 1;
}

/** The replicates of one run: its samples in time order, cut into blocks of equal weight (one block without timestamps). */
export function countReplicates(profile: Profile, keys: FunctionKeys, run: number, options: { lines?: boolean } = {}): Replicate[] {
  const scale = samplesPerWeight(profile);
  const { stack, weight, time, thread, length } = profile.samples;
  // diff --lines: a sample's own time goes to the line it was executing, where the profile says.
  const executing = options.lines ? profile.samples.line : undefined;
  const order = Array.from({ length }, (_, i) => i);
  if (time) order.sort((a, b) => time[a]! - time[b]!);

  let all = 0;
  for (let i = 0; i < length; i++) all += weight[i]! * scale;
  const blockCount = time ? Math.max(1, Math.min(MAX_BLOCKS, Math.floor(all / MIN_BLOCK_SAMPLES))) : 1;

  const keysOfStack = stackKeys(profile, keys);
  const previousInThread = new Map<number, { keys: StackKeys; self: number }>();
  const replicates: Replicate[] = [];
  let current: Replicate | undefined;
  let done = 0;
  for (const i of order) {
    const block = Math.min(blockCount - 1, Math.floor((done / all) * blockCount));
    if (replicates.length <= block) {
      current = { run, samples: 0, self: new Map(), total: new Map(), ...(time ? { selfStays: new Map(), totalStays: new Map() } : {}) };
      replicates.push(current);
    }
    const w = weight[i]! * scale;
    done += w;
    if (w === 0) continue;
    const frame = profile.frames[profile.stacks.frame[stack[i]!]!]!;
    // V8 on Node 22 and 24 leaves some samples of JavaScript without a line, more in one run than another:
    // lines are compared as shares of the time on a known line.
    if (executing && !executing[i] && frame.line !== undefined) continue;
    const keysHere = keysOfStack(stack[i]!);
    const self = executing?.[i] ? keys.idOfLine(frame, executing[i]) : keysHere.self;
    const r = current!;
    r.samples += w;
    add(r.self, self, w);
    for (const key of keysHere.distinct) add(r.total, key, w);
    if (time) {
      // Count the previous sample of this thread as "stayed" in each function (or line) this one is in too.
      const previous = previousInThread.get(thread[i]!);
      if (previous) {
        if (previous.self === self) add(r.selfStays!, self, 1);
        for (const key of previous.keys.distinct) if (keysHere.set.has(key)) add(r.totalStays!, key, 1);
      }
      previousInThread.set(thread[i]!, { keys: keysHere, self });
    }
  }
  return replicates.filter((r) => r.samples > 0);
}

interface StackKeys {
  /** The key of the innermost frame. */
  self: number;
  /** The distinct keys on the stack (a recursive function counts once). */
  distinct: number[];
  set: Set<number>;
}

/** The keys of each stack, memoised. */
function stackKeys(profile: Profile, keys: FunctionKeys): (stackId: number) => StackKeys {
  const frameKey = profile.frames.map((frame) => keys.idOf(frame));
  const { prefix, frame } = profile.stacks;
  const memo = new Map<number, StackKeys>();
  return (stackId) => {
    let entry = memo.get(stackId);
    if (!entry) {
      const set = new Set<number>();
      for (let s = stackId; s !== -1; s = prefix[s]!) set.add(frameKey[frame[s]!]!);
      entry = { self: frameKey[frame[stackId]!]!, distinct: [...set], set };
      memo.set(stackId, entry);
    }
    return entry;
  };
}

function add(map: Map<number, number>, key: number, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}
