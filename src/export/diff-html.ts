import type { MergedNode } from '../analyze/merged-tree.js';
import { fillPage, PRUNE_SHARE, type PageAssets } from './html.js';
import type { PageData } from './page-data.js';

export interface DiffHtmlOptions {
  title: string;
  /** One line per side: what it was read from, its runs, samples, duration and rate. */
  details: string[];
}

/**
 * The differential flamegraph page: the normal page, with widths from the after profile, and each frame
 * coloured by how its own time changed (red grew, blue shrank). The before profile is scaled to the after
 * profile's total, so the two compare by share, as `diff -f folded` (difffolded.pl -n) does.
 */
export function toDiffHtml(tree: MergedNode, assets: PageAssets, options: DiffHtmlOptions): string {
  return fillPage(assets, diffPageData(tree, options));
}

export function diffPageData(tree: MergedNode, options: DiffHtmlOptions): PageData {
  const [beforeTotal, afterTotal] = tree.total;
  const scale = beforeTotal > 0 ? afterTotal / beforeTotal : 0;
  const data: PageData = {
    title: options.title,
    details: options.details,
    unit: 'samples',
    strings: [],
    parent: [],
    name: [],
    location: [],
    value: [],
    kind: [],
    pruned: { nodes: 0, weight: 0, minShare: PRUNE_SHARE },
    diff: { before: [], selfBefore: [], selfAfter: [] },
  };
  const stringIndex = new Map<string, number>();
  const intern = (text: string) => {
    let index = stringIndex.get(text);
    if (index === undefined) stringIndex.set(text, (index = data.strings.push(text) - 1));
    return index;
  };

  // A frame is drawn when it is wide enough in either profile; narrower ones stay inside their caller.
  const minValue = afterTotal * PRUNE_SHARE;
  const pending: [MergedNode, number][] = [[tree, -1]];
  while (pending.length > 0) {
    const [node, parentIndex] = pending.pop()!;
    const index = data.parent.length;
    data.parent.push(parentIndex);
    data.name.push(intern(node.name));
    data.location.push(node.location ? intern(node.location) : -1);
    data.value.push(node.total[1]);
    data.kind.push(node.kind);
    data.diff!.before.push(node.total[0] * scale);
    data.diff!.selfBefore.push(node.self[0] * scale);
    data.diff!.selfAfter.push(node.self[1]);
    for (const child of node.children.values()) {
      if (Math.max(child.total[1], child.total[0] * scale) >= minValue) pending.push([child, index]);
      else {
        data.pruned.nodes += countNodes(child);
        data.pruned.weight += child.total[1];
      }
    }
  }
  return data;
}

function countNodes(node: MergedNode): number {
  let count = 0;
  const pending = [node];
  while (pending.length > 0) {
    count++;
    for (const child of pending.pop()!.children.values()) pending.push(child);
  }
  return count;
}
