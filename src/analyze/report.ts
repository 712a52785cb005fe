import type { Frame, Profile } from '../model/profile.js';
import { totalWeight } from '../model/profile.js';
import { outermostCalls } from '../model/stack-tree.js';

/** One function's share of the profile. A recursive function's total counts each sample once. */
export interface FunctionStats {
  readonly frameId: number;
  readonly frame: Frame;
  readonly self: number;
  readonly total: number;
  /** Percent of all weight, 0..100. */
  readonly selfPercent: number;
  readonly totalPercent: number;
}

export interface FunctionTableOptions {
  /** Order by own weight (`self`, the default) or inclusive weight (`total`). */
  by?: 'self' | 'total';
  /** Keep the first N rows; all rows when absent. */
  top?: number;
}

/** Per-function self and total weight, hottest first. Ties are broken by name, so output is stable. */
export function functionTable(profile: Profile, options: FunctionTableOptions = {}): FunctionStats[] {
  const by = options.by ?? 'self';
  const self = new Float64Array(profile.frames.length);
  const total = new Float64Array(profile.frames.length);
  const { prefix, frame, length } = profile.stacks;

  // Linear in the stack table, however deep the stacks (walking every sample's stack was quadratic in depth):
  // each stack's own weight, then the weight of its whole subtree (a prefix is always created before the
  // stacks that extend it, so a backward pass adds every child to its parent before the parent is read).
  const subtree = new Float64Array(length);
  for (let i = 0; i < profile.samples.length; i++) subtree[profile.samples.stack[i]!]! += profile.samples.weight[i]!;
  for (let s = 0; s < length; s++) self[frame[s]!]! += subtree[s]!;
  for (let s = length - 1; s >= 0; s--) if (prefix[s] !== -1) subtree[prefix[s]!]! += subtree[s]!;
  // A function's total is the subtree weight of its outermost calls: those with no call of it above them
  // (a recursive function counts each sample once).
  const outermost = outermostCalls(prefix, frame, profile.frames.length);
  for (let s = 0; s < length; s++) if (outermost[s]) total[frame[s]!]! += subtree[s]!;

  const all = totalWeight(profile);
  const percent = (value: number) => (all > 0 ? (100 * value) / all : 0);
  const rows: FunctionStats[] = [];
  profile.frames.forEach((f, id) => {
    if (total[id]! > 0) {
      rows.push({ frameId: id, frame: f, self: self[id]!, total: total[id]!, selfPercent: percent(self[id]!), totalPercent: percent(total[id]!) });
    }
  });
  rows.sort((a, b) => b[by] - a[by] || (by === 'self' ? b.total - a.total : b.self - a.self) || a.frame.name.localeCompare(b.frame.name));
  return options.top !== undefined ? rows.slice(0, options.top) : rows;
}
