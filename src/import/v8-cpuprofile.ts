import { ProfileBuilder, ROOT_STACK } from '../model/builder.js';
import type { Frame, Profile } from '../model/profile.js';
import { ProfileFormatError } from './format-error.js';
import type { ImportOptions } from './options.js';
import { expectArray, expectFinite, expectInteger, expectObject, isObject, MAX_POSITION, optionalString, type JsonObject } from './json-checks.js';
import { formatCount } from '../model/format-count.js';
import { parseThreadName } from '../model/thread-names.js';

/**
 * V8's `.cpuprofile`, as written by `node --cpu-prof`, Chrome DevTools, VS Code and the inspector's
 * `Profiler.stop` (whose `{ profile }` wrapper is accepted too). V8's lines and columns are 0-based; they
 * become 1-based here, once. `(root)` is dropped, `(idle)` samples are dropped unless `keepIdle`, and
 * `(garbage collector)` and `(program)` stay frames of their own.
 */

const IDLE = '(idle)';

export function looksLikeCpuprofile(json: unknown): boolean {
  const profile = unwrap(json);
  return isObject(profile) && Array.isArray(profile.nodes);
}

function unwrap(json: unknown): unknown {
  return isObject(json) && isObject(json.profile) && !('nodes' in json) ? json.profile : json;
}

export function importCpuprofile(json: unknown, options: ImportOptions = {}): Profile {
  const builder = new ProfileBuilder('samples');
  const keepIdle = options.keepIdle ?? false;
  const { sampleCount, idleSamples, durationUs, droppedPositions, truncatedSamples } = appendCpuprofile(builder, json, { keepIdle, threadRoots: true });
  if (droppedPositions > 0) options.onWarning?.(describeDroppedPositions(droppedPositions));
  if (truncatedSamples > 0) options.onWarning?.(describeTruncatedSamples(truncatedSamples, sampleCount));
  if (!keepIdle && sampleCount > 0 && idleSamples === sampleCount) {
    throw new ProfileFormatError(`all ${sampleCount} samples are idle; pass --idle to keep them`);
  }
  return builder.build({
    source: 'cpuprofile',
    ...(durationUs !== undefined ? { durationUs } : {}),
    ...(durationUs && sampleCount > 0 ? { intervalUs: durationUs / sampleCount } : {}),
  });
}

/** What the user is told once when positions were dropped. */
export function describeDroppedPositions(count: number): string {
  return (
    `${count} line or column number${count === 1 ? '' : 's'} out of range (as V8 writes for vm code with a negative column offset) left out; ` +
    `their samples are kept`
  );
}

/** What the user is told when V8 cut stacks short. */
export function describeTruncatedSamples(truncated: number, of: number): string {
  return (
    `${formatCount(truncated)} of ${formatCount(of)} samples have stacks deeper than V8 records (255 frames): their outer frames are missing, and ` +
    `they are shown under ${TRUNCATED_STACK}`
  );
}

export interface AppendOptions {
  keepIdle: boolean;
  /** The thread the samples belong to (an index from builder.addThread). */
  thread?: number;
  /**
   * Read the threads of a profile tsprof wrote: under `(root)`, two or more nodes named as tsprof names
   * threads (thread-names.ts) hold each thread's stacks. They become threads, not frames.
   */
  threadRoots?: boolean;
  /**
   * Subtracted from V8's timestamps (microseconds on the system's monotonic clock) to place the samples in
   * the profile's time; without it, times start at 0 at the profile's start.
   */
  timeOriginUs?: number;
  /** Skip samples taken at or before this V8 timestamp: already added from an overlapping chunk. */
  skipUntilUs?: number;
  /**
   * When the profile must have been taken, on V8's clock (a recording's chunks: from its start to now): a
   * profile stamped outside it is refused, as it cannot be one of the recording's.
   */
  timeWindowUs?: { from: number; to: number };
  /**
   * Frames of the profiler's own work (tsprof's agent cutting a chunk inside the program's thread): samples
   * with such a frame anywhere on their stack are left out and counted in `ownSamples`, so that neither the
   * frames nor their time show up in the program's functions.
   */
  isOwnFrame?: (callFrame: { functionName: string; url: string }) => boolean;
  /**
   * Frames that stand in for the program's own call and are left out of stacks, their samples kept: the
   * agent's Atomics.wait in a worker is the app's Atomics.wait (V8 shows no frame for the builtin).
   */
  isTransparentFrame?: (callFrame: { functionName: string; url: string }) => boolean;
}

