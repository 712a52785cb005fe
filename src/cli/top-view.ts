import { visible } from './terminal.js';
import type { ChalkInstance } from 'chalk';
import type { LiveSnapshot } from '../analyze/live-window.js';
import { counted } from '../model/format-count.js';

/**
 * What `tsprof top` shows: a header, then one row per function, hottest first, cut to the terminal's size.
 * Pure text, so the same lines serve the full-screen view and the plain snapshots printed without a TTY.
 */
export interface TopViewOptions {
  title: string;
  by: 'self' | 'total';
  /** Characters per line; lines are cut to it. */
  width: number;
  /** Most rows of functions to show. */
  rows: number;
  /** The keys line, shown only on the interactive screen. */
  keys?: boolean;
}

export function renderTop(snapshot: LiveSnapshot, options: TopViewOptions, colors: ChalkInstance): string[] {
  const { samples, idle, seconds, threads } = snapshot;
  const percent = (value: number) => (samples > 0 ? `${((100 * value) / samples).toFixed(1)}%` : '-');
  const busy = samples - idle;
  const lines = [
    colors.bold(`tsprof top · ${options.title}`),
    `last ${seconds} s · ${counted(samples, 'sample')} · ${threads} thread${threads === 1 ? '' : 's'} · busy ${percent(busy)}, idle ${percent(idle)} · ` +
      `sorted by ${options.by}${options.keys ? ' · keys: s self, t total, q quit' : ''}`,
    '',
    colors.inverse(`${'%Self'.padStart(7)} ${'%Total'.padStart(7)} ${'Self'.padStart(8)} ${'Total'.padStart(8)}  Function (file:line)`),
  ];
  for (const row of snapshot.rows.slice(0, options.rows)) {
    const numbers = `${percent(row.self).padStart(7)} ${percent(row.total).padStart(7)} ${String(row.self).padStart(8)} ${String(row.total).padStart(8)}`;
    lines.push(`${numbers}  ${colors.green(visible(row.label))}`);
  }
  if (snapshot.rows.length === 0) lines.push(colors.dim(samples > 0 ? '(all samples idle)' : '(no samples yet)'));
  return lines.map((line) => cut(line, options.width));
}

/** Cuts a line to `width` visible characters, leaving colour codes whole. */
function cut(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\u001b') {
      const end = line.indexOf('m', i);
      if (end !== -1) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width) continue;
    out += line[i];
    visible++;
  }
  return out;
}
