/**
 * The profile page: the graph, the function table with a selected function's callers and callees, the thread
 * chooser and the time track, all computed from every sample of what is selected. The URL's hash keeps the
 * view across reloads.
 */
import type { FlameNode } from 'd3-flame-graph';
import { select } from 'd3-selection';
import type { PageData, PageProfile } from '../export/page-data.js';
import {
  aggregate,
  functionTotals,
  graphTree,
  matchingWeight,
  neighbours,
  searchMatches,
  timeTrack,
  type Aggregate,
  type GraphNode,
  type PageSelection,
} from './aggregate.js';
import {
  bindKeys,
  byId,
  TRANSITION_MS,
  colorOf,
  HIGHLIGHT,
  KIND_LABELS,
  legendItem,
  makeChart,
  orientationSwitch,
  prunedNote,
  share,
  valueFormatter,
} from './chart.js';
import { base64Bytes, decodeProfile, type DecodedProfile } from './decode.js';
import { FunctionTable, renderNeighbours, type Formatters } from './function-table.js';
import { drawTimeTrack, type TimeTrackView } from './time-track.js';
import { readUrlState, writeUrlState, type UrlState } from './url-state.js';
import { renderSourcePanel } from './source-panel.js';

export function startProfilePage(data: PageData, profile: PageProfile): void {
  const p = decodeProfile(data, profile, base64Bytes);
  const state = readUrlState(location.hash);
  const formatValue = valueFormatter(data.unit);
  const format: Formatters = { value: formatValue, share };
  const search = byId('search') as HTMLInputElement;
  const box = byId('chart-box');
  const chartElement = byId('chart');
  const sourceOf = new Map((data.sources ?? []).map((source) => [source.fn, source]));

  let agg: Aggregate;
  let matches: Uint8Array | null = null;
  const highlighted = (fn: number) => fn >= 0 && (fn === state.fn || (matches !== null && matches[fn] === 1));
  const describe = (d: FlameNode) => {
    const lines = [d.data.name];
    if (d.data.location) lines.push(d.data.location);
    lines.push(`${formatValue(d.data.value)} · ${share(d.data.value, agg.total)} of what is shown`);
    return lines.join('\n');
  };
  const chart = makeChart(chartElement, describe, (d) => {
    const node = d.data as unknown as GraphNode;
    return highlighted(node.fn) ? HIGHLIGHT : colorOf(node.kind, node.name);
  });
  byId('legend').replaceChildren(
    ...KIND_LABELS.map(([kind, label]) => legendItem(colorOf(kind, label), label)),
    legendItem(HIGHLIGHT, 'search match or selected function'),
  );

  const selection: PageSelection = { threads: threadFilter(p, state.threads), range: state.range };
  const table = new FunctionTable(byId('functions'), p, format, (fn) => selectFunction(fn));
  const save = () => writeUrlState(state);

  function refreshSearch(): void {
    matches = state.search ? searchMatches(p, state.search) : null;
    const count = matches ? matches.reduce((sum, m) => sum + m, 0) : 0;
    const weight = matches ? share(matchingWeight(p, agg, matches), agg.total) : '';
    byId('search-result').textContent = !matches
      ? ''
      : count === 0
        ? 'no match'
        : `${count.toLocaleString('en-US')} function${count === 1 ? ' matches' : 's match'} · ${weight} of what is shown`;
  }

  function refreshTable(): void {
    table.update({ totals: functionTotals(p, agg), total: agg.total, matches, selected: state.fn });
  }

  function refreshSelected(): void {
    const panel = byId('selected');
    if (state.fn === null || state.fn >= p.functionName.length) {
      panel.hidden = true;
      return;
    }
    renderNeighbours(panel, p, state.fn, neighbours(p, agg, state.fn), agg.total, format, (fn) => selectFunction(fn));
    const source = renderSourcePanel(sourceOf.get(state.fn), formatValue);
    if (source) panel.append(source);
  }

  function selectFunction(fn: number | null): void {
    const start = performance.now();
    state.fn = fn;
    refreshSelected();
    refreshTable();
    chart.update();
    save();
    // bench/page-scale.ts reads how long a selection took to answer.
    performance.measure('tsprof-select', { start });
  }

  /** Everything that depends on the selected threads and range. */
  function recompute(first: boolean): void {
    const start = performance.now();
    agg = aggregate(p, selection);
    drawGraph(first);
    refreshSearch();
    refreshTable();
    refreshSelected();
    performance.measure('tsprof-update', { start });
  }

  // zoomTo calls the click handler, which must not draw again.
  let drawing = false;
  /** The graph for what is selected, with the detail under the zoomed frame, zoomed to it. */
  function drawGraph(first: boolean): void {
    const tree = graphTree(p, agg, data.minShare, state.zoom);
    drawing = true;
    // New data is drawn at once: animating thousands of frames into a new tree only delays the answer.
    chart.transitionDuration(0);
    if (first) select(chartElement).datum(tree.root).call(chart);
    else chart.update(tree.root);
    const root = select(chartElement).datum() as FlameNode;
    const zoomed = state.zoom === null ? undefined : root.descendants().find((d) => (d.data as unknown as GraphNode).stack === state.zoom);
    if (zoomed) chart.zoomTo(zoomed);
    else state.zoom = null;
    chart.transitionDuration(TRANSITION_MS);
    drawing = false;
    byId('pruned-note').textContent = prunedNote(tree.pruned, data.minShare, agg.total);
  }

  chart.onClick((d) => {
    if (drawing) return;
    const node = d.data as unknown as GraphNode;
    const stack = node.stack >= 0 ? node.stack : null;
    if (stack !== state.zoom) {
      state.zoom = stack;
      drawGraph(false);
    }
    if (node.fn >= 0 && p.functionKind[node.fn] !== 'thread') selectFunction(node.fn);
    else save();
  });

  search.value = state.search;
  recompute(true);
  orientationSwitch(chart, box, state.view, (view) => {
    state.view = view;
    save();
  });
  search.addEventListener('input', () => {
    state.search = search.value.trim();
    refreshSearch();
    refreshTable();
    chart.update();
    save();
  });
  // Resetting the zoom goes through the click handler (with the root), which redraws without the detail.
  byId('reset-zoom').addEventListener('click', () => chart.resetZoom());
  bindKeys(search, () => {
    search.value = '';
    state.search = '';
    refreshSearch();
    refreshTable();
    chart.resetZoom();
    selectFunction(null);
  });

  threadChooser(p, state, (choice) => {
    state.threads = choice;
    selection.threads = threadFilter(p, choice);
    state.zoom = null;
    recompute(false);
    save();
  });
  const track = timeTrackOf(p, state, (range) => {
    state.range = range;
    selection.range = range;
    recompute(false);
    save();
  });
  track?.showRange(state.range);
}