export interface AppendResult {
  sampleCount: number;
  idleSamples: number;
  /** Samples left out as the profiler's own work (see AppendOptions.isOwnFrame). */
  ownSamples: number;
  /** Samples whose stack V8 cut short, put under `(truncated stack)`. */
  truncatedSamples: number;
  /** Line or column numbers out of range (V8 writes negative columns for vm code with a columnOffset): dropped. */
  droppedPositions: number;
  /** V8 timestamp of the last sample, when the profile has timestamps. */
  lastSampleUs?: number;
  startTime?: number;
  endTime?: number;
  durationUs?: number;
}

/**
 * Adds the samples of one V8 profile to `builder`: how single files are imported, and how `tsprof record`
 * joins the chunks its agents write into one profile.
 */
export function appendCpuprofile(builder: ProfileBuilder, json: unknown, options: AppendOptions): AppendResult {
  const profile = expectObject(unwrap(json), 'the profile');
  const rawNodes = expectArray(profile.nodes, '"nodes"');
  if (rawNodes.length === 0) throw new ProfileFormatError('"nodes" is empty: this profile has no call tree');

  const positions = { dropped: 0 };
  const nodes = rawNodes.map((raw, i) => readNode(raw, i, positions));
  const indexOfId = new Map<number, number>();
  nodes.forEach((node, i) => {
    if (indexOfId.has(node.id)) throw new ProfileFormatError(`node id ${node.id} appears twice`);
    indexOfId.set(node.id, i);
  });
  const parentOf = parentIndexes(nodes, indexOfId);
  const threadOfRoot = options.threadRoots ? readThreadRoots(nodes, parentOf, builder) : undefined;
  const { stackOf: stackOfNode, truncated, own: ownNode, threadOf } = assignStacks(nodes, parentOf, builder, options, threadOfRoot);
  const idleNode = nodes.map((node) => node.callFrame.functionName === IDLE);

  const checkTime = timeCheck(options.timeWindowUs);
  const startTime = typeof profile.startTime === 'number' && Number.isFinite(profile.startTime) ? checkTime(profile.startTime, '"startTime"') : undefined;
  const endTime = typeof profile.endTime === 'number' && Number.isFinite(profile.endTime) ? checkTime(profile.endTime, '"endTime"') : undefined;
  const thread = options.thread ?? 0;
  const result: AppendResult = { sampleCount: 0, idleSamples: 0, ownSamples: 0, truncatedSamples: 0, droppedPositions: positions.dropped };

  if (profile.samples !== undefined) {
    const samples = expectArray(profile.samples, '"samples"');
    const deltas = profile.timeDeltas === undefined ? undefined : expectArray(profile.timeDeltas, '"timeDeltas"');
    if (deltas && deltas.length !== samples.length) {
      throw new ProfileFormatError(`"timeDeltas" has ${deltas.length} entries but "samples" has ${samples.length}`);
    }
    // Times are relative to the profile's own start, or to the caller's origin on V8's clock.
    const origin = options.timeOriginUs !== undefined && startTime !== undefined ? options.timeOriginUs : (startTime ?? 0);
    let absolute = startTime ?? 0;
    const lineOf = lineDealer(nodes);
    samples.forEach((id, i) => {
      const index = indexOfId.get(expectFinite(id, `sample ${i}`));
      if (index === undefined) throw new ProfileFormatError(`sample ${i} refers to node ${String(id)}, which does not exist`);
      const delta = deltas ? expectFinite(deltas[i], `time delta ${i}`) : 0;
      absolute = checkTime(absolute + delta, `sample ${i}'s time`);
      const time = absolute - origin;
      const line = lineOf(index); // dealt to every sample, skipped or not, so the lines stay in step
      if (deltas && options.skipUntilUs !== undefined && absolute <= options.skipUntilUs) return;
      if (deltas) result.lastSampleUs = absolute;
      if (ownNode?.[index]) {
        result.ownSamples++;
        return;
      }
      result.sampleCount++;
      if (truncated?.has(index)) result.truncatedSamples++;
      if (idleNode[index]) {
        result.idleSamples++;
        if (!options.keepIdle) return;
      }
      const sampleThread = threadOf ? threadOf[index]! : thread;
      builder.addSample(stackOfNode[index]!, 1, { thread: sampleThread, ...(deltas ? { time } : {}), ...(line ? { line } : {}) });
    });
  } else {
    // Old profiles carry only per-node hit counts.
    nodes.forEach((node, index) => {
      if (node.hitCount === 0) return;
      if (ownNode?.[index]) {
        result.ownSamples += node.hitCount;
        return;
      }
      result.sampleCount += node.hitCount;
      if (truncated?.has(index)) result.truncatedSamples += node.hitCount;
      if (idleNode[index]) {
        result.idleSamples += node.hitCount;
        if (!options.keepIdle) return;
      }
      const sampleThread = threadOf ? threadOf[index]! : thread;
      let left = node.hitCount;
      for (const { line, ticks } of node.positionTicks ?? []) {
        const count = Math.min(ticks, left);
        if (count <= 0 || line === 0) continue;
        builder.addSample(stackOfNode[index]!, count, { thread: sampleThread, line });
        left -= count;
      }
      if (left > 0) builder.addSample(stackOfNode[index]!, left, { thread: sampleThread });
    });
  }
  if (startTime !== undefined) result.startTime = startTime;
  if (endTime !== undefined) result.endTime = endTime;
  if (startTime !== undefined && endTime !== undefined && endTime >= startTime) result.durationUs = endTime - startTime;
  return result;
}

