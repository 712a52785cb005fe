/**
 * The time track: for each thread, its samples per slice of the recording (idle left out, the garbage
 * collector in its own colour), on which a range is dragged to show only that stretch of time (the Firefox
 * Profiler's track selection). A click without a drag clears the range.
 */
import type { TimeTrack } from './aggregate.js';

const ROW_HEIGHT = 26;
/** A drag shorter than this many pixels is a click. */
const MIN_DRAG_PX = 3;

export interface TimeTrackView {
  /** Shows a range (from the URL) without calling back. */
  showRange(range: [number, number] | null): void;
}

export function drawTimeTrack(
  container: HTMLElement,
  track: TimeTrack,
  threadNames: string[],
  describeRange: (range: [number, number] | null) => string,
  onRange: (range: [number, number] | null) => void,
): TimeTrackView {
  const rows = document.createElement('div');
  rows.className = 'track-rows';
  const lanes: HTMLCanvasElement[] = [];
  threadNames.forEach((name, thread) => {
    if (!track.busy[thread]!.some((w) => w > 0)) return;
    const label = document.createElement('div');
    label.className = 'track-label';
    label.textContent = name;
    label.title = name;
    const canvas = document.createElement('canvas');
    canvas.className = 'track-lane';
    canvas.dataset.thread = String(thread);
    lanes.push(canvas);
    rows.append(label, canvas);
  });
  const overlay = document.createElement('div');
  overlay.className = 'track-selection';
  overlay.hidden = true;
  const caption = document.createElement('p');
  caption.className = 'track-caption';
  caption.setAttribute('aria-live', 'polite');
  container.replaceChildren(rows, caption);
  container.hidden = false;
  const laneBox = () => lanes[0]!.getBoundingClientRect();
  rows.append(overlay);

  let largest = 1;
  for (const busy of track.busy) for (const w of busy) largest = Math.max(largest, w);
  const style = getComputedStyle(container);
  const busyColor = style.getPropertyValue('--track-busy').trim() || '#e07b39';
  const gcColor = style.getPropertyValue('--track-gc').trim() || '#7b61c4';
  for (const canvas of lanes) {
    const thread = Number(canvas.dataset.thread);
    const width = canvas.clientWidth;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(ROW_HEIGHT * ratio);
    const context = canvas.getContext('2d')!;
    context.scale(ratio, ratio);
    const busy = track.busy[thread]!;
    const gc = track.gc[thread]!;
    const step = width / busy.length;
    for (let b = 0; b < busy.length; b++) {
      const height = (busy[b]! / largest) * ROW_HEIGHT;
      const gcHeight = (gc[b]! / largest) * ROW_HEIGHT;
      context.fillStyle = busyColor;
      context.fillRect(b * step, ROW_HEIGHT - height, Math.max(step, 1), height - gcHeight);
      context.fillStyle = gcColor;
      context.fillRect(b * step, ROW_HEIGHT - gcHeight, Math.max(step, 1), gcHeight);
    }
  }

  const toTime = (x: number) => {
    const box = laneBox();
    const fraction = Math.min(1, Math.max(0, (x - box.left) / box.width));
    return track.start + fraction * (track.end - track.start);
  };
  const place = (range: [number, number] | null) => {
    caption.textContent = describeRange(range);
    if (!range) {
      overlay.hidden = true;
      return;
    }
    const box = laneBox();
    const origin = rows.getBoundingClientRect();
    const span = track.end - track.start;
    overlay.hidden = false;
    overlay.style.left = `${box.left - origin.left + ((range[0] - track.start) / span) * box.width}px`;
    overlay.style.width = `${Math.max(1, ((range[1] - range[0]) / span) * box.width)}px`;
  };

  let dragFrom: number | undefined;
  const range = (from: number, to: number): [number, number] => [toTime(Math.min(from, to)), toTime(Math.max(from, to))];
  rows.addEventListener('pointerdown', (event) => {
    if (!(event.target instanceof HTMLCanvasElement) && event.target !== overlay) return;
    dragFrom = event.clientX;
    rows.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  rows.addEventListener('pointermove', (event) => {
    if (dragFrom !== undefined && Math.abs(event.clientX - dragFrom) >= MIN_DRAG_PX) place(range(dragFrom, event.clientX));
  });
  rows.addEventListener('pointerup', (event) => {
    if (dragFrom === undefined) return;
    const chosen = Math.abs(event.clientX - dragFrom) >= MIN_DRAG_PX ? range(dragFrom, event.clientX) : null;
    dragFrom = undefined;
    place(chosen);
    onRange(chosen);
  });
  place(null);
  return { showRange: place };
}
