import { ProfileBuilder, ROOT_STACK } from '../model/builder.js';
import { sampledObjectSize } from '../model/sampling.js';
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
   * The sampling interval the profile was taken at, when the caller knows it (a file does not say): with it,
   * each node's objects are estimated from its sampled objects.
   */
  intervalBytes?: number;
  /**
   * Frames of the profiler's own work (tsprof in the profiled process): such a node and everything under it
   * are left out, so that neither its frames nor its bytes show up among the program's.
   */
  isOwnFrame?: (callFrame: { functionName: string; url: string }) => boolean;
  source?: string;
}

export function importHeapprofile(json: unknown, options: HeapprofileOptions = {}): Profile {
  const builder = new ProfileBuilder('bytes');
  appendHeapprofile(builder, json, options);
  return builder.build({
    source: options.source ?? 'heapprofile',
    ...(options.heap ? { heap: options.heap } : {}),
    ...(options.intervalBytes !== undefined ? { heapIntervalBytes: options.intervalBytes } : {}),
  });
}

/**
 * Adds a heap profile's nodes to `builder` (a bytes profile), under thread `thread`: one sample per node
 * that allocated, weighing its bytes, with the objects they stand for when the sampled objects are known.
 */
export function appendHeapprofile(builder: ProfileBuilder, json: unknown, options: HeapprofileOptions & { thread?: number } = {}): void {
  const profile = expectObject(unwrap(json), 'the profile');
  const head = expectObject(profile.head, '"head"');
  const objectsOfNode = sampledObjectsByNode(profile, options.intervalBytes);
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
    if (selfSize > Number.MAX_SAFE_INTEGER) throw new ProfileFormatError(`${what} "selfSize" is beyond 2^53 bytes`);
    if (selfSize > 0) {
      const objects = objectsOfNode?.get(node.id) ?? (objectsOfNode ? 0 : undefined);
      builder.addSample(stack, selfSize, { thread: options.thread ?? 0, ...(objects !== undefined ? { objects } : {}) });
    }
    enqueueChildren(node, stack, what);
  }
}

/**
 * The objects each node's bytes stand for, by node id, from its sampled objects (`samples`; tsprof's agent
 * writes one entry per node and size, with a `count`): each sample reports its object's size scaled up, as
 * the node's bytes are; its count is those bytes over the object's size. Undefined when the profile lists no
 * sampled objects or the interval is not known (a file's sizes may not be V8's: tsprof writes one per node).
 */
function sampledObjectsByNode(profile: JsonObject, interval: number | undefined): Map<unknown, number> | undefined {
  const entries = profile.samples === undefined ? [] : expectArray(profile.samples, '"samples"');
  if (entries.length === 0 || interval === undefined) return undefined;
  const sampled = entries.map((entry, i) => {
    const sample = expectObject(entry, `sample ${i}`);
    const size = expectFinite(sample.size, `sample ${i} "size"`);
    const count = sample.count === undefined ? 1 : expectFinite(sample.count, `sample ${i} "count"`);
    if (size < 0 || count < 0) throw new ProfileFormatError(`sample ${i}: "size" and "count" must not be negative`);
    return { nodeId: sample.nodeId, size, count };
  });
  // Per node: its bytes over the mean size of its sampled objects (a mean, so that the error of each size's
  // estimate averages out over the node's samples).
  const byNode = new Map<unknown, { bytes: number; sizes: number; count: number }>();
  for (const { nodeId, size, count } of sampled) {
    const node = byNode.get(nodeId) ?? { bytes: 0, sizes: 0, count: 0 };
    node.bytes += count * size;
    node.sizes += count * sampledObjectSize(size, interval);
    node.count += count;
    byNode.set(nodeId, node);
  }
  const objects = new Map<unknown, number>();
  for (const [nodeId, node] of byNode) objects.set(nodeId, node.sizes > 0 ? (node.bytes * node.count) / node.sizes : 0);
  return objects;
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