/**
 * Checks a V8 timestamp (µs on the system's monotonic clock): within 2^53 (285 years) of zero, and within the
 * window when one is given.
 */
function timeCheck(window: { from: number; to: number } | undefined): (time: number, what: string) => number {
  return (time, what) => {
    if (Math.abs(time) > Number.MAX_SAFE_INTEGER) throw new ProfileFormatError(`${what} is beyond 2^53 µs`);
    if (window && (time < window.from || time > window.to)) throw new ProfileFormatError(`${what} falls outside the recording`);
    return time;
  };
}

interface V8Node {
  id: number;
  callFrame: { functionName: string; url: string; scriptId: string; lineNumber: number; columnNumber: number };
  hitCount: number;
  children: number[];
  parent?: number;
  /** V8's self samples of the node by the line (1-based) its function was executing. */
  positionTicks?: { line: number; ticks: number }[];
}

function readNode(raw: unknown, i: number, positions: { dropped: number }): V8Node {
  const what = `node ${i}`;
  // A position V8 itself can write out of range (vm.runInThisContext with a negative columnOffset, as
  // vitest's module runner uses, gives columns like -196) costs that field only, never the profile.
  const position = (value: unknown, name: string): number => {
    if (value === undefined) return -1;
    expectFinite(value, `${what} "${name}"`);
    if (Number.isInteger(value) && (value as number) >= -1 && (value as number) < MAX_POSITION) return value as number;
    positions.dropped++;
    return -1;
  };
  const node = expectObject(raw, what);
  const callFrame: JsonObject = expectObject(node.callFrame, `${what} "callFrame"`);
  const children = node.children === undefined ? [] : expectArray(node.children, `${what} "children"`);
  return {
    id: expectFinite(node.id, `${what} "id"`),
    callFrame: {
      functionName: optionalString(callFrame.functionName, `${what} "functionName"`) ?? '',
      url: optionalString(callFrame.url, `${what} "url"`) ?? '',
      scriptId: typeof callFrame.scriptId === 'string' || typeof callFrame.scriptId === 'number' ? String(callFrame.scriptId) : '0',
      lineNumber: position(callFrame.lineNumber, 'lineNumber'),
      columnNumber: position(callFrame.columnNumber, 'columnNumber'),
    },
    hitCount: node.hitCount === undefined ? 0 : expectInteger(node.hitCount, `${what} "hitCount"`, 0),
    children: children.map((c, j) => expectFinite(c, `${what} child ${j}`)),
    ...(node.parent !== undefined ? { parent: expectFinite(node.parent, `${what} "parent"`) } : {}),
    ...(node.positionTicks !== undefined ? { positionTicks: readPositionTicks(node.positionTicks, what, positions) } : {}),
  };
}

