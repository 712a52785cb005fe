import type { Frame, Profile } from '../model/profile.js';
import { totalWeight } from '../model/profile.js';

/**
 * Own time by the line that was executing (the profile's `line` column): which line of a function costs its
 * time. Only the innermost frame's line is known (V8 counts executing lines, not the lines of the calls to it),
 * so these are self weights.
 */

export interface LineStats {
  readonly frameId: number;
  /** The function the line is in. */
  readonly frame: Frame;
  readonly line: number;
  readonly self: number;
  /** Percent of all weight, 0..100. */
  readonly selfPercent: number;
}

/** Whether the profile says which line was executing for any of its samples. */
export function hasLines(profile: Profile): boolean {
  return profile.samples.line?.some((line) => line > 0) ?? false;
}

/** Own weight per (function, executing line), hottest first; ties by function name, then line. */
export function lineTable(profile: Profile, options: { top?: number } = {}): LineStats[] {
  const all = totalWeight(profile);
  const rows: LineStats[] = [];
  for (const [frameId, byLine] of linesByFunction(profile)) {
    const frame = profile.frames[frameId]!;
    for (const [line, self] of byLine) rows.push({ frameId, frame, line, self, selfPercent: all > 0 ? (100 * self) / all : 0 });
  }
  rows.sort((a, b) => b.self - a.self || a.frame.name.localeCompare(b.frame.name) || a.line - b.line);
  return options.top !== undefined ? rows.slice(0, options.top) : rows;
}

/** Every function's own weight by executing line, in one pass over the samples (functions with none are absent). */
export function linesByFunction(profile: Profile): Map<number, Map<number, number>> {
  const { stack, weight, line, length } = profile.samples;
  const byFunction = new Map<number, Map<number, number>>();
  if (!line) return byFunction;
  for (let i = 0; i < length; i++) {
    if (!line[i]) continue;
    const frameId = profile.stacks.frame[stack[i]!]!;
    let byLine = byFunction.get(frameId);
    if (!byLine) byFunction.set(frameId, (byLine = new Map<number, number>()));
    byLine.set(line[i]!, (byLine.get(line[i]!) ?? 0) + weight[i]!);
  }
  return byFunction;
}

/** One function's own weight by executing line, and what of it has no line. */
export function linesOfFunction(profile: Profile, frameId: number): { byLine: Map<number, number>; self: number; unknown: number } {
  const { stack, weight, line, length } = profile.samples;
  const byLine = new Map<number, number>();
  let self = 0;
  let unknown = 0;
  for (let i = 0; i < length; i++) {
    if (profile.stacks.frame[stack[i]!] !== frameId) continue;
    self += weight[i]!;
    const at = line?.[i] ?? 0;
    if (at) byLine.set(at, (byLine.get(at) ?? 0) + weight[i]!);
    else unknown += weight[i]!;
  }
  return { byLine, self, unknown };
}
