import type { FrameKind } from '../model/frame-display.js';
import type { WeightUnit } from '../model/profile.js';

/**
 * What the HTML writer hands to the page's script, as JSON. The call tree is flat (parallel arrays, parent
 * before child) so that neither JSON.stringify nor the page recurses over stacks thousands of frames deep.
 */
export interface PageData {
  title: string;
  /** Short facts for the title line: date, duration, samples, rate. */
  details: string[];
  unit: WeightUnit;
  /** Distinct strings referenced by `name` and `location`. */
  strings: string[];
  parent: number[];
  name: number[];
  /** -1 when the frame has no file. */
  location: number[];
  /** Inclusive weight of the node. */
  value: number[];
  kind: PageFrameKind[];
  pruned: { nodes: number; weight: number; minShare: number };
  /** Present on a differential page (`tsprof diff -f html`): `value` is then the after profile's weight. */
  diff?: PageDiff;
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
