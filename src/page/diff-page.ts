/**
 * The differential page (`tsprof diff -f html`): the merged call tree of two profiles, widths from the after
 * profile (or, switched, the before one), each frame coloured by the significance test's verdict on its
 * function's own time.
 */
import type { FlameNode } from 'd3-flame-graph';
import { select } from 'd3-selection';
import type { PageData, PageFrameKind, PageTree, PageVerdict } from '../export/page-data.js';
import { bindKeys, byId, HIGHLIGHT, legendItem, makeChart, orientationSwitch, prunedNote, share } from './chart.js';
import { readUrlState, writeUrlState } from './url-state.js';

interface DiffNode {
  name: string;
  /** The width: the after (or, switched, the before) profile's weight. */
  value: number;
  kind: PageFrameKind;
  location: string;
  children: DiffNode[];
  /** Inclusive and own weight of each side, the before side scaled to the after total. */
  diff: { before: number; after: number; selfBefore: number; selfAfter: number; verdict?: PageVerdict };
}

function buildTree(data: PageData, tree: PageTree, widths: 'after' | 'before'): DiffNode {
  const d = tree.diff;
  const nodes: DiffNode[] = tree.parent.map((_, i) => ({
    name: data.strings[tree.name[i]!]!,
    value: widths === 'before' ? d.before[i]! : tree.value[i]!,
    kind: tree.kind[i]!,
    location: tree.location[i]! >= 0 ? data.strings[tree.location[i]!]! : '',
    children: [],
    diff: { before: d.before[i]!, after: tree.value[i]!, selfBefore: d.selfBefore[i]!, selfAfter: d.selfAfter[i]!, verdict: d.verdicts[d.verdict[i]!] },
  }));
  tree.parent.forEach((parent, i) => {
    if (parent >= 0) nodes[parent]!.children.push(nodes[i]!);
  });
  return nodes[0]!;
}

/** The significance test's word on the function's own time (all its frames, wherever it is called). */
function describeVerdict(verdict: PageVerdict): string {
  const p = verdict.p === null ? '' : verdict.p < 0.001 ? ' (p < 0.001)' : ` (p = ${verdict.p.toFixed(3)})`;
  const change = verdict.relative === null ? 'new' : `${verdict.relative >= 0 ? '+' : '−'}${Math.abs(verdict.relative).toFixed(0)}%`;
  switch (verdict.verdict) {
    case 'regressed':
      return `verdict: regressed, own time ${change}${p}`;
    case 'improved':
      return `verdict: improved, own time ${change}${p}`;
    case 'noise':
      return `verdict: no significant change${p}`;
    case 'untested':
      return 'verdict: too few samples to test';
  }
}

/** In which profile alone a frame appears, if only in one. */
function onlyIn(diff: DiffNode['diff']): 'before' | 'after' | undefined {
  if (diff.before === 0 && diff.after > 0) return 'after';
  if (diff.after === 0 && diff.before > 0) return 'before';
  return undefined;
}

const UNCHANGED = 'hsl(0, 0%, 90%)';
const PALE_GREW = 'hsl(0, 30%, 93%)';
const PALE_SHRANK = 'hsl(220, 30%, 93%)';

