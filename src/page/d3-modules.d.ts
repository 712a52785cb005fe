// Just enough typing for the parts of d3-flame-graph and d3-selection the page uses (neither ships types).
declare module 'd3-flame-graph' {
  export interface FlameNode {
    data: { name: string; value: number; kind: string; location: string; children?: unknown[]; [extra: string]: unknown };
    value: number;
    x0: number;
    x1: number;
    depth: number;
    highlight?: boolean;
    descendants(): FlameNode[];
  }
  export interface Tooltip {
    text(format: (d: FlameNode) => string): Tooltip;
  }
  export interface FlameGraph {
    (selection: unknown): void;
    width(px: number): FlameGraph;
    cellHeight(px: number): FlameGraph;
    transitionDuration(ms: number): FlameGraph;
    minFrameSize(px: number): FlameGraph;
    sort(enabled: boolean): FlameGraph;
    inverted(): boolean;
    inverted(enabled: boolean): FlameGraph;
    tooltip(tip: Tooltip): FlameGraph;
    setColorMapper(mapper: (d: FlameNode, original: string) => string): FlameGraph;
    setSearchMatch(match: (d: FlameNode, term: string) => boolean): FlameGraph;
    setSearchHandler(handler: (results: FlameNode[], sum: number, total: number) => void): FlameGraph;
    setDetailsElement(element: HTMLElement): FlameGraph;
    setLabelHandler(label: (d: FlameNode) => string): FlameGraph;
    search(term: string): void;
    clear(): void;
    resetZoom(): void;
    update(data?: unknown): FlameGraph;
    zoomTo(node: FlameNode): void;
    onClick(handler: (d: FlameNode) => void): FlameGraph;
    getName(name: (d: FlameNode) => string): FlameGraph;
  }
  export default function flamegraph(): FlameGraph;
  export const tooltip: { defaultFlamegraphTooltip(): Tooltip };
}

declare module 'd3-selection' {
  export interface Selection {
    datum(data: unknown): Selection;
    datum(): unknown;
    call(fn: (selection: Selection) => void): Selection;
  }
  export function select(element: Element): Selection;
}
