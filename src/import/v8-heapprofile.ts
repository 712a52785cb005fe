import { ProfileBuilder, ROOT_STACK } from '../model/builder.js';
import type { Frame, Profile } from '../model/profile.js';
import { ProfileFormatError } from './format-error.js';
import { expectArray, expectFinite, expectObject, isObject, MAX_POSITION, optionalString, type JsonObject } from './json-checks.js';

/**
 * V8's sampling heap profile (`.heapprofile`), as written by `node --heap-prof`, Chrome DevTools' "Allocation
 * sampling" and the inspector's `HeapProfiler.stopSampling` (whose `{ profile }` wrapper is accepted too): a
 * call tree whose nodes carry `selfSize`, the bytes V8 estimates were allocated there (each sampled object
 * scaled up for the allocations the sampling skipped), and `samples`, the sampled objects themselves. The
 * profile's weights are those bytes, per node, as DevTools shows them. Lines and columns become 1-based.
 */

export function looksLikeHeapprofile(json: unknown): boolean {
  const profile = unwrap(json);
  return isObject(profile) && isObject(profile.head) && 'selfSize' in profile.head;
}

function unwrap(json: unknown): unknown {
  return isObject(json) && isObject(json.profile) && !('head' in json) ? json.profile : json;
}

export interface HeapprofileOptions {
  /** What the bytes are, when the caller knows (a file does not say). */
  heap?: 'allocated' | 'inuse';
  /**
   * Frames of the profiler's own work (tsprof in the profiled process): such a node and everything under it
   * are left out, so that neither its frames nor its bytes show up among the program's.
   */
  isOwnFrame?: (callFrame: { functionName: string; url: string }) => boolean;
  source?: string;
}

export function importHeapprofile(json: unknown, options: HeapprofileOptions = {}): Profile {
  const profile = expectObject(unwrap(json), 'the profile');
  const builder = new ProfileBuilder('bytes');
  const head = expectObject(profile.head, '"head"');
  // Depth first without recursion (a node can be thousands deep); the root `(root)` is no frame.
  const pending: [JsonObject, number][] = [];
  const seen = new Set<unknown>();
  const enqueueChildren = (node: JsonObject, stack: number, what: string) => {
    const children = node.children === undefined ? [] : expectArray(node.children, `${what} "children"`);
    children.forEach((child, i) => {
      const object = expectObject(child, `${what} child ${i}`);
      if (seen.has(object)) throw new ProfileFormatError(`${what} child ${i} appears twice in the tree`);
      seen.add(object);
      pending.push([object, stack]);
    });
  };
  enqueueChildren(head, ROOT_STACK, '"head"');
  let nodes = 0;
  while (pending.length > 0) {
    const [node, caller] = pending.pop()!;
    const what = `node ${nodes++}`;
    const frame = readFrame(node, what);
    if (options.isOwnFrame?.({ functionName: frame.name, url: frame.file ?? '' })) continue;
    const stack = builder.childStack(caller, builder.internFrame(frame));
    const selfSize = node.selfSize === undefined ? 0 : expectFinite(node.selfSize, `${what} "selfSize"`);
    if (selfSize < 0) throw new ProfileFormatError(`${what} "selfSize" must not be negative`);
    if (selfSize > 0) builder.addSample(stack, selfSize);
    enqueueChildren(node, stack, what);
  }
  if (profile.samples !== undefined) expectArray(profile.samples, '"samples"');
  return builder.build({ source: options.source ?? 'heapprofile', ...(options.heap ? { heap: options.heap } : {}) });
}

function readFrame(node: JsonObject, what: string): Frame {
  const callFrame = expectObject(node.callFrame, `${what} "callFrame"`);
  const name = optionalString(callFrame.functionName, `${what} "functionName"`) ?? '';
  const url = optionalString(callFrame.url, `${what} "url"`) ?? '';
  const position = (value: unknown, field: string) => {
    if (value === undefined || value === -1) return undefined;
    const number = expectFinite(value, `${what} "${field}"`);
    return Number.isInteger(number) && number >= 0 && number < MAX_POSITION ? number + 1 : undefined;
  };
  const line = position(callFrame.lineNumber, 'lineNumber');
  const col = position(callFrame.columnNumber, 'columnNumber');
  return { name, ...(url ? { file: url } : {}), ...(line !== undefined ? { line } : {}), ...(col !== undefined ? { col } : {}) };
}
