import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from './profile.js';

/**
 * How frames are shown to people: labels, locations and the kind of code a frame belongs to. One place, so
 * that folded output, the report and the flamegraph page all name a frame the same way.
 */

export type FrameKind = 'app' | 'dependency' | 'node' | 'engine' | 'thread';

/** `file:///x/y.js` becomes `/x/y.js`; a path inside `cwd` becomes relative to it; anything else is kept. */
export function displayPath(file: string, cwd: string): string {
  let path = file;
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path);
    } catch {
      return file;
    }
  }
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** `path:line` (or just the path, or '' when the frame has no file). */
export function frameLocation(frame: Frame, cwd: string): string {
  if (!frame.file) return '';
  const path = displayPath(frame.file, cwd);
  return frame.line !== undefined ? `${path}:${frame.line}` : path;
}

/** The function's name, `(anonymous)` when it has none. */
export function frameName(frame: Frame): string {
  return frame.name === '' ? '(anonymous)' : frame.name;
}

/** `name (path:line)`, the label flamegraph.pl, py-spy and tsprof's folded output use. */
export function frameLabel(frame: Frame, cwd: string): string {
  const location = frameLocation(frame, cwd);
  return location ? `${frameName(frame)} (${location})` : frameName(frame);
}

/**
 * What kind of code a frame is, for colouring: the user's own code, a dependency under node_modules, Node's
 * built-in JavaScript (`node:` URLs and `internal/` paths), or the engine's own pseudo-frames (GC, program,
 * idle, native code without a script).
 */
export function frameKind(frame: Frame): FrameKind {
  const file = frame.file;
  if (!file) return 'engine';
  if (/[\\/]node_modules[\\/]/.test(file)) return 'dependency';
  if (file.startsWith('node:') || file.startsWith('internal/')) return 'node';
  return 'app';
}

/**
 * A label made safe for a folded line: `;` separates frames, a line break ends the line, and a NUL makes the
 * text binary to every reader (tsprof's included), so it becomes U+FFFD.
 */
export function foldedSafe(label: string): string {
  return label
    .replace(/;/g, ',')
    .replace(/[\r\n]+/g, ' ')
    .replace(/\u0000/g, '\ufffd');
}
