import type { MergedNode } from '../analyze/merged-tree.js';
import { countNodes, fillPage, interner, PRUNE_SHARE, type PageAssets } from './html.js';
import type { Frame } from '../model/profile.js';
import type { PageData, PageDiff, PageTree, PageVerdict } from './page-data.js';

export interface DiffHtmlOptions {
  title: string;
  /** One line per side: what it was read from, its runs, samples, duration and rate. */
  details: string[];
  /** The significance test's verdict on a frame's function (its own time), if it has one. */
  verdictOf: (frame: Frame) => PageVerdict | undefined;
  alpha: number;
  /** What the widths are: samples, or the bytes of memory profiles. */
  unit: 'samples' | 'bytes';
}

/**
 * The differential flamegraph page: the normal page, with widths from the after profile, and each frame
 * coloured by how its own time changed (red grew, blue shrank). The before profile is scaled to the after
 * profile's total, so the two compare by share, as `diff -f folded` (difffolded.pl -n) does. Each frame
 * carries its function's verdict, so that the page colours strongly only what the test calls changed.
 */
export function toDiffHtml(merged: MergedNode, assets: PageAssets, options: DiffHtmlOptions): string {
  return fillPage(assets, diffPageData(merged, options));
}

export function diffPageData(merged: MergedNode, options: DiffHtmlOptions): PageData {
  const [beforeTotal, afterTotal] = merged.total;
  const scale = beforeTotal > 0 ? afterTotal / beforeTotal : 0;
  const diff: PageDiff = { before: [], selfBefore: [], selfAfter: [], verdict: [], verdicts: [], alpha: options.alpha };
  const verdictIndex = new Map<string, number>();
  const indexOf = (verdict: PageVerdict | undefined): number => {
    if (!verdict) return -1;
    const key = `${verdict.verdict} ${verdict.p} ${verdict.relative}`;
    let index = verdictIndex.get(key);
    if (index === undefined) {
      verdictIndex.set(key, (index = diff.verdicts.length));
      diff.verdicts.push(verdict);
    }
    return index;
  };
  const { strings, intern } = interner();
  const tree: PageTree = { parent: [], name: [], location: [], value: [], kind: [], pruned: { nodes: 0, weight: 0 }, diff };

  // A frame is drawn when it is wide enough in either profile; narrower ones stay inside their caller.
  const minValue = afterTotal * PRUNE_SHARE;
  const pending: [MergedNode, number][] = [[merged, -1]];
  while (pending.length > 0) {
    const [node, parent] = pending.pop()!;
    const index = tree.parent.length;
    tree.parent.push(parent);
    tree.name.push(intern(node.name));
    tree.location.push(node.location ? intern(node.location) : -1);
    tree.value.push(node.total[1]);
    tree.kind.push(node.kind);
    diff.before.push(node.total[0] * scale);
    diff.selfBefore.push(node.self[0] * scale);
    diff.selfAfter.push(node.self[1]);
    diff.verdict.push(indexOf(node.frame && options.verdictOf(node.frame)));
    for (const child of node.children.values()) {
      if (Math.max(child.total[1], child.total[0] * scale) >= minValue) pending.push([child, index]);
      else {
        tree.pruned.nodes += countNodes(child, (n) => n.children.values());
        tree.pruned.weight += child.total[1];
      }
    }
  }
  return { title: options.title, details: options.details, unit: options.unit, strings, minShare: PRUNE_SHARE, tree };
}
