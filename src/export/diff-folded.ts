import { walkMerged, type MergedNode } from '../analyze/merged-tree.js';

/**
 * Differential folded stacks, as Brendan Gregg's difffolded.pl writes them: `stack BEFORE AFTER` per line, so
 * that flamegraph.pl draws widths from the after profile and colours by the difference. With `normalize`
 * (difffolded.pl -n, tsprof's default) the before counts are scaled to the after total exactly as that script
 * does, `int(before * afterTotal / beforeTotal)`, so two profiles of different lengths compare by share.
 * Lines are sorted (the script prints them in hash order).
 */
export function toDiffFolded(tree: MergedNode, options: { normalize: boolean }): string {
  const rows: [string, number, number][] = [];
  let beforeTotal = 0;
  let afterTotal = 0;
  for (const { node, stack } of walkMerged(tree)) {
    if (stack === '') continue;
    const before = Math.round(node.self[0]);
    const after = Math.round(node.self[1]);
    if (before === 0 && after === 0) continue;
    rows.push([stack, before, after]);
    beforeTotal += before;
    afterTotal += after;
  }
  const scale = options.normalize && beforeTotal !== afterTotal && beforeTotal > 0;
  const lines = rows.map(([stack, before, after]) => `${stack} ${scale ? Math.trunc((before * afterTotal) / beforeTotal) : before} ${after}`);
  lines.sort();
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
