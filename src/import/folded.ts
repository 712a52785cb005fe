import { ProfileBuilder } from '../model/builder.js';
import type { Frame, Profile } from '../model/profile.js';
import { ProfileFormatError } from './format-error.js';
import type { ImportOptions } from './options.js';
import { parseThreadName } from '../model/thread-names.js';

/**
 * Folded ("collapsed") stacks as flamegraph.pl reads them: `root;caller;callee COUNT` per line, the count
 * being the last whitespace-separated field (decimals allowed). Written by stackcollapse-*.pl, py-spy,
 * inferno and tsprof. Frame labels of the form `name (file:line)` are split back into their parts.
 */

const COUNT = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    yield text.slice(start, end);
    start = end + 1;
  }
}

/** Each line of UTF-8 `bytes`; bytes that are not UTF-8 become U+FFFD, counted in one warning at the end. */
function* linesOfBytes(bytes: Uint8Array, options: ImportOptions): Generator<string> {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const lenient = new TextDecoder('utf-8', { fatal: false });
  let notUtf8 = 0;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const slice = bytes.subarray(start, end);
    try {
      yield strict.decode(slice);
    } catch {
      notUtf8++;
      yield lenient.decode(slice);
    }
    start = end + 1;
  }
  if (notUtf8 > 0) options.onWarning?.(`${notUtf8} line${notUtf8 === 1 ? ' has' : 's have'} bytes that are not UTF-8, read as U+FFFD`);
}

/** True when the first non-blank line of `text` parses as a folded line. */
export function looksLikeFolded(text: string): boolean {
  for (const line of firstLines(text, 5)) {
    if (line.trim() === '') continue;
    return parseLine(line) !== undefined;
  }
  return false;
}

/**
 * Reads folded text, given as a string or, for files larger than a string can be (V8 stops at 512 MiB), as
 * bytes read a line at a time.
 */
export function importFolded(text: string | Uint8Array, options: ImportOptions = {}): Profile {
  const builder = new ProfileBuilder('samples');
  const threads = foldedThreads(builder);
  let lineNumber = 0;
  let total = 0;
  for (const rawLine of typeof text === 'string' ? linesOf(text) : linesOfBytes(text, options)) {
    const line = rawLine.replace(/\r$/, '');
    lineNumber++;
    if (line.trim() === '') continue;

    const parsed = parseLine(line);
    if (!parsed) {
      const problem = `line ${lineNumber}: expected "frame;frame;... COUNT", got "${preview(line)}"`;
      if (!options.skipBadLines) throw new ProfileFormatError(`${problem} (pass --skip-bad-lines to skip such lines)`, lineNumber);
      options.onWarning?.(`skipped ${problem}`);
      continue;
    }
    if (parsed.count > Number.MAX_SAFE_INTEGER)
      throw new ProfileFormatError(`line ${lineNumber}: the count ${preview(String(parsed.count))} is beyond 2^53`, lineNumber);
    total += parsed.count;
    if (total > Number.MAX_SAFE_INTEGER) throw new ProfileFormatError(`line ${lineNumber}: the counts add up to more than 2^53`, lineNumber);
    if (parsed.count === 0) continue;
    const thread = threads.of(parsed.frames);
    const frames = parsed.frames.slice(thread.framesFrom).map(parseFrameLabel);
    if (options.foldedLines === 'executing') {
      // Functions by name and file; the innermost frame's line is the one that was running.
      const line = frames.at(-1)?.line;
      const frameIds = frames.map(({ name, file }) => builder.internFrame(file !== undefined ? { name, file } : { name }));
      builder.addSample(builder.stackOf(frameIds), parsed.count, { thread: thread.index, ...(line ? { line } : {}) });
      continue;
    }
    builder.addSample(builder.stackOf(frames.map((frame) => builder.internFrame(frame))), parsed.count, { thread: thread.index });
  }
  return builder.build({ source: 'folded' });
}

/**
 * The thread of each line: tsprof writes a recording of several threads with each thread's name as the root
 * frame (thread-names.ts), and those become threads again; lines without one belong to a thread `main`.
 */
function foldedThreads(builder: ProfileBuilder): { of(frames: string[]): { index: number; framesFrom: number } } {
  const byName = new Map<string, number>();
  let main: number | undefined;
  return {
    of(frames) {
      const name = frames[0]!;
      const parsed = frames.length > 1 ? parseThreadName(name) : undefined;
      if (!parsed) return { index: (main ??= builder.addThread({ name: 'main' })), framesFrom: 0 };
      let index = byName.get(name);
      if (index === undefined) byName.set(name, (index = builder.addThread({ name, ...parsed })));
      return { index, framesFrom: 1 };
    },
  };
}

/** The stack and count of one line, or undefined when the line is not folded. */
function parseLine(line: string): { frames: string[]; count: number } | undefined {
  const trimmed = line.trimEnd();
  const split = Math.max(trimmed.lastIndexOf(' '), trimmed.lastIndexOf('\t'));
  if (split <= 0) return undefined;
  const countText = trimmed.slice(split + 1);
  if (!COUNT.test(countText)) return undefined;
  const count = Number(countText);
  if (!Number.isFinite(count)) return undefined;
  const stack = trimmed.slice(0, split).trimEnd();
  if (stack === '') return undefined;
  return { frames: stack.split(';'), count };
}

/**
 * `name (path:line)` becomes {name, file, line}; any other label is just a name. Done by hand rather than
 * with a regular expression so that a pathological megabyte-long label costs linear time.
 */
function parseFrameLabel(label: string): Frame {
  if (label.endsWith(')')) {
    const open = label.lastIndexOf(' (');
    if (open > 0) {
      const location = label.slice(open + 2, -1);
      const colon = location.lastIndexOf(':');
      const lineText = location.slice(colon + 1);
      if (colon > 0 && /^\d{1,9}$/.test(lineText) && Number(lineText) > 0) {
        return { name: label.slice(0, open), file: location.slice(0, colon), line: Number(lineText) };
      }
    }
  }
  return { name: label };
}

function* firstLines(text: string, count: number): Generator<string> {
  let start = 0;
  for (let i = 0; i < count && start < text.length; i++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    yield text.slice(start, end);
    start = end + 1;
  }
}

function preview(line: string): string {
  const printable = line.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > 60 ? `${printable.slice(0, 57)}...` : printable;
}
