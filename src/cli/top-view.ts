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
    `last ${seconds} s · ${counted(samples, 'sample')} · ${counted(threads, 'thread')} · ` +
      `busy ${percent(busy)}, idle ${percent(idle)} · sorted by ${options.by}`,
    // The keys on a line of their own, so that a narrow terminal does not cut them off.
    options.keys ? colors.dim('keys: s sort by self, t sort by total, q quit') : '',
    colors.inverse(`${'%Self'.padStart(7)} ${'%Total'.padStart(7)} ${'Self'.padStart(8)} ${'Total'.padStart(8)}  Function (file:line)`),
  ];
  for (const row of snapshot.rows.slice(0, options.rows)) {
    const numbers = `${percent(row.self).padStart(7)} ${percent(row.total).padStart(7)} ${String(row.self).padStart(8)} ${String(row.total).padStart(8)}`;
    lines.push(`${numbers}  ${colors.green(fitLabel(visible(row.label), options.width - numbers.length - 2))}`);
  }
  if (snapshot.rows.length === 0) lines.push(colors.dim(samples > 0 ? '(all samples idle)' : '(no samples yet)'));
  return lines.map((line) => cut(line, options.width));
}

/**
 * `name (path:line)` in at most `width` characters. The line number is never cut (it is what the user looks
 * for) and the file's own name is kept as long as it can be: the path loses its middle first
 * (`/home/…/src/hot.ts`), then the function's name its end, down to 12 characters.
 */
export function fitLabel(label: string, width: number): string {
  if (label.length <= width) return label;
  const match = /^(.*) \((.*)(:\d+)\)$/s.exec(label);
  if (!match) return `${label.slice(0, Math.max(0, width - 1))}…`;
  const [, name, path, line] = match as unknown as [string, string, string, string];
  const file = path.slice(path.lastIndexOf('/') + 1);
  const room = width - ' ()'.length - line.length;
  // The name takes what `…/file` leaves of the room, but never less than 12 characters (or its whole self).
  const nameRoom = Math.max(Math.min(name.length, 12), room - Math.min(path.length, file.length + 2));
  const shortName = name.length <= nameRoom ? name : `${name.slice(0, Math.max(0, nameRoom - 1))}…`;
  const pathRoom = room - shortName.length;
  return `${shortName} (${path.length <= pathRoom ? path : middleCut(path, pathRoom, file.length + 1)}${line})`;
}

/** `text` in `width` characters with its middle replaced by `…`, keeping at least `keepEnd` characters of its end. */
function middleCut(text: string, width: number, keepEnd: number): string {
  if (width <= 1) return '…';
  const tail = Math.min(width - 1, Math.max(keepEnd, Math.ceil(((width - 1) * 2) / 3)));
  const head = width - 1 - tail;
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`;
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
