import type { Frame, Profile } from './profile.js';
import { stackValues } from './stack-walk.js';

/**
 * A call tree derived from a Profile: every distinct call path once, with its own (self) and inclusive
 * (total) weight. When the profile holds several threads each gets a root node named after the thread, so
 * that their stacks are never merged into each other.
 */
export interface CallTreeNode {
  readonly frame: Frame;
  /** Index into `profile.frames`, or -1 for the synthetic root and the thread roots. */
  readonly frameId: number;
  /** Index into `profile.threads` for a thread root, otherwise undefined. */
  readonly threadIndex?: number;
  self: number;
  total: number;
  readonly children: CallTreeNode[];
}

export interface CallTreeOptions {
  /** Give each thread a root node. Default: only when the profile has more than one thread. */
  threadRoots?: boolean;
}

/** Sums sample weights per (thread, stack): the work every derived view starts from. */
export function weightByThreadStack(profile: Profile): Map<number, Map<number, number>> {
  const byThread = new Map<number, Map<number, number>>();
  const { stack, weight, thread, length } = profile.samples;
  for (let i = 0; i < length; i++) {
    let byStack = byThread.get(thread[i]!);
    if (!byStack) byThread.set(thread[i]!, (byStack = new Map<number, number>()));
    byStack.set(stack[i]!, (byStack.get(stack[i]!) ?? 0) + weight[i]!);
  }
  return byThread;
}

export function buildCallTree(profile: Profile, options: CallTreeOptions = {}): CallTreeNode {
  const threadRoots = options.threadRoots ?? profile.threads.length > 1;
  const root: CallTreeNode = { frame: { name: 'all' }, frameId: -1, self: 0, total: 0, children: [] };
  const { frame } = profile.stacks;

  for (const [threadIndex, byStack] of [...weightByThreadStack(profile)].sort((a, b) => a[0] - b[0])) {
    let top = root;
    if (threadRoots) {
      const info = profile.threads[threadIndex];
      top = { frame: { name: info?.name ?? `thread ${threadIndex}` }, frameId: -1, threadIndex, self: 0, total: 0, children: [] };
      root.children.push(top);
    }
    // The node of each stack of this thread, created on first use along the stack's path.
    const nodeOf = stackValues(profile.stacks, top, (parent, id) => {
      const node: CallTreeNode = { frame: profile.frames[frame[id]!]!, frameId: frame[id]!, self: 0, total: 0, children: [] };
      parent.children.push(node);
      return node;
    });
    for (const [stackId, w] of byStack) nodeOf(stackId).self += w;
  }
  computeTotals(root);
  return root;
}

/** Sets `total` = self + children's totals, without recursion (stacks can be thousands deep). */
function computeTotals(root: CallTreeNode): void {
  const order: CallTreeNode[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    order.push(node);
    for (const child of node.children) pending.push(child);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    let total = node.self;
    for (const child of node.children) total += child.total;
    node.total = total;
  }
}
