/**
 * What the page shows, computed from every sample of what is selected (threads, a time range): each stack's
 * own and inclusive weight, each function's self and total, search shares, a function's callers and callees,
 * and the tree the graph draws (only there are narrow frames merged into their callers). Linear in samples
 * and stacks, whatever the depth, so a click on a million-sample page answers at once.
 */
import type { PageFrameKind } from '../export/page-data.js';
import type { DecodedProfile } from './decode.js';

export interface PageSelection {
  /** Which threads count (by index); null for all. */
  threads: Uint8Array | null;
  /** Microseconds since the start, [start, end); null for the whole recording. */
  range: [number, number] | null;
}

export interface Aggregate {
  /** Own weight of each stack. */
  own: Float64Array;
  /** Weight of each stack and everything it calls. */
  subtree: Float64Array;
  total: number;
}

export function aggregate(p: DecodedProfile, selection: PageSelection): Aggregate {
  const own = new Float64Array(p.stackCount);
  const { threads, range } = selection;
  const time = p.sampleTime;
  let total = 0;
  for (let i = 0; i < p.sampleCount; i++) {
    const stack = p.sampleStack[i]!;
    if (threads && !threads[p.stackThread[stack]!]) continue;
    if (range && time && (time[i]! < range[0] || time[i]! >= range[1])) continue;
    const w = p.sampleWeight ? p.sampleWeight[i]! : 1;
    own[stack]! += w;
    total += w;
  }
  const subtree = own.slice();
  for (let s = p.stackCount - 1; s >= 0; s--) if (p.prefix[s] !== -1) subtree[p.prefix[s]!]! += subtree[s]!;
  return { own, subtree, total };
}

export interface FunctionTotals {
  self: Float64Array;
  /** Each sample once, however often the function recurses on its stack. */
  total: Float64Array;
}

export function functionTotals(p: DecodedProfile, agg: Aggregate): FunctionTotals {
  const self = new Float64Array(p.functionName.length);
  const total = new Float64Array(p.functionName.length);
  for (let s = 0; s < p.stackCount; s++) {
    if (agg.subtree[s] === 0) continue;
    const fn = p.stackFunction[s]!;
    self[fn]! += agg.own[s]!;
    if (p.outermost[s]) total[fn]! += agg.subtree[s]!;
  }
  return { self, total };
}

/** The functions whose name or location contains `term`, in any case (literal text, never a pattern). */
export function searchMatches(p: DecodedProfile, term: string): Uint8Array {
  const needle = term.toLowerCase();
  return Uint8Array.from(p.functionName, (name, fn) =>
    // Threads are not functions: a thread's name matching would count all of its time.
    p.functionKind[fn] !== 'thread' && (name.toLowerCase().includes(needle) || p.functionLocation[fn]!.toLowerCase().includes(needle)) ? 1 : 0,
  );
}

/** The weight of the samples with a matching function anywhere on their stack. */
export function matchingWeight(p: DecodedProfile, agg: Aggregate, matches: Uint8Array): number {
  const inside = new Uint8Array(p.stackCount);
  let weight = 0;
  for (let s = 0; s < p.stackCount; s++) {
    inside[s] = matches[p.stackFunction[s]!] || (p.prefix[s] !== -1 && inside[p.prefix[s]!]) ? 1 : 0;
    if (inside[s]) weight += agg.own[s]!;
  }
  return weight;
}

/** Who calls a function and what it calls, merged over every place it is called (speedscope's sandwich). */
export interface Neighbours {
  /** Weight by calling function; -1 stands for "no caller" (the function is a root). */
  callers: Map<number, number>;
  /** Weight by called function (the function itself when it recurses). */
  callees: Map<number, number>;
  self: number;
  total: number;
}

export function neighbours(p: DecodedProfile, agg: Aggregate, fn: number): Neighbours {
  const callers = new Map<number, number>();
  const callees = new Map<number, number>();
  let self = 0;
  let total = 0;
  for (let s = 0; s < p.stackCount; s++) {
    if (p.stackFunction[s] !== fn || agg.subtree[s] === 0) continue;
    self += agg.own[s]!;
    // Only its outermost calls: an inner recursive call is already inside one of them.
    if (!p.outermost[s]) continue;
    total += agg.subtree[s]!;
    const caller = p.prefix[s] === -1 ? -1 : p.stackFunction[p.prefix[s]!]!;
    callers.set(caller, (callers.get(caller) ?? 0) + agg.subtree[s]!);
    for (let i = p.childStart[s]!; i < p.childStart[s + 1]!; i++) {
      const child = p.childList[i]!;
      if (agg.subtree[child] === 0) continue;
      const callee = p.stackFunction[child]!;
      callees.set(callee, (callees.get(callee) ?? 0) + agg.subtree[child]!);
    }
  }
  return { callers, callees, self, total };
}

