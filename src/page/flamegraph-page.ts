/**
 * The flamegraph page's script, bundled with d3-flame-graph by esbuild and inlined into every page. It reads
 * the profile from the JSON block, draws it, and wires up search, zoom, the tooltip and the flame/icicle
 * toggle. Text from the profile only ever reaches the DOM through textContent.
 */
import flamegraph, { tooltip, type FlameNode } from 'd3-flame-graph';
import { select } from 'd3-selection';
import type { PageData, PageFrameKind, PageVerdict } from '../export/page-data.js';
import './flamegraph-page.css';

interface TreeNode {
  name: string;
  /** The width: the profile's weight, or on a diff page the after (or, toggled, the before) profile's. */
  value: number;
  kind: PageFrameKind;
  location: string;
  children: TreeNode[];
  /** Diff pages only: inclusive and own weight of each side, before scaled to the after total. */
  diff?: { before: number; after: number; selfBefore: number; selfAfter: number; verdict?: PageVerdict };
}

const data = JSON.parse(document.getElementById('profile-data')!.textContent!) as PageData;
const byId = (id: string) => document.getElementById(id)!;

function buildTree(d: PageData, widths: 'after' | 'before' = 'after'): TreeNode {
  const nodes: TreeNode[] = d.parent.map((_, i) => ({
    name: d.strings[d.name[i]!]!,
    value: widths === 'before' && d.diff ? d.diff.before[i]! : d.value[i]!,
    kind: d.kind[i]!,
    location: d.location[i]! >= 0 ? d.strings[d.location[i]!]! : '',
    children: [],
    ...(d.diff
      ? {
          diff: {
            before: d.diff.before[i]!,
            after: d.value[i]!,
            selfBefore: d.diff.selfBefore[i]!,
            selfAfter: d.diff.selfAfter[i]!,
            verdict: d.diff.verdicts[d.diff.verdict[i]!],
          },
        }
      : {}),
  }));
  d.parent.forEach((parent, i) => {
    if (parent >= 0) nodes[parent]!.children.push(nodes[i]!);
  });
  return nodes[0]!;
}

const root = buildTree(data);
const total = root.value;

function formatValue(value: number): string {
  if (data.unit === 'microseconds') {
    return value >= 1e6 ? `${(value / 1e6).toFixed(2)} s` : `${(value / 1000).toFixed(1)} ms`;
  }
  if (data.unit === 'bytes') return `${(value / 1024).toFixed(1)} KiB`;
  return `${Math.round(value).toLocaleString('en-US')} samples`;
}

function percent(value: number): string {
  return total > 0 ? `${((100 * value) / total).toFixed(2)}%` : '0%';
}

// One hue per kind of code, so the user's own frames stand out from dependencies and Node's internals.
const HUES: Record<PageFrameKind, [number, number]> = {
  app: [24, 85],
  dependency: [205, 60],
  node: [125, 45],
  engine: [0, 0],
  thread: [270, 45],
  root: [0, 0],
};
const KIND_LABELS: [PageFrameKind, string][] = [
  ['app', 'your code'],
  ['dependency', 'node_modules'],
  ['node', 'Node internals'],
  ['engine', 'GC / engine / native'],
];

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return (h >>> 0) / 0xffffffff;
}

function colorOf(kind: PageFrameKind, name: string): string {
  const [hue, saturation] = HUES[kind] ?? HUES.app;
  const lightness = kind === 'root' ? 80 : 55 + Math.round(hash(name) * 20);
  return `hsl(${hue}, ${saturation}%, ${lightness}%)`;
}

