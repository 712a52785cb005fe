/**
 * A selected function's hot lines: its source, each line with its share of the function's own time as a heat
 * bar, from the sources the page carries (export/page-sources.ts). Source text reaches the DOM only as text.
 */
import type { PageSource } from '../export/page-data.js';

export function renderSourcePanel(source: PageSource | undefined, formatValue: (value: number) => string): HTMLElement | undefined {
  if (!source) return undefined;
  const own = source.self.reduce((sum, value) => sum + value, 0);
  if (!(own > 0)) return undefined;
  const section = document.createElement('section');
  section.className = 'source';
  const caption = document.createElement('h3');
  caption.textContent = 'Hot lines (its own time by the line that was executing, whole profile)';
  const table = document.createElement('table');
  table.className = 'source-table';
  const body = table.createTBody();
  const hottest = source.self.reduce((most, value) => Math.max(most, value), 0);
  source.text.forEach((text, i) => {
    const weight = source.self[i] ?? 0;
    const row = body.insertRow();
    const share = row.insertCell();
    share.className = 'share heat';
    if (weight > 0) {
      const bar = document.createElement('span');
      bar.className = 'heat-bar';
      bar.style.width = `${(100 * weight) / hottest}%`;
      const label = document.createElement('span');
      label.className = 'heat-label';
      label.textContent = `${((100 * weight) / own).toFixed(1)}%`;
      share.append(bar, label);
      share.title = formatValue(weight);
      row.className = 'hot';
    }
    const number = row.insertCell();
    number.className = 'line-number';
    number.textContent = String(source.first + i);
    const code = row.insertCell();
    code.className = 'code';
    code.textContent = text;
  });
  section.append(caption, table);
  return section;
}
