import { TraceMap } from '@jridgewell/trace-mapping';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readBounded, withRegularFile } from '../files/untrusted-file.js';
import { isTsprofCode } from '../model/own-code.js';
import { fileURLToPath } from 'node:url';

/**
 * The source map of each script a profile names, found once and kept: one parsed map per script, whatever
 * the number of frames in it.
 *
 * Where a map comes from, first found wins:
 * 1. maps captured inside the profiled process (`module.findSourceMap`): the only way to map code that a
 *    loader such as tsx transformed in memory, where the file on disk is the TypeScript source itself;
 * 2. the script on disk: its last `//# sourceMappingURL=` comment, an inline `data:` map or a file next to it.
 */

/** What is known about one script's map. `declared-missing`: it names a map that cannot be read or parsed. */
export type ScriptMap = { map: TraceMap } | { status: 'none' | 'declared-missing' };

/** Installed packages, whose missing maps the user cannot fix. */
const DEPENDENCY = /[\\/]node_modules[\\/]/;

/** TypeScript sources: run without a map, their line numbers are those of code the user never saw. */
const TYPESCRIPT = /\.(c|m)?tsx?$/i;

export class ScriptMaps {
  private readonly cache = new Map<string, ScriptMap>();

  /**
   * `captured`: raw source maps (the JSON objects) by script URL, as the agent found them at run time; null
   * for a TypeScript script that Node ran by stripping its types, which needs none.
   * `typescriptNeedsMap`: a TypeScript script without a map is a missing map (true when recording: the code
   * that ran was transformed; false for an imported profile, which may already name the sources).
   */
  constructor(
    private readonly captured: ReadonlyMap<string, unknown> = new Map(),
    private readonly typescriptNeedsMap = false,
  ) {}

  mapFor(script: string): ScriptMap {
    let found = this.cache.get(script);
    if (!found) {
      found = this.find(script);
      this.cache.set(script, found);
    }
    return found;
  }

  private find(script: string): ScriptMap {
    const payload = this.captured.get(script);
    // null: TypeScript that Node ran itself, with the lines and columns of its source.
    if (payload === null) return { status: 'none' };
    if (payload !== undefined) return parse(payload, script) ?? { status: 'declared-missing' };
    const path = scriptPath(script);
    // tsprof's own compiled code stays as it ran: its sources are not shipped, and the summary counts only
    // the user's frames.
    if (!path || isTsprofCode(path)) return { status: 'none' };
    const tail = scriptTail(path);
    if (tail === undefined) return this.withoutMap(path);
    const url = lastSourceMappingUrl(tail);
    if (!url) return this.withoutMap(path);
    const found = this.fromComment(url, path);
    // A dependency that names a map it does not ship (TypeScript's own _tsc.js does) is nothing the user
    // can fix: its frames stay as they ran, without a warning. The program's own files are warned about.
    return 'status' in found && DEPENDENCY.test(path) ? { status: 'none' } : found;
  }

  /** The map a script's `sourceMappingURL` comment names: inline, a file URL, or a path beside the script. */
  private fromComment(url: string, path: string): ScriptMap {
    if (url.startsWith('data:')) return parse(decodeDataUrl(url), path) ?? { status: 'declared-missing' };
    const mapPath = url.startsWith('file://') ? safeFileURLToPath(url) : resolve(dirname(path), decodeURIComponentSafe(url));
    if (!mapPath) return { status: 'declared-missing' };
    const text = withRegularFile(mapPath, (fd) => readBounded(fd, MAX_SCRIPT_BYTES))?.toString('utf8');
    return (text !== undefined ? parse(text, mapPath) : undefined) ?? { status: 'declared-missing' };
  }

  private withoutMap(path: string): ScriptMap {
    return { status: this.typescriptNeedsMap && TYPESCRIPT.test(path) ? 'declared-missing' : 'none' };
  }
}

/** The file a V8 script URL names, or undefined for `node:` built-ins, eval code and other URLs. */
function scriptPath(script: string): string | undefined {
  if (script.startsWith('file://')) return safeFileURLToPath(script);
  return isAbsolute(script) ? script : undefined;
}

/** How much of a script's end is read for its map comment: a large bundle is not read whole to find it. */
const TAIL_BYTES = 256 * 1024;
/** The most of a script, or of a map, that is read at all. */
const MAX_SCRIPT_BYTES = 256 * 1024 * 1024;

/**
 * The end of a script, from the start of a line: its last TAIL_BYTES, or all of it when they begin inside a
 * line that may be an inline map longer than that (a data: URL's characters only, or no line break at all).
 */
function scriptTail(path: string): string | undefined {
  return withRegularFile(path, (fd, size) => {
    const whole = () => readBounded(fd, MAX_SCRIPT_BYTES)?.toString('utf8');
    if (size <= TAIL_BYTES) return whole();
    const tail = readBounded(fd, TAIL_BYTES, size - TAIL_BYTES)?.toString('utf8') ?? '';
    const firstBreak = tail.indexOf('\n');
    if (firstBreak === -1 || /^[\w+/=%;,:.-]*$/.test(tail.slice(0, firstBreak))) return whole();
    return tail.slice(firstBreak + 1);
  });
}

/**
 * The last `//# sourceMappingURL=` (or the old `//@`) comment of a script (or of its tail): by convention the
 * map's address is the last one, and a bundle may contain other modules' comments before it.
 */
export function lastSourceMappingUrl(text: string): string | undefined {
  const pattern = /\/\/[#@][ \t]+sourceMappingURL=[ \t]*([^\s'"]+)[ \t]*$/gm;
  let last: string | undefined;
  for (const match of text.matchAll(pattern)) last = match[1];
  return last;
}

function decodeDataUrl(url: string): string | undefined {
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const header = url.slice(5, comma);
  const body = url.slice(comma + 1);
  try {
    return header.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
  } catch {
    return undefined;
  }
}

/** A TraceMap, or undefined when the map is not one trace-mapping can read (a broken map is never an error). */
function parse(map: unknown, mapUrl: string): { map: TraceMap } | undefined {
  if (map === undefined) return undefined;
  try {
    return { map: new TraceMap(map as ConstructorParameters<typeof TraceMap>[0], mapUrl) };
  } catch {
    return undefined;
  }
}

function safeFileURLToPath(url: string): string | undefined {
  try {
    return fileURLToPath(url);
  } catch {
    return undefined;
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