function describe(d: FlameNode): string {
  const lines = [d.data.name];
  if (d.data.location) lines.push(d.data.location);
  const diff = (d.data as TreeNode).diff;
  if (diff) {
    const only = onlyIn(diff);
    if (only) lines.push(only === 'after' ? 'new: only in the after profile' : 'gone: only in the before profile');
    lines.push(
      `total: before ${percent(diff.before)} → after ${percent(diff.after)} (${points(diff.after - diff.before)})`,
      `self:  before ${percent(diff.selfBefore)} → after ${percent(diff.selfAfter)} (${points(diff.selfAfter - diff.selfBefore)})`,
    );
    if (diff.verdict) lines.push(describeVerdict(diff.verdict));
  } else lines.push(`${formatValue(d.value)} · ${percent(d.value)} of total`);
  return lines.join('\n');
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

/** Diff pages: in which profile alone a frame appears, if only in one. */
function onlyIn(diff: NonNullable<TreeNode['diff']>): 'before' | 'after' | undefined {
  if (diff.before === 0 && diff.after > 0) return 'after';
  if (diff.after === 0 && diff.before > 0) return 'before';
  return undefined;
}

function points(change: number): string {
  const value = total > 0 ? (100 * change) / total : 0;
  return `${value >= 0.005 ? '+' : value <= -0.005 ? '−' : '±'}${Math.abs(value).toFixed(2)} pts`;
}

// Diff pages: strong red or blue only where the significance test calls the function's own time regressed
// or improved, stronger for larger changes (relative to the largest such change on the page), as
// flamegraph.pl draws difffolded.pl's output; a change the test calls noise (or cannot test) is pale.
const largestSelfChange = data.diff
  ? data.diff.selfAfter.reduce((largest, after, i) => Math.max(largest, Math.abs(after - data.diff!.selfBefore[i]!)), 1e-9)
  : 1;
const UNCHANGED = 'hsl(0, 0%, 90%)';
const PALE_GREW = 'hsl(0, 30%, 93%)';
const PALE_SHRANK = 'hsl(220, 30%, 93%)';

function diffColor(diff: NonNullable<TreeNode['diff']>): string {
  const change = diff.selfAfter - diff.selfBefore;
  if (Math.abs(change) < largestSelfChange * 1e-3) return UNCHANGED;
  const verdict = diff.verdict?.verdict;
  if (verdict !== 'regressed' && verdict !== 'improved') return change > 0 ? PALE_GREW : PALE_SHRANK;
  const strength = Math.min(1, Math.abs(change) / largestSelfChange);
  const lightness = Math.round(70 - 25 * strength);
  return verdict === 'regressed' ? `hsl(0, 85%, ${lightness}%)` : `hsl(220, 85%, ${lightness}%)`;
}

const chartElement = byId('chart');
const chart = flamegraph()
  .width(Math.max(400, chartElement.clientWidth))
  .cellHeight(18)
  .transitionDuration(250)
  .minFrameSize(1)
  .sort(true)
  .tooltip(tooltip.defaultFlamegraphTooltip().text(describe))
  .setColorMapper((d) => {
    if (d.highlight) return '#e600e6';
    const diff = (d.data as TreeNode).diff;
    return diff ? diffColor(diff) : colorOf(d.data.kind as PageFrameKind, d.data.name);
  })
  // Literal, case-insensitive search: typed text is never turned into a regular expression.
  .setSearchMatch((d, term) => {
    if (!term) return false;
    const needle = term.toLowerCase();
    return d.data.name.toLowerCase().includes(needle) || d.data.location.toLowerCase().includes(needle);
  })
  .setSearchHandler((results, sum, all) => {
    byId('search-result').textContent = results.length
      ? `${results.length} frame${results.length === 1 ? '' : 's'} match · ${all > 0 ? ((100 * sum) / all).toFixed(2) : '0'}% of total`
      : 'no match';
  });

byId('title').textContent = data.title;
byId('details').textContent = data.details.join(' · ');
function legendItem(color: string, label: string): HTMLElement {
  const item = document.createElement('span');
  item.className = 'legend-item';
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = color;
  item.append(swatch, label);
  return item;
}
byId('legend').replaceChildren(
  ...(data.diff
    ? [
        legendItem('hsl(0, 85%, 55%)', 'regressed: own time grew beyond noise'),
        legendItem('hsl(220, 85%, 55%)', 'improved: own time shrank beyond noise'),
        legendItem(PALE_GREW, 'grew or shrank within noise (or too few samples to test)'),
        legendItem(UNCHANGED, 'unchanged'),
        `Verdicts by function, from the significance test (family-wise error ${data.diff.alpha}, Holm-corrected; the tooltip gives p) · [new] only in ` +
          `the after profile · [gone] only in the before profile (widths: before) · shares compared, before scaled to the after total`,
      ]
    : KIND_LABELS.map(([kind, label]) => legendItem(colorOf(kind, label), label))),
);
if (data.diff) {
  // Frames of one profile only say so in their label.
  chart.getName((d: FlameNode) => {
    const diff = (d.data as TreeNode).diff;
    const only = diff && onlyIn(diff);
    return only === 'after' ? `[new] ${d.data.name}` : only === 'before' ? `[gone] ${d.data.name}` : d.data.name;
  });
}
if (data.pruned.nodes > 0) {
  byId('pruned-note').textContent =
    `${data.pruned.nodes.toLocaleString('en-US')} frames narrower than ${(data.pruned.minShare * 100).toFixed(2)}% ` +
    `of the total (${percent(data.pruned.weight)} of it) are merged into their callers.`;
}

select(chartElement).datum(root).call(chart);

const search = byId('search') as HTMLInputElement;
search.addEventListener('input', () => {
  const term = search.value.trim();
  if (term) chart.search(term);
  else {
    chart.clear();
    byId('search-result').textContent = '';
  }
});
byId('reset-zoom').addEventListener('click', () => chart.resetZoom());
if (data.diff) {
  // Widths from the after profile hide what disappeared; the before widths show it.
  const widths = byId('toggle-widths');
  widths.hidden = false;
  let showing: 'after' | 'before' = 'after';
  widths.addEventListener('click', () => {
    showing = showing === 'after' ? 'before' : 'after';
    chart.update(buildTree(data, showing));
    widths.textContent = showing === 'after' ? 'Widths: after' : 'Widths: before';
  });
}
const toggle = byId('toggle-orientation');
toggle.addEventListener('click', () => {
  const inverted = !chart.inverted();
  chart.inverted(inverted).update();
  toggle.textContent = inverted ? 'Flame view' : 'Icicle view';
});
// The benchmark (bench/page-draw.ts) reads this mark; tests wait for data-ready.
performance.mark('tsprof-drawn');
document.body.dataset.ready = 'true';
