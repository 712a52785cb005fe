/**
 * The function table (every function with self and total, sortable, filtered by the search box) and the
 * panel of a selected function's callers and callees. Text from the profile reaches the DOM through
 * textContent only.
 */
import type { FunctionTotals, Neighbours } from './aggregate.js';
import type { DecodedProfile } from './decode.js';

/** Rows drawn at once: enough to scroll through, few enough to redraw on every keystroke of a search. */
const MAX_ROWS = 200;

export type SortKey = 'self' | 'total' | 'name';

export interface TableView {
  totals: FunctionTotals;
  /** The shown total: shares are of this. */
  total: number;
  /** Whether a function passes the search box; null when the box is empty. */
  matches: Uint8Array | null;
  selected: number | null;
}

export interface Formatters {
  value: (value: number) => string;
  share: (value: number, total: number) => string;
}

export class FunctionTable {
  private sortKey: SortKey = 'self';
  private view: TableView | undefined;
  private readonly body: HTMLTableSectionElement;
  private readonly note: HTMLElement;

  constructor(
    container: HTMLElement,
    private readonly profile: DecodedProfile,
    private readonly format: Formatters,
    onSelect: (fn: number) => void,
  ) {
    const table = element('table', 'function-table');
    const head = table.createTHead().insertRow();
    const columns: [string, SortKey | null, string][] = [
      ['Self', 'self', 'Time spent in the function itself (sort by it)'],
      ['Total', 'total', 'Time in the function and everything it calls, each sample once (sort by it)'],
      ['Function', 'name', 'Function name (sort by it)'],
      ['Location', null, 'File and line where the function starts'],
    ];
    for (const [label, key, title] of columns) {
      const cell = document.createElement('th');
      cell.title = title;
      if (key) {
        const button = element('button', 'sort');
        button.type = 'button';
        button.textContent = label;
        button.dataset.sort = key;
        button.addEventListener('click', () => {
          this.sortKey = key;
          this.render();
        });
        cell.append(button);
      } else cell.textContent = label;
      head.append(cell);
    }
    this.body = table.createTBody();
    this.body.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest('tr');
      if (row?.dataset.fn) onSelect(Number(row.dataset.fn));
    });
    this.note = element('p', 'table-note');
    container.replaceChildren(table, this.note);
  }

  update(view: TableView): void {
    this.view = view;
    this.render();
  }

  private render(): void {
    const view = this.view;
    if (!view) return;
    const { totals, matches } = view;
    const p = this.profile;
    const rows: number[] = [];
    for (let fn = 0; fn < p.functionName.length; fn++) {
      if (totals.total[fn] === 0 || p.functionKind[fn] === 'thread') continue;
      if (matches && !matches[fn]) continue;
      rows.push(fn);
    }
    const key = this.sortKey;
    const name = (fn: number) => p.functionName[fn]!;
    // As `tsprof report`: by the chosen column, then the other, then by name.
    rows.sort((a, b) =>
      key === 'name'
        ? name(a).localeCompare(name(b)) || totals.self[b]! - totals.self[a]!
        : key === 'self'
          ? totals.self[b]! - totals.self[a]! || totals.total[b]! - totals.total[a]! || name(a).localeCompare(name(b))
          : totals.total[b]! - totals.total[a]! || totals.self[b]! - totals.self[a]! || name(a).localeCompare(name(b)),
    );
    this.body.parentElement!.querySelectorAll<HTMLButtonElement>('button.sort').forEach((button) => {
      button.setAttribute('aria-pressed', String(button.dataset.sort === key));
    });
    const shown = rows.slice(0, MAX_ROWS).map((fn) => {
      const row = document.createElement('tr');
      row.dataset.fn = String(fn);
      if (fn === view.selected) row.className = 'selected';
      row.title = 'Show its callers and callees, and its frames in the graph';
      row.append(
        shareCell(this.format, totals.self[fn]!, view.total),
        shareCell(this.format, totals.total[fn]!, view.total),
        textCell(name(fn), 'name'),
        textCell(p.functionLocation[fn]!, 'location'),
      );
      return row;
    });
    this.body.replaceChildren(...shown);
    this.note.textContent =
      rows.length > MAX_ROWS
        ? `${rows.length.toLocaleString('en-US')} functions; the first ${MAX_ROWS} shown (search to narrow).`
        : `${rows.length.toLocaleString('en-US')} function${rows.length === 1 ? '' : 's'}.`;
  }
}

/** The selected function's callers and callees, each with its share; a click selects that function. */
export function renderNeighbours(
  container: HTMLElement,
  p: DecodedProfile,
  fn: number,
  neighbours: Neighbours,
  shownTotal: number,
  format: Formatters,
  onSelect: (fn: number) => void,
): void {
  const heading = element('h2', 'selected-name');
  heading.textContent = p.functionName[fn]!;
  const facts = element('p', 'selected-facts');
  facts.textContent = [
    p.functionLocation[fn],
    `self ${format.share(neighbours.self, shownTotal)} (${format.value(neighbours.self)})`,
    `total ${format.share(neighbours.total, shownTotal)} (${format.value(neighbours.total)})`,
  ]
    .filter(Boolean)
    .join(' · ');
  const list = (title: string, className: string, weights: Map<number, number>, extra: [string, number][]) => {
    const section = element('section', className);
    const caption = element('h3');
    caption.textContent = title;
    const table = element('table', 'neighbour-table');
    const rows = [...weights].sort((a, b) => b[1] - a[1]).slice(0, MAX_ROWS);
    const body = table.createTBody();
    for (const [label, weight] of extra) {
      if (weight > 0) body.append(neighbourRow(format, weight, shownTotal, label, undefined));
    }
    for (const [other, weight] of rows) {
      const label = other === -1 ? '(top of the stack: no caller)' : p.functionName[other]!;
      body.append(neighbourRow(format, weight, shownTotal, label, other === -1 ? undefined : other));
    }
    if (body.rows.length === 0) body.append(neighbourRow(format, 0, shownTotal, 'none', undefined));
    body.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest('tr');
      if (row?.dataset.fn) onSelect(Number(row.dataset.fn));
    });
    section.append(caption, table);
    return section;
  };
  let calleesWeight = 0;
  for (const weight of neighbours.callees.values()) calleesWeight += weight;
  container.replaceChildren(
    heading,
    facts,
    list('Called by', 'callers', neighbours.callers, []),
    list('Calls', 'callees', neighbours.callees, [['(its own code)', neighbours.total - calleesWeight]]),
  );
  container.hidden = false;
}

function neighbourRow(format: Formatters, weight: number, total: number, label: string, fn: number | undefined): HTMLTableRowElement {
  const row = document.createElement('tr');
  if (fn !== undefined) {
    row.dataset.fn = String(fn);
    row.title = 'Select this function';
  }
  row.append(shareCell(format, weight, total), textCell(label, 'name'));
  return row;
}

function shareCell(format: Formatters, value: number, total: number): HTMLTableCellElement {
  const cell = textCell(format.share(value, total), 'share');
  cell.title = format.value(value);
  return cell;
}

function textCell(text: string, className: string): HTMLTableCellElement {
  const cell = document.createElement('td');
  cell.className = className;
  cell.textContent = text;
  return cell;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className) made.className = className;
  return made;
}
