/**
 * The one in-memory profile every importer produces and every writer reads.
 *
 * Stacks are stored as a prefix tree (a "stack table", as in the Firefox profiler): stack `s` is
 * `frame[s]` called from stack `prefix[s]` (-1 for a root-level frame). Each distinct call path is stored
 * once, so a million samples of a hundred thousand distinct stacks cost a few typed arrays, and the tree is
 * already the call tree that the cpuprofile, speedscope and HTML writers need. `stackFrameIds()` gives a
 * sample's stack as the plain list of frame ids, root first.
 */

/** A function (or pseudo-function such as `(garbage collector)`), with 1-based line and column. */
export interface Frame {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

/**
 * What a sample's weight counts. `samples`: each weight is a number of samples (usually 1).
 * `microseconds`: each weight is time (speedscope files in time units, normalised on import).
 * `bytes`: memory profiles from speedscope; kept so they are never mistaken for CPU time.
 */
export type WeightUnit = 'samples' | 'microseconds' | 'bytes';

/** One profiled thread of execution: a process's main thread or a worker thread. */
export interface ThreadInfo {
  readonly name: string;
  readonly pid?: number;
  readonly threadId?: number;
}

export interface ProfileMeta {
  /** Sampling interval in microseconds, when the source states or implies it. */
  readonly intervalUs?: number;
  /** Wall-clock start, milliseconds since the epoch, when known. */
  readonly startTime?: number;
  /** Length of the recording in microseconds, when known. */
  readonly durationUs?: number;
  /** The profiled command line, when known. */
  readonly command?: string;
  readonly pid?: number;
  /** Which format (and tool) the profile came from, e.g. `cpuprofile`. */
  readonly source?: string;
  /** A memory profile's bytes: allocated over the profile's time, or in use when it was taken (when known). */
  readonly heap?: 'allocated' | 'inuse';
  /** A memory profile's sampling interval: allocations were sampled on average once per this many bytes. */
  readonly heapIntervalBytes?: number;
}

export interface StackTable {
  /** Index of the calling stack, or -1 when the frame is at the root. */
  readonly prefix: Int32Array;
  readonly frame: Uint32Array;
  readonly length: number;
}

export interface SampleTable {
  readonly stack: Uint32Array;
  readonly weight: Float64Array;
  /** Microseconds since the start of the profile; absent when the source has no timestamps. */
  readonly time?: Float64Array;
  /** Index into `Profile.threads` for each sample. */
  readonly thread: Uint32Array;
  /**
   * A memory profile's second column, when the source has it: how many objects each sample's bytes stand for
   * (sampling's estimate, as Go's alloc_objects and inuse_objects).
   */
  readonly objects?: Float64Array;
  /**
   * The line (1-based) the sample's innermost frame was executing, in that frame's file, when the source says
   * (V8's positionTicks, pprof's location lines); 0 where it does not. Frames stay functions, named by their
   * start line: this column is what splits a function's own time by line.
   */
  readonly line?: Uint32Array;
  readonly length: number;
}

export interface Profile {
  readonly frames: readonly Frame[];
  readonly stacks: StackTable;
  readonly samples: SampleTable;
  readonly unit: WeightUnit;
  /** At least one entry. */
  readonly threads: readonly ThreadInfo[];
  readonly meta: ProfileMeta;
}

/** The frame ids of stack `stackId`, root first. */
export function stackFrameIds(profile: Profile, stackId: number): number[] {
  const ids: number[] = [];
  const { prefix, frame } = profile.stacks;
  for (let s = stackId; s !== -1; s = prefix[s]!) ids.push(frame[s]!);
  return ids.reverse();
}

/** The sum of all sample weights. */
export function totalWeight(profile: Profile): number {
  let total = 0;
  for (const w of profile.samples.weight) total += w;
  return total;
}
