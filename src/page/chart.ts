/**
 * What the profile page and the differential page share: the flamegraph chart and its orientation switch,
 * colours by kind of code, value formatting, the legend, and the keys (`/` searches, Esc resets).
 */
import flamegraph, { tooltip, type FlameGraph, type FlameNode } from 'd3-flame-graph';
import type { PageFrameKind } from '../export/page-data.js';
import type { WeightUnit } from '../model/profile.js';
import { formatBytes } from '../model/weights.js';

export const byId = (id: string) => document.getElementById(id)!;

/** How long a zoom animates. */
export const TRANSITION_MS = 250;

/** A d3-flame-graph chart as both pages draw it; the orientation is set by `orientationSwitch`. */
export function makeChart(element: HTMLElement, describe: (d: FlameNode) => string, color: (d: FlameNode) => string): FlameGraph {
  return flamegraph()
    .width(Math.max(400, element.clientWidth))
    .cellHeight(18)
    .transitionDuration(TRANSITION_MS)
    .minFrameSize(1)
    .sort(true)
    .inverted(true)
    .tooltip(tooltip.defaultFlamegraphTooltip().text(describe))
    .setColorMapper(color);
}

/**
 * Icicle (root on top) is the first view: the root and the widest frames are on the first screen whatever
 * the depth, where a flame graph of a deep profile starts with the tips of its towers. Flame view puts the
 * root at the bottom, as flamegraph.pl draws it, and scrolls the chart down to it.
 */
export function orientationSwitch(chart: FlameGraph, box: HTMLElement, initial: 'icicle' | 'flame', onChange: (view: 'icicle' | 'flame') => void): void {
  const buttons = { icicle: byId('view-icicle'), flame: byId('view-flame') };
  const show = (view: 'icicle' | 'flame', redraw: boolean) => {
    chart.inverted(view === 'icicle');
    if (redraw) chart.update();
    buttons.icicle.setAttribute('aria-pressed', String(view === 'icicle'));
    buttons.flame.setAttribute('aria-pressed', String(view === 'flame'));
    box.scrollTop = view === 'flame' ? box.scrollHeight : 0;
  };
  show(initial, false);
  for (const view of ['icicle', 'flame'] as const) {
    buttons[view].addEventListener('click', () => {
      show(view, true);
      onChange(view);
    });
  }
}

/** `/` focuses the search box (as on GitHub and in speedscope); Esc calls `reset`. */
export function bindKeys(search: HTMLInputElement, reset: () => void): void {
  document.addEventListener('keydown', (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === 'Escape') {
      reset();
      if (typing) (event.target as HTMLElement).blur();
    }
  });
}

export function valueFormatter(unit: WeightUnit): (value: number) => string {
  return (value) => {
    if (unit === 'microseconds') return value >= 1e6 ? `${(value / 1e6).toFixed(2)} s` : `${(value / 1000).toFixed(1)} ms`;
    if (unit === 'bytes') return formatBytes(value);
    const rounded = Math.round(value);
    return `${rounded.toLocaleString('en-US')} sample${rounded === 1 ? '' : 's'}`;
  };
}

export function share(value: number, total: number): string {
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
export const KIND_LABELS: [PageFrameKind, string][] = [
  ['app', 'your code'],
  ['dependency', 'node_modules'],
  ['node', 'Node internals'],
  ['engine', 'GC / engine / native'],
];
export const HIGHLIGHT = '#e600e6';

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return (h >>> 0) / 0xffffffff;
}

export function colorOf(kind: PageFrameKind, name: string): string {
  const [hue, saturation] = HUES[kind] ?? HUES.app;
  const lightness = kind === 'root' ? 80 : 55 + Math.round(hash(name) * 20);
  return `hsl(${hue}, ${saturation}%, ${lightness}%)`;
}

export function legendItem(color: string, label: string): HTMLElement {
  const item = document.createElement('span');
  item.className = 'legend-item';
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = color;
  item.append(swatch, label);
  return item;
}

export function prunedNote(pruned: { nodes: number; weight: number }, minShare: number, total: number): string {
  if (pruned.nodes === 0) return '';
  return (
    `${pruned.nodes.toLocaleString('en-US')} frames narrower than ${(minShare * 100).toFixed(2)}% of the total ` +
    `(${share(pruned.weight, total)} of it) are merged into their callers in the graph.`
  );
}
