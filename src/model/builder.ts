import type { Frame, Profile, ProfileMeta, ThreadInfo, WeightUnit } from './profile.js';
import { formatCount } from './format-count.js';

/** The stack id meaning "no frames yet": the parent of every root-level frame. */
export const ROOT_STACK = -1;

/**
 * The deepest stack a profile may hold. Real stacks stay far below (V8 records 255 frames, perf a few
 * thousand); a file that asks for more is refused rather than allowed to take all memory.
 */
export const MAX_STACK_DEPTH = 100_000;

/** A profile beyond what tsprof holds (MAX_STACK_DEPTH); importers report it as the file's fault. */
export class ProfileLimitError extends Error {}

/**
 * Collects frames, stacks and samples, interning frames by value and stacks by call path, and then
 * `build()`s a frozen Profile. The builder cannot be used again after `build()`.
 */
export class ProfileBuilder {
  private readonly frames: Frame[] = [];
  private totalWeight = 0;
  private readonly frameIds = new Map<string, number>();
  private readonly stackPrefix: number[] = [];
  private readonly stackDepth: number[] = [];
  private readonly stackFrame: number[] = [];
  /** For each stack, its child stacks by frame id: how call paths are interned. */
  private readonly stackChildren = new Map<number, Map<number, number>>();
  private readonly sampleStack: number[] = [];
  private readonly sampleWeight: number[] = [];
  private readonly sampleTime: number[] = [];
  private readonly sampleThread: number[] = [];
  /** Objects per sample, by sample index, for the samples given a count (memory profiles). */
  private readonly sampleObjects: number[] = [];
  /** The executing line per sample (0: not known); kept in the profile once any sample has one. */
  private readonly sampleLine: number[] = [];
  private hasLines = false;
  private readonly threads: ThreadInfo[] = [];
  private timed: boolean | undefined;
  private built = false;

  constructor(private readonly unit: WeightUnit) {}

  /** The id of `frame`, adding it when it is new. Frames are equal when all four fields are. */
  internFrame(frame: Frame): number {
    const key = `${frame.name}\0${frame.file ?? ''}\0${frame.line ?? ''}\0${frame.col ?? ''}`;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.length;
      const clean: Frame = { name: frame.name };
      if (frame.file !== undefined) Object.assign(clean, { file: frame.file });
      if (frame.line !== undefined) Object.assign(clean, { line: frame.line });
      if (frame.col !== undefined) Object.assign(clean, { col: frame.col });
      this.frames.push(Object.freeze(clean));
      this.frameIds.set(key, id);
    }
    return id;
  }

  /** The stack made of `prefixStack` (or ROOT_STACK) calling `frameId`. */
  childStack(prefixStack: number, frameId: number): number {
    let children = this.stackChildren.get(prefixStack);
    if (!children) {
      children = new Map();
      this.stackChildren.set(prefixStack, children);
    }
    let id = children.get(frameId);
    if (id === undefined) {
      const depth = prefixStack === ROOT_STACK ? 1 : this.stackDepth[prefixStack]! + 1;
      if (depth > MAX_STACK_DEPTH) throw new ProfileLimitError(`a stack is deeper than ${formatCount(MAX_STACK_DEPTH)} frames`);
      id = this.stackPrefix.length;
      this.stackPrefix.push(prefixStack);
      this.stackDepth.push(depth);
      this.stackFrame.push(frameId);
      children.set(frameId, id);
    }
    return id;
  }

  /** The stack of the frame ids `frameIds`, root first; ROOT_STACK for an empty list. */
  stackOf(frameIds: readonly number[]): number {
    let stack = ROOT_STACK;
    for (const id of frameIds) stack = this.childStack(stack, id);
    return stack;
  }

  addThread(info: ThreadInfo): number {
    this.threads.push(Object.freeze({ ...info }));
    return this.threads.length - 1;
  }

  /**
   * Appends one sample. Either every sample has a time or none has. A sample on ROOT_STACK (no frames) is
   * ignored: there is nothing to attribute it to.
   */
  addSample(stack: number, weight: number, options: { time?: number; thread?: number; objects?: number; line?: number } = {}): void {
    if (this.built) throw new Error('ProfileBuilder used after build()');
    if (stack === ROOT_STACK) return;
    // Totals stay exact (and finite: 1e308 twice is Infinity, written nowhere and shown as NaN%).
    this.totalWeight += weight;
    if (!(weight >= 0) || !(this.totalWeight <= Number.MAX_SAFE_INTEGER)) throw new ProfileLimitError("the samples' weights add up to more than 2^53");
    const timed = options.time !== undefined;
    if (this.timed === undefined) this.timed = timed;
    else if (this.timed !== timed) throw new Error('ProfileBuilder: samples must all have times or none');
    this.sampleStack.push(stack);
    this.sampleWeight.push(weight);
    if (timed) this.sampleTime.push(options.time!);
    this.sampleThread.push(options.thread ?? 0);
    if (options.objects !== undefined) this.sampleObjects[this.sampleStack.length - 1] = options.objects;
    this.sampleLine.push(options.line ?? 0);
    if (options.line) this.hasLines = true;
  }

  get sampleCount(): number {
    return this.sampleStack.length;
  }

  build(meta: ProfileMeta = {}): Profile {
    if (this.built) throw new Error('ProfileBuilder.build() called twice');
    this.built = true;
    const threads = this.threads.length > 0 ? this.threads : [Object.freeze({ name: 'main' })];
    const samples = {
      stack: Uint32Array.from(this.sampleStack),
      weight: Float64Array.from(this.sampleWeight),
      thread: Uint32Array.from(this.sampleThread),
      length: this.sampleStack.length,
      ...(this.timed ? { time: Float64Array.from(this.sampleTime) } : {}),
      // Samples given no object count have none (0), once any sample has one.
      ...(this.sampleObjects.length > 0 ? { objects: Float64Array.from({ length: this.sampleStack.length }, (_, i) => this.sampleObjects[i] ?? 0) } : {}),
      ...(this.hasLines ? { line: Uint32Array.from(this.sampleLine) } : {}),
    };
    return Object.freeze({
      frames: Object.freeze(this.frames),
      stacks: Object.freeze({
        prefix: Int32Array.from(this.stackPrefix),
        frame: Uint32Array.from(this.stackFrame),
        length: this.stackPrefix.length,
      }),
      samples: Object.freeze(samples),
      unit: this.unit,
      threads: Object.freeze(threads),
      meta: Object.freeze({ ...meta }),
    });
  }
}
