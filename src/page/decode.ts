/**
 * The page's profile, decoded from the JSON block into typed arrays, with what every view needs derived once:
 * each stack's children, its thread, and whether it is the outermost call of its function on its path (so a
 * recursive function's total counts each sample once, as `tsprof report` counts it).
 */
import type { PageData, PageFrameKind, PageProfile } from '../export/page-data.js';
import { decodeVarints, undoDeltas } from '../export/page-encoding.js';
import { outermostCalls, stackChildren } from '../model/stack-tree.js';

export interface DecodedProfile {
  functionName: string[];
  /** '' when the function has no file. */
  functionLocation: string[];
  functionKind: PageFrameKind[];
  stackCount: number;
  /** The caller's stack, -1 at a root. Callers come before the stacks they call. */
  prefix: Int32Array;
  stackFunction: Uint32Array;
  /** Children of stack s: childList[childStart[s] .. childStart[s + 1]); roots are the children of `stackCount`. */
  childStart: Uint32Array;
  childList: Uint32Array;
  /** 1 where the stack's function does not occur among its callers. */
  outermost: Uint8Array;
  /** The thread index of each stack. */
  stackThread: Uint32Array;
  sampleCount: number;
  sampleStack: Uint32Array;
  /** null when every sample weighs 1. */
  sampleWeight: Float64Array | null;
  /** Microseconds since the start; null without timestamps. */
  sampleTime: Float64Array | null;
  threads: PageProfile['threads'];
  /** The garbage collector, drawn apart on the time track, and V8's idle pseudo-function, left out of it. */
  isGc: Uint8Array;
  isIdle: Uint8Array;
}

export function decodeProfile(data: PageData, profile: PageProfile, fromBase64: (text: string) => Uint8Array): DecodedProfile {
  const text = (index: number) => (index >= 0 ? data.strings[index]! : '');
  const functionName = profile.functions.name.map(text);
  const stackCount = profile.stacks.count;
  const back = decodeVarints(fromBase64(profile.stacks.prefix), stackCount);
  const prefix = new Int32Array(stackCount);
  for (let s = 0; s < stackCount; s++) prefix[s] = back[s] === 0 ? -1 : s - back[s]!;
  const stackFunction = Uint32Array.from(decodeVarints(fromBase64(profile.stacks.function), stackCount));

  const tree = stackChildren(prefix);
  const { childStart, children: childList } = tree;

  const stackThread = new Uint32Array(stackCount);
  const threadOfRoot = new Map(profile.threads.map((thread, index) => [thread.root, index]));
  for (let s = 0; s < stackCount; s++) stackThread[s] = prefix[s] === -1 ? (threadOfRoot.get(s) ?? 0) : stackThread[prefix[s]!]!;

  const { count } = profile.samples;
  const weight = profile.samples.weight;
  return {
    functionName,
    functionLocation: profile.functions.location.map(text),
    functionKind: profile.functions.kind,
    stackCount,
    prefix,
    stackFunction,
    childStart,
    childList,
    outermost: outermostCalls(prefix, stackFunction, functionName.length, tree),
    stackThread,
    sampleCount: count,
    sampleStack: Uint32Array.from(decodeVarints(fromBase64(profile.samples.stack), count)),
    sampleWeight: weight === null ? null : typeof weight === 'string' ? decodeVarints(fromBase64(weight), count) : Float64Array.from(weight),
    sampleTime: profile.samples.time === null ? null : undoDeltas(decodeVarints(fromBase64(profile.samples.time), count)),
    threads: profile.threads,
    isGc: engineFunctions(functionName, profile.functions.kind, '(garbage collector)'),
    isIdle: engineFunctions(functionName, profile.functions.kind, '(idle)'),
  };
}

function engineFunctions(names: string[], kinds: PageFrameKind[], name: string): Uint8Array {
  return Uint8Array.from(names, (n, fn) => (n === name && kinds[fn] === 'engine' ? 1 : 0));
}

/** Browser base64 to bytes. */
export function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
