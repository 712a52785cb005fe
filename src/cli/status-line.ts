/**
 * One line on a terminal that redraws itself in place (`\r` and erase-line), for progress while recording.
 * Does nothing when the stream is not a TTY, so logs and pipes never see it.
 */
export class StatusLine {
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  show(text: string): void {
    if (!this.enabled) return;
    const width = this.stream.columns || 80;
    this.stream.write(`\r\u001b[K${text.length >= width ? text.slice(0, width - 1) : text}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\u001b[K');
    this.shown = false;
  }
}
