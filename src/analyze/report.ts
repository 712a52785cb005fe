import { weightByThreadStack } from '../model/call-tree.js';
import type { Frame, Profile } from '../model/profile.js';
import { totalWeight } from '../model/profile.js';

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
  const { prefix, frame } = profile.stacks;
  const seen = new Set<number>();

  for (const byStack of weightByThreadStack(profile).values()) {
    for (const [stackId, w] of byStack) {
      self[frame[stackId]!]! += w;
      seen.clear();
      for (let s = stackId; s !== -1; s = prefix[s]!) seen.add(frame[s]!);
      for (const id of seen) total[id]! += w;
    }
  }

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