/** Which threads a chooser value keeps: `all`, a process (`p:<pid>`) or a thread (`t:<index>`). */
function threadFilter(p: DecodedProfile, choice: string): Uint8Array | null {
  if (choice === 'all' || p.threads.length < 2) return null;
  const [kind, value] = choice.split(':');
  const number = Number(value);
  return Uint8Array.from(p.threads, (thread, index) => ((kind === 'p' ? thread.pid === number : index === number) ? 1 : 0));
}

function threadChooser(p: DecodedProfile, state: UrlState, onChoose: (choice: string) => void): void {
  if (p.threads.length < 2) return;
  const chooser = byId('threads') as HTMLSelectElement;
  const option = (value: string, label: string) => {
    const made = document.createElement('option');
    made.value = value;
    made.textContent = label;
    return made;
  };
  const options = [option('all', `All ${p.threads.length} threads`)];
  const byProcess = new Map<number, number>();
  for (const thread of p.threads) if (thread.pid !== null) byProcess.set(thread.pid, (byProcess.get(thread.pid) ?? 0) + 1);
  if (byProcess.size > 1) {
    for (const [pid, count] of byProcess) options.push(option(`p:${pid}`, `Process ${pid} (${count} thread${count === 1 ? '' : 's'})`));
  }
  p.threads.forEach((thread, index) => options.push(option(`t:${index}`, thread.name || `thread ${index}`)));
  chooser.replaceChildren(...options);
  chooser.value = options.some((o) => o.value === state.threads) ? state.threads : 'all';
  chooser.hidden = false;
  chooser.addEventListener('change', () => onChoose(chooser.value));
}

function timeTrackOf(p: DecodedProfile, state: UrlState, onRange: (range: [number, number] | null) => void): TimeTrackView | undefined {
  const container = byId('track');
  const buckets = Math.max(100, Math.min(2000, Math.round(container.clientWidth - 180)));
  const track = timeTrack(p, buckets);
  if (!track) return undefined;
  const seconds = (us: number) => `${((us - track.start) / 1e6).toFixed(3)} s`;
  const describeRange = (range: [number, number] | null) =>
    range
      ? `Showing ${seconds(range[0])} to ${seconds(range[1])} (${((range[1] - range[0]) / 1e6).toFixed(3)} s). Click the track to show all.`
      : `Samples over time (garbage collection in purple). Drag across the track to show only that stretch.`;
  if (state.range && (state.range[1] <= track.start || state.range[0] >= track.end)) state.range = null;
  return drawTimeTrack(
    container,
    track,
    p.threads.map((thread, index) => thread.name || `thread ${index}`),
    describeRange,
    onRange,
  );
}