/** A node's `positionTicks`: lines out of range are dropped (counted with the other positions), their ticks kept. */
function readPositionTicks(raw: unknown, what: string, positions: { dropped: number }): { line: number; ticks: number }[] {
  return expectArray(raw, `${what} "positionTicks"`).map((entry, i) => {
    const tick = expectObject(entry, `${what} position tick ${i}`);
    const line = expectFinite(tick.line, `${what} position tick ${i} "line"`);
    const ticks = expectInteger(tick.ticks, `${what} position tick ${i} "ticks"`, 0);
    if (Number.isInteger(line) && line >= 1 && line < MAX_POSITION) return { line, ticks };
    positions.dropped++;
    return { line: 0, ticks };
  });
}

/**
 * Hands out each node's lines to its samples: V8 counts a node's self samples per line, not which sample ran
 * which line, so the node's samples take its lines interleaved in proportion, as many of each as V8 counted:
 * the j-th tick of a line with w ticks stands at (j + 0.5) / w, and the samples take the ticks in that order
 * (a k-way merge on a heap: O(log lines) a sample, whatever the lines and ticks a profile claims). Per line
 * and node the totals are V8's; the order within one node's samples is not known, and interleaving assumes no
 * bursts on one line that V8 did not show (dealing one line's samples in a block would invent them, and the
 * diff's test reads bursts).
 */
function lineDealer(nodes: V8Node[]): (index: number) => number {
  const heaps = new Array<TickHeap | null | undefined>(nodes.length);
  return (index) => {
    let heap = heaps[index];
    if (heap === undefined) heap = heaps[index] = tickHeap(nodes[index]!);
    return heap ? heap.next() : 0;
  };
}

interface TickHeap {
  /** The line of the next tick in order; 0 once every tick is dealt. */
  next(): number;
}

/** A node's lines on a min-heap by the position of each line's next tick; null for a node without lines. */
function tickHeap(node: V8Node): TickHeap | null {
  const ticks = (node.positionTicks ?? []).filter((tick) => tick.ticks > 0 && tick.line > 0);
  if (ticks.length === 0) return null;
  const line = Int32Array.from(ticks, (tick) => tick.line);
  const weight = Float64Array.from(ticks, (tick) => tick.ticks);
  const dealt = new Float64Array(ticks.length);
  const position = (k: number) => (dealt[k]! + 0.5) / weight[k]!;
  // The heap holds line indexes; ties go to the line listed first, as V8 lists them.
  const heap = Int32Array.from(ticks, (_, k) => k);
  let size = heap.length;
  const before = (a: number, b: number) => position(a) < position(b) || (position(a) === position(b) && a < b);
  const siftDown = (at: number) => {
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let first = at;
      if (left < size && before(heap[left]!, heap[first]!)) first = left;
      if (right < size && before(heap[right]!, heap[first]!)) first = right;
      if (first === at) return;
      [heap[at], heap[first]] = [heap[first]!, heap[at]!];
      at = first;
    }
  };
  for (let at = (size >> 1) - 1; at >= 0; at--) siftDown(at);
  return {
    next: () => {
      if (size === 0) return 0;
      const k = heap[0]!;
      dealt[k] = dealt[k]! + 1;
      if (dealt[k] >= weight[k]!) heap.copyWithin(0, --size, size + 1); // the last line takes the dealt one's place
      siftDown(0);
      return line[k]!;
    },
  };
}

