import { buildCallTree, type CallTreeNode } from '../model/call-tree.js';
import { foldedSafe, frameKind, frameLabel, frameLocation, frameName, type FrameKind } from '../model/frame-display.js';
import type { Frame, Profile } from '../model/profile.js';
import { threadNameWithoutPids } from '../model/thread-names.js';

/**
 * The call trees of the two sides of a diff laid over each other: one node per call path (matched by the
 * frames' labels, as difffolded.pl matches folded lines), with each side's own and inclusive weight. Runs of
 * one side add up. What the differential folded output and the differential page are drawn from.
 */
export interface MergedNode {
  /** `name (file:line)`, as in folded output (`;` replaced, since it separates frames there). */
  label: string;
  name: string;
  /** `file:line` relative to cwd, or '' when the frame has no file. */
  location: string;
  kind: FrameKind | 'thread' | 'root';
  /** The frame first seen at this node; undefined for the root and threads. */
  frame?: Frame;
  /** [before, after] */
  self: [number, number];
  total: [number, number];
  children: Map<string, MergedNode>;
}

export function mergeCallTrees(before: readonly Profile[], after: readonly Profile[], cwd: string): MergedNode {
  const root: MergedNode = { label: 'all', name: 'all', location: '', kind: 'root', self: [0, 0], total: [0, 0], children: new Map() };
  // Thread roots on every side as soon as one profile has several threads, so the trees line up.
  const threadRoots = [...before, ...after].some((profile) => profile.threads.length > 1);
  [before, after].forEach((profiles, side) => {
    for (const profile of profiles) addTree(root, buildCallTree(profile, { threadRoots }), side as 0 | 1, cwd);
  });
  return root;
}

function addTree(into: MergedNode, tree: CallTreeNode, side: 0 | 1, cwd: string): void {
  const pending: [CallTreeNode, MergedNode][] = [[tree, into]];
  while (pending.length > 0) {
    const [node, merged] = pending.pop()!;
    merged.self[side] += node.self;
    merged.total[side] += node.total;
    for (const child of node.children) {
      const isThread = child.threadIndex !== undefined;
      // Threads match by what they are, not their pids, so that two runs of the same program line up.
      const name = isThread ? threadNameWithoutPids(child.frame.name) : frameName(child.frame);
      const location = isThread ? '' : frameLocation(child.frame, cwd);
      const label = foldedSafe(isThread ? name : frameLabel(child.frame, cwd));
      let target = merged.children.get(label);
      if (!target) {
        target = {
          label,
          name,
          location,
          kind: isThread ? 'thread' : frameKind(child.frame),
          ...(isThread ? {} : { frame: child.frame }),
          self: [0, 0],
          total: [0, 0],
          children: new Map(),
        };
        merged.children.set(label, target);
      }
      pending.push([child, target]);
    }
  }
}

/**
 * Every node, parents before children, without recursion (stacks can be thousands deep): its index in this
 * order, its parent's (-1 for the root) and its folded stack (labels from the root's child down, `;`-joined).
 */
export function* walkMerged(root: MergedNode): Generator<{ node: MergedNode; stack: string; parent: number; index: number }> {
  const pending: { node: MergedNode; stack: string; parent: number }[] = [{ node: root, stack: '', parent: -1 }];
  let index = 0;
  while (pending.length > 0) {
    const next = pending.pop()!;
    yield { ...next, index };
    const here = index++;
    for (const child of next.node.children.values()) {
      pending.push({ node: child, stack: next.stack ? `${next.stack};${child.label}` : child.label, parent: here });
    }
  }
}