/** A node of the tree d3-flame-graph draws. */
export interface GraphNode {
  name: string;
  value: number;
  kind: PageFrameKind;
  location: string;
  /** The function, -1 for the root. */
  fn: number;
  /** The stack, -1 for the root: stable across reloads of the page, so the URL can name a zoomed frame. */
  stack: number;
  children: GraphNode[];
}

export interface GraphTree {
  root: GraphNode;
  /** Stacks with weight that are merged into their callers, and their weight. */
  pruned: { nodes: number; weight: number };
}

/**
 * The graph's tree: stacks at least `minShare` of the shown total wide, the narrower ones left in their
 * caller. Under a zoomed frame (`focus`, a stack) the share is of that frame's width instead, so zooming in
 * shows the detail the whole view leaves out.
 */
export function graphTree(p: DecodedProfile, agg: Aggregate, minShare: number, focus: number | null = null): GraphTree {
  const root: GraphNode = { name: 'all', value: agg.total, kind: 'root', location: '', fn: -1, stack: -1, children: [] };
  const focused = focus !== null && focus < p.stackCount && agg.subtree[focus]! > 0;
  // The path down to the focus is drawn however narrow it is.
  const onPath = new Set<number>();
  if (focused) for (let s = focus; s !== -1; s = p.prefix[s]!) onPath.add(s);
  const minValue = agg.total * minShare;
  const focusMinValue = focused ? agg.subtree[focus]! * minShare : minValue;
  let drawn = 0;
  let prunedWeight = 0;
  const pending: [number, GraphNode, boolean][] = [[p.stackCount, root, false]];
  while (pending.length > 0) {
    const [s, node, inFocus] = pending.pop()!;
    for (let i = p.childStart[s]!; i < p.childStart[s + 1]!; i++) {
      const child = p.childList[i]!;
      const value = agg.subtree[child]!;
      if (value === 0) continue;
      const childInFocus = inFocus || child === focus;
      if (value < (childInFocus ? focusMinValue : minValue) && !onPath.has(child)) {
        prunedWeight += value;
        continue;
      }
      const fn = p.stackFunction[child]!;
      const childNode: GraphNode = {
        name: p.functionName[fn]!,
        value,
        kind: p.functionKind[fn]!,
        location: p.functionLocation[fn]!,
        fn,
        stack: child,
        children: [],
      };
      node.children.push(childNode);
      drawn++;
      pending.push([child, childNode, childInFocus]);
    }
  }
  let weighed = 0;
  for (let s = 0; s < p.stackCount; s++) if (agg.subtree[s]! > 0) weighed++;
  return { root, pruned: { nodes: weighed - drawn, weight: prunedWeight } };
}

/** Weight per time bucket for each thread (idle left out), and the garbage collector's part of it. */
export interface TimeTrack {
  start: number;
  end: number;
  busy: Float64Array[];
  gc: Float64Array[];
}

/** Buckets over the whole recording (a range selection does not change the track it was dragged on). */
export function timeTrack(p: DecodedProfile, buckets: number): TimeTrack | undefined {
  const time = p.sampleTime;
  if (!time || p.sampleCount === 0) return undefined;
  let start = Infinity;
  let end = -Infinity;
  for (const t of time) {
    if (t < start) start = t;
    if (t > end) end = t;
  }
  end = Math.max(end + 1, start + 1);
  const busy = p.threads.map(() => new Float64Array(buckets));
  const gc = p.threads.map(() => new Float64Array(buckets));
  const scale = buckets / (end - start);
  for (let i = 0; i < p.sampleCount; i++) {
    const stack = p.sampleStack[i]!;
    const thread = p.stackThread[stack]!;
    const bucket = Math.min(buckets - 1, Math.floor((time[i]! - start) * scale));
    const w = p.sampleWeight ? p.sampleWeight[i]! : 1;
    const fn = p.stackFunction[stack]!;
    if (p.isIdle[fn]) continue;
    busy[thread]![bucket]! += w;
    if (p.isGc[fn]) gc[thread]![bucket]! += w;
  }
  return { start, end, busy, gc };
}