/** Each node's parent index (-1 for roots), from `children` lists or `parent` fields, whichever is given. */
function parentIndexes(nodes: V8Node[], indexOfId: Map<number, number>): Int32Array {
  const parentOf = new Int32Array(nodes.length).fill(-1);
  const setParent = (child: number | undefined, parent: number, childId: number) => {
    if (child === undefined) throw new ProfileFormatError(`node ${nodes[parent]!.id} lists child ${childId}, which does not exist`);
    if (parentOf[child] !== -1 && parentOf[child] !== parent) throw new ProfileFormatError(`node ${childId} has two parents`);
    parentOf[child] = parent;
  };
  nodes.forEach((node, i) => {
    for (const childId of node.children) setParent(indexOfId.get(childId), i, childId);
  });
  nodes.forEach((node, i) => {
    if (node.parent === undefined) return;
    const parent = indexOfId.get(node.parent);
    if (parent === undefined) throw new ProfileFormatError(`node ${node.id} names parent ${node.parent}, which does not exist`);
    setParent(i, parent, node.id);
  });
  return parentOf;
}

/**
 * The stack id of every node, walking down from the roots; a node no root reaches is part of a cycle. Also
 * the nodes whose stacks V8 truncated, and (with isOwnFrame) those with an own frame on their path.
 */
function assignStacks(
  nodes: V8Node[],
  parentOf: Int32Array,
  builder: ProfileBuilder,
  { isOwnFrame, isTransparentFrame }: Pick<AppendOptions, 'isOwnFrame' | 'isTransparentFrame'>,
  threadOfRoot: Map<number, number> | undefined,
): { stackOf: Int32Array; truncated: Set<number> | undefined; own: Uint8Array | undefined; threadOf: Int32Array | undefined } {
  const childrenOf: number[][] = nodes.map(() => []);
  const roots: number[] = [];
  parentOf.forEach((parent, i) => (parent === -1 ? roots.push(i) : childrenOf[parent]!.push(i)));

  const stackOf = new Int32Array(nodes.length).fill(-2);
  const depth = new Uint32Array(nodes.length);
  const own = isOwnFrame ? new Uint8Array(nodes.length) : undefined;
  // Each node's thread, when the profile's threads are nodes under (root) (threadOfRoot); 0 above them.
  const threadOf = threadOfRoot ? new Int32Array(nodes.length) : undefined;
  const pending: number[] = [];
  for (const root of roots) {
    const frame = nodes[root]!.callFrame;
    // `(root)` is V8's bookkeeping node above everything; it is not a function.
    const isRoot = frame.functionName === '(root)';
    stackOf[root] = isRoot ? ROOT_STACK : builder.childStack(ROOT_STACK, builder.internFrame(toFrame(frame)));
    depth[root] = isRoot ? 0 : 1;
    if (own && isOwnFrame!(frame)) own[root] = 1;
    pending.push(root);
  }
  let visited = 0;
  while (pending.length > 0) {
    const index = pending.pop()!;
    visited++;
    for (const child of childrenOf[index]!) {
      const callFrame = nodes[child]!.callFrame;
      const threadRoot = threadOfRoot?.get(child);
      if (threadOf) threadOf[child] = threadRoot ?? threadOf[index]!;
      if (threadRoot !== undefined) {
        stackOf[child] = ROOT_STACK;
        depth[child] = 0;
      } else if (isTransparentFrame?.(callFrame)) {
        stackOf[child] = stackOf[index]!;
        depth[child] = depth[index]!;
        if (own) own[child] = own[index]!;
      } else {
        stackOf[child] = builder.childStack(stackOf[index]!, builder.internFrame(toFrame(callFrame)));
        depth[child] = depth[index]! + 1;
        if (own) own[child] = own[index] || isOwnFrame!(callFrame) ? 1 : 0;
      }
      pending.push(child);
    }
  }
  if (visited !== nodes.length) throw new ProfileFormatError('the node tree has a cycle');
  const deep: number[] = [];
  // Deeper than V8 can record: not V8's sampling (folded text converted by tsprof, say), nothing to mark.
  const fromV8 = depth.every((d) => d <= MAX_V8_DEPTH);
  if (fromV8) depth.forEach((d, i) => d >= TRUNCATED_DEPTH && deep.push(i));
  if (deep.length > 0) markTruncatedStacks(deep, nodes, parentOf, stackOf, builder);
  return { stackOf, truncated: deep.length > 0 ? new Set(deep) : undefined, own, threadOf };
}

