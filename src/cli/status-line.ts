import { counted } from '../model/format-count.js';

const ESC = '\u001b';

/**
 * A status line at the bottom of the terminal, for progress while recording. The profiled program writes
 * to the same terminal at any moment, so the line is not drawn where the cursor is: the terminal's last row
 * is taken out of the scrolling region (as apt's progress bar does) and the line is drawn there, each time
 * in one write that saves and restores the cursor. The program's output scrolls above it, never mixed with
 * it. Does nothing when the stream is not a terminal, or one too small to spare a row.
 */
export class StatusLine {
  /** The terminal's height when its last row was reserved; 0 while nothing is reserved. */
  private reservedRows = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY) && (this.stream.rows ?? 0) >= 3;
  }

  show(text: string): void {
    if (!this.enabled) return;
    const rows = this.stream.rows;
    const width = this.stream.columns || 80;
    const line = text.length >= width ? text.slice(0, width - 1) : text;
    // Reserved again when the terminal was resized: the last row is another one now.
    const reserve = rows === this.reservedRows ? '' : this.reserve(rows);
    this.stream.write(`${reserve}${ESC}7${ESC}[${rows};1H${ESC}[2K${line}${ESC}8`);
  }

  /**
   * Takes the last row out of the scrolling region. A line feed first, so that the cursor is not on that row
   * (the screen scrolls up one line if it was); setting the region moves the cursor home on some terminals,
   * so it is saved and restored around it, and moved back up to where the text was.
   */
  private reserve(rows: number): string {
    this.reservedRows = rows;
    return `\n${ESC}7${ESC}[1;${rows - 1}r${ESC}8${ESC}[1A`;
  }

  /** Blanks the line and gives the whole terminal back to scrolling; the cursor stays where the program left it. */
  clear(): void {
    if (this.reservedRows === 0) return;
    const rows = this.reservedRows;
    this.reservedRows = 0;
    this.stream.write(`${ESC}7${ESC}[${rows};1H${ESC}[2K${ESC}[r${ESC}8`);
  }
}

/** The samples taken in so far, for the status line: they come a chunk at a time, the first within a second. */
export function samplesSoFar(samples: number): string {
  return samples > 0 ? counted(samples, 'sample') : 'waiting for the first samples';
}
