import type { FrameKind } from '../model/frame-display.js';
import type { WeightUnit } from '../model/profile.js';

/**
 * What the HTML writer hands to the page's script, as JSON. A profile page carries the whole profile (every
 * stack and every sample, so that its function table, search shares, thread choice and time ranges are exact);
 * only what the graph draws is pruned, by the page. A differential page carries its merged call tree, pruned.
 * Trees and stacks are flat (parallel arrays, parent before child) so that neither JSON.stringify nor the
 * page recurses over stacks thousands of frames deep.
 */
export interface PageData {
  title: string;
  /** Short facts for the title line: date, duration, samples, rate, threads. */
  details: string[];
  unit: WeightUnit;
  /** Distinct strings referenced by names and locations. */
  strings: string[];
  /** Frames narrower than this share of what is shown are merged into their caller in the graph. */
  minShare: number;
  profile?: PageProfile;
  tree?: PageTree;
  /** Source of the hottest functions of the program's own files, with each line's own weight (page-sources.ts). */
  sources?: PageSource[];
}

/** A function's source lines, from line `first`, and the own weight of each over the whole profile. */
export interface PageSource {
  /** The function: an index into PageProfile's functions. */
  fn: number;
  first: number;
  text: string[];
  self: number[];
}

/**
 * The profile for the page. Stacks are the call tree without its root: with several threads each thread is a
 * root-level stack of its own pseudo-function, so a stack belongs to one thread. Integer columns are coded
 * by page-encoding.ts (varints in base64).
 */
export interface PageProfile {
  /** Per function: the profile's frames in order (so ids match `tsprof report`'s), then one per thread root. */
  functions: { name: number[]; location: number[]; kind: PageFrameKind[] };
  /** `prefix`: how many stacks back the caller's stack is, 0 for a root-level stack; `function`: its function. */
  stacks: { count: number; prefix: string; function: string };
  /** `weight` is null when every sample weighs 1, plain numbers when some weight is not an integer. `time`:
   * microseconds since the start, as zigzag deltas; null when the source has no timestamps. */
  samples: { count: number; stack: string; weight: string | number[] | null; time: string | null };
  /** `root`: the thread's root-level stack, -1 when the profile has one thread (its stacks are the roots). */
  threads: { name: string; pid: number | null; root: number }[];
}

/** A pruned call tree: the differential page's merged tree. */
export interface PageTree {
  parent: number[];
  name: number[];
  /** -1 when the frame has no file. */
  location: number[];
  /** Inclusive weight of the node. */
  value: number[];
  kind: PageFrameKind[];
  pruned: { nodes: number; weight: number };
  diff: PageDiff;
}

/** Per node, parallel to `value`: the before profile, scaled to the after profile's total, and own weights. */
export interface PageDiff {
  before: number[];
  selfBefore: number[];
  selfAfter: number[];
  /** Per node, an index into `verdicts`: the significance test's word on the node's function; -1 for none. */
  verdict: number[];
  verdicts: PageVerdict[];
  /** The family-wise error rate the verdicts keep (0.05). */
  alpha: number;
}

/** The diff's verdict on a function's own time: `untested` when it has too few samples to be tested. */
export interface PageVerdict {
  verdict: 'regressed' | 'improved' | 'noise' | 'untested';
  /** Holm-corrected p-value. */
  p: number | null;
  /** Relative change of the share, percent; null for a function new in the after profile. */
  relative: number | null;
}

export type PageFrameKind = FrameKind | 'root';