/**
 * The thread nodes of a profile tsprof wrote with several threads: the children of `(root)` named as tsprof
 * names threads, each added to `builder` as a thread (by node index). Undefined for any other profile.
 */
function readThreadRoots(nodes: V8Node[], parentOf: Int32Array, builder: ProfileBuilder): Map<number, number> | undefined {
  const root = nodes.findIndex((node, i) => parentOf[i] === -1 && node.callFrame.functionName === '(root)');
  if (root === -1) return undefined;
  const named: [number, string, { pid: number; threadId: number }][] = [];
  nodes.forEach((node, i) => {
    if (parentOf[i] !== root || node.callFrame.url !== '') return;
    const parsed = parseThreadName(node.callFrame.functionName);
    if (parsed) named.push([i, node.callFrame.functionName, parsed]);
  });
  if (named.length < 2) return undefined;
  return new Map(named.map(([node, name, { pid, threadId }]) => [node, builder.addThread({ name, pid, threadId })]));
}

/**
 * V8 records at most 255 frames of a stack, the innermost ones: a deeper stack loses its outer frames and
 * starts at some frame in the middle, as if that were where the thread began. Such a stack is put under a
 * `(truncated stack)` root instead. A stack this many frames deep (inlined frames can add a few to V8's 255)
 * is taken as truncated.
 */
export const TRUNCATED_DEPTH = 250;
/** No stack V8 records is deeper than this: a profile with deeper ones was not sampled by V8. */
const MAX_V8_DEPTH = 300;
export const TRUNCATED_STACK = '(truncated stack)';

/** Gives each of the `deep` nodes its stack under the `(truncated stack)` root. */
function markTruncatedStacks(deep: number[], nodes: V8Node[], parentOf: Int32Array, stackOf: Int32Array, builder: ProfileBuilder): void {
  // The stack of each deep node, rebuilt under the marker frame, memoised along the path from the top.
  const marker = builder.childStack(ROOT_STACK, builder.internFrame({ name: TRUNCATED_STACK }));
  const marked = new Map<number, number>();
  const markedStackOf = (i: number): number => {
    const path: number[] = [];
    let n = i;
    while (n !== -1 && stackOf[n] !== ROOT_STACK && !marked.has(n)) {
      path.push(n);
      n = parentOf[n]!;
    }
    let stack = n !== -1 && marked.has(n) ? marked.get(n)! : marker;
    for (let k = path.length - 1; k >= 0; k--) {
      const node = path[k]!;
      const transparent = parentOf[node] !== -1 && stackOf[node] === stackOf[parentOf[node]!]; // left out above
      if (!transparent) stack = builder.childStack(stack, builder.internFrame(toFrame(nodes[node]!.callFrame)));
      marked.set(node, stack);
    }
    return stack;
  };
  for (const i of deep) stackOf[i] = markedStackOf(i);
}

/**
 * Code made by `eval` or `new Function` has no URL but a script of its own (V8's pseudo-frames and native
 * code have script 0). It is named `VM<scriptId>`, as Chrome DevTools names it, and keeps its line and
 * column, so that two such functions never merge into one `(anonymous)` row.
 */
export function evalScriptName(scriptId: string): string | undefined {
  return /^[1-9]\d*$/.test(scriptId) ? `VM${scriptId}` : undefined;
}

function toFrame(callFrame: V8Node['callFrame']): Frame {
  const frame: { name: string; file?: string; line?: number; col?: number } = { name: callFrame.functionName };
  const pseudo = /^\(.*\)$/.test(callFrame.functionName); // (program), (idle), (garbage collector), ...
  const file = callFrame.url !== '' ? callFrame.url : callFrame.lineNumber >= 0 && !pseudo ? evalScriptName(callFrame.scriptId) : undefined;
  if (file !== undefined) {
    frame.file = file;
    if (callFrame.lineNumber >= 0) frame.line = callFrame.lineNumber + 1;
    if (callFrame.columnNumber >= 0) frame.col = callFrame.columnNumber + 1;
  }
  return frame;
}
