import type { Profile } from '../model/profile.js';
import { sampleDurationsUs } from '../model/sample-durations.js';
import { stackValues } from '../model/stack-walk.js';

/**
 * V8's `.cpuprofile`, for Chrome DevTools, VS Code and speedscope. Lines and columns go back to 0-based.
 * Each (thread, stack) pair is one node; several threads each get a root node named after the thread under
 * `(root)` (thread-names.ts), which tsprof reads back as threads. A profile without timestamps, or with time weights, is laid out as evenly spaced samples.
 */

interface CpuprofileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  hitCount: number;
  children: number[];
  /** Self samples by executing line (1-based, as V8 writes them), where the profile has lines. */
  positionTicks?: { line: number; ticks: number }[];
}

/** Counts one of `node`'s self samples on `line` (0: not known), as V8's positionTicks do. */
function tickLine(node: CpuprofileNode, line: number, count = 1): void {
  if (!line || count <= 0) return;
  const ticks = (node.positionTicks ??= []);
  const entry = ticks.find((tick) => tick.line === line);
  if (entry) entry.ticks += count;
  else ticks.push({ line, ticks: count });
}

/** Beyond this many samples, time-weighted profiles are laid out with a coarser interval. */
const MAX_SYNTHETIC_SAMPLES = 5_000_000;

export function toCpuprofile(profile: Profile): string {
  const nodes: CpuprofileNode[] = [];
  const scriptIds = new Map<string, string>();
  const scriptIdOf = (url: string) => {
    if (url === '') return '0';
    let id = scriptIds.get(url);
    if (id === undefined) scriptIds.set(url, (id = String(scriptIds.size + 1)));
    return id;
  };
  const addNode = (parent: CpuprofileNode | undefined, name: string, url = '', line?: number, col?: number): CpuprofileNode => {
    const node: CpuprofileNode = {
      id: nodes.length + 1,
      callFrame: {
        functionName: name,
        scriptId: scriptIdOf(url),
        url,
        lineNumber: line !== undefined ? line - 1 : -1,
        columnNumber: col !== undefined ? col - 1 : -1,
      },
      hitCount: 0,
      children: [],
    };
    nodes.push(node);
    parent?.children.push(node.id);
    return node;
  };

  const root = addNode(undefined, '(root)');
  const threadRoots = profile.threads.map((info) => (profile.threads.length > 1 ? addNode(root, info.name) : root));
  // Each (thread, stack) pair is one node, made on first use along the stack's path.
  const { frame } = profile.stacks;
  const nodeOfThread = threadRoots.map((threadRoot) =>
    stackValues(profile.stacks, threadRoot, (parent, id) => {
      const f = profile.frames[frame[id]!]!;
      return addNode(parent, f.name, f.file ?? '', f.line, f.col);
    }),
  );
  const nodeFor = (thread: number, stackId: number): CpuprofileNode => nodeOfThread[thread]!(stackId);

  const samples: number[] = [];
  const timeDeltas: number[] = [];
  const durations = sampleDurationsUs(profile);
  const { stack, weight, thread, time, length, line } = profile.samples;
  const order = [...Array(length).keys()];
  if (time) order.sort((a, b) => time[a]! - time[b]! || a - b);

  if (time && durations) {
    // Real timestamps: one sample each, deltas from the previous sample. DevTools and speedscope weigh a
    // sample by the time to the next one, so where a sample stood for less than that (idle samples left out),
    // an `(idle)` sample fills the rest, as V8 itself would have written it.
    let previous = 0;
    // One `(idle)` node per thread, under its root, so the idle time stays the thread's when read back.
    const idleNodes = new Map<number, CpuprofileNode>();
    order.forEach((i, k) => {
      const node = nodeFor(thread[i]!, stack[i]!);
      node.hitCount++;
      if (line) tickLine(node, line[i]!);
      samples.push(node.id);
      timeDeltas.push(time[i]! - previous);
      previous = time[i]!;
      const next = order[k + 1];
      if (next !== undefined && time[next]! - time[i]! > durations[i]!) {
        let idleNode = idleNodes.get(thread[i]!);
        if (!idleNode) idleNodes.set(thread[i]!, (idleNode = addNode(threadRoots[thread[i]!], '(idle)')));
        idleNode.hitCount++;
        samples.push(idleNode.id);
        timeDeltas.push(durations[i]!);
        previous += durations[i]!;
      }
    });
  } else {
    // Weights only: each weight becomes that many evenly spaced samples.
    const total = profile.samples.weight.reduce((sum, w) => sum + w, 0);
    let intervalUs = profile.meta.intervalUs ?? 1000;
    // A count stays a count; a time weight is cut into samples of one interval each.
    let scale = profile.unit === 'microseconds' ? 1 / intervalUs : 1;
    if (total * scale > MAX_SYNTHETIC_SAMPLES) {
      scale = MAX_SYNTHETIC_SAMPLES / total;
      if (profile.unit === 'microseconds') intervalUs = 1 / scale;
    }
    let carry = 0;
    for (const i of order) {
      const node = nodeFor(thread[i]!, stack[i]!);
      const exact = weight[i]! * scale + carry;
      const count = Math.floor(exact);
      carry = exact - count;
      node.hitCount += count;
      if (line) tickLine(node, line[i]!, count);
      for (let k = 0; k < count; k++) {
        samples.push(node.id);
        timeDeltas.push(intervalUs);
      }
    }
  }

  const endTime = timeDeltas.reduce((sum, d) => sum + d, 0);
  return JSON.stringify({ nodes, startTime: 0, endTime, samples, timeDeltas });
}