export function startDiffPage(data: PageData, tree: PageTree): void {
  const root = buildTree(data, tree, 'after');
  const total = root.value;
  const points = (change: number) => {
    const value = total > 0 ? (100 * change) / total : 0;
    return `${value >= 0.005 ? '+' : value <= -0.005 ? '−' : '±'}${Math.abs(value).toFixed(2)} pts`;
  };
  const describe = (d: FlameNode) => {
    const lines = [d.data.name];
    if (d.data.location) lines.push(d.data.location);
    const diff = (d.data as unknown as DiffNode).diff;
    const only = onlyIn(diff);
    if (only) lines.push(only === 'after' ? 'new: only in the after profile' : 'gone: only in the before profile');
    lines.push(
      `total: before ${share(diff.before, total)} → after ${share(diff.after, total)} (${points(diff.after - diff.before)})`,
      `self:  before ${share(diff.selfBefore, total)} → after ${share(diff.selfAfter, total)} (${points(diff.selfAfter - diff.selfBefore)})`,
    );
    if (diff.verdict) lines.push(describeVerdict(diff.verdict));
    return lines.join('\n');
  };

  // Strong red or blue only where the significance test calls the function's own time regressed or improved,
  // stronger for larger changes (relative to the largest on the page), as flamegraph.pl draws difffolded.pl's
  // output; a change the test calls noise (or cannot test) is pale.
  const largestSelfChange = tree.diff.selfAfter.reduce((largest, after, i) => Math.max(largest, Math.abs(after - tree.diff.selfBefore[i]!)), 1e-9);
  const diffColor = (diff: DiffNode['diff']) => {
    const change = diff.selfAfter - diff.selfBefore;
    if (Math.abs(change) < largestSelfChange * 1e-3) return UNCHANGED;
    const verdict = diff.verdict?.verdict;
    if (verdict !== 'regressed' && verdict !== 'improved') return change > 0 ? PALE_GREW : PALE_SHRANK;
    const strength = Math.min(1, Math.abs(change) / largestSelfChange);
    const lightness = Math.round(70 - 25 * strength);
    return verdict === 'regressed' ? `hsl(0, 85%, ${lightness}%)` : `hsl(220, 85%, ${lightness}%)`;
  };

  const box = byId('chart-box');
  const chartElement = byId('chart');
  const chart = makeChart(chartElement, describe, (d) => (d.highlight ? HIGHLIGHT : diffColor((d.data as unknown as DiffNode).diff)))
    // Literal, case-insensitive search: typed text is never turned into a regular expression.
    .setSearchMatch((d, term) => {
      const needle = term.toLowerCase();
      return term !== '' && (d.data.name.toLowerCase().includes(needle) || d.data.location.toLowerCase().includes(needle));
    })
    .setSearchHandler((results, sum, all) => {
      byId('search-result').textContent = results.length
        ? `${results.length} frame${results.length === 1 ? '' : 's'} match · ${share(sum, all)} of total (drawn frames)`
        : 'no match';
    })
    // Frames of one profile only say so in their label.
    .getName((d: FlameNode) => {
      const only = onlyIn((d.data as unknown as DiffNode).diff);
      return only === 'after' ? `[new] ${d.data.name}` : only === 'before' ? `[gone] ${d.data.name}` : d.data.name;
    });

  byId('legend').replaceChildren(
    legendItem('hsl(0, 85%, 55%)', 'regressed: own time grew beyond noise'),
    legendItem('hsl(220, 85%, 55%)', 'improved: own time shrank beyond noise'),
    legendItem(PALE_GREW, 'grew or shrank within noise (or too few samples to test)'),
    legendItem(UNCHANGED, 'unchanged'),
    `Verdicts by function, from the significance test (family-wise error ${tree.diff.alpha}, Holm-corrected; the tooltip gives p) · [new] only in ` +
      `the after profile · [gone] only in the before profile (widths: before) · shares compared, before scaled to the after total`,
  );
  byId('pruned-note').textContent = prunedNote(tree.pruned, data.minShare, total);

  const state = readUrlState(location.hash);
  select(chartElement).datum(root).call(chart);
  orientationSwitch(chart, box, state.view, (view) => writeUrlState({ ...state, view }));

  const search = byId('search') as HTMLInputElement;
  const runSearch = () => {
    state.search = search.value.trim();
    if (state.search) chart.search(state.search);
    else {
      chart.clear();
      byId('search-result').textContent = '';
    }
    writeUrlState(state);
  };
  search.value = state.search;
  if (state.search) runSearch();
  search.addEventListener('input', runSearch);
  byId('reset-zoom').addEventListener('click', () => chart.resetZoom());
  bindKeys(search, () => {
    search.value = '';
    runSearch();
    chart.resetZoom();
  });

  // Widths from the after profile hide what disappeared; the before widths show it.
  const widths = byId('widths');
  widths.hidden = false;
  for (const side of ['after', 'before'] as const) {
    const button = byId(`widths-${side}`);
    button.addEventListener('click', () => {
      chart.update(buildTree(data, tree, side));
      byId('widths-after').setAttribute('aria-pressed', String(side === 'after'));
      byId('widths-before').setAttribute('aria-pressed', String(side === 'before'));
    });
  }
}
