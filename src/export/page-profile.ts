import { frameKind, frameLocation, frameName } from '../model/frame-display.js';
import type { Profile } from '../model/profile.js';
import { stackValues } from '../model/stack-walk.js';
import { deltas, encodeVarints, MAX_VARINT } from './page-encoding.js';
import type { PageFrameKind, PageProfile } from './page-data.js';

/**
 * The whole profile in the page's compact form (see PageProfile): functions, a stack table whose roots are
 * the threads when there are several, and every sample with its weight and time.
 */
export function pageProfile(profile: Profile, cwd: string, intern: (text: string) => number): PageProfile {
  const functions = { name: [] as number[], location: [] as number[], kind: [] as PageFrameKind[] };
  for (const frame of profile.frames) {
    functions.name.push(intern(frameName(frame)));
    const location = frameLocation(frame, cwd);
    functions.location.push(location ? intern(location) : -1);
    functions.kind.push(frameKind(frame));
  }

  const prefix: number[] = [];
  const functionOf: number[] = [];
  const addStack = (caller: number, fn: number) => {
    prefix.push(caller);
    functionOf.push(fn);
    return prefix.length - 1;
  };
  const threadRoots = profile.threads.length > 1;
  const threads = profile.threads.map((info, index) => {
    let root = -1;
    if (threadRoots) {
      const fn = functions.name.length;
      functions.name.push(intern(info.name || `thread ${index}`));
      functions.location.push(-1);
      functions.kind.push('thread');
      root = addStack(-1, fn);
    }
    return { name: info.name, pid: info.pid ?? null, root };
  });
  // Each thread's stacks, created on first use along their path: a caller always gets its id first.
  const stackOf = threads.map((thread) => stackValues(profile.stacks, thread.root, (caller, id) => addStack(caller, profile.stacks.frame[id]!)));

  const { samples } = profile;
  const sampleStack = new Array<number>(samples.length);
  for (let i = 0; i < samples.length; i++) sampleStack[i] = stackOf[samples.thread[i]!]!(samples.stack[i]!);
  let integerWeights = true;
  let unitWeights = true;
  for (const w of samples.weight) {
    if (w !== 1) unitWeights = false;
    if (!Number.isInteger(w) || w < 0 || w > MAX_VARINT) integerWeights = false;
  }
  let weight: string | number[] | null = null;
  if (!unitWeights) weight = integerWeights ? base64(encodeVarints(samples.weight)) : Array.from(samples.weight);
  const time = samples.time && timesFit(samples.time) ? base64(encodeVarints(deltas(Array.from(samples.time, Math.round)))) : null;

  return {
    functions,
    stacks: {
      count: prefix.length,
      prefix: base64(encodeVarints(prefix.map((caller, s) => (caller === -1 ? 0 : s - caller)))),
      function: base64(encodeVarints(functionOf)),
    },
    samples: { count: samples.length, stack: base64(encodeVarints(sampleStack)), weight, time },
    threads,
  };
}

/** Whether times can travel as varint deltas: finite, and small enough that a difference of two is exact. */
function timesFit(times: Float64Array): boolean {
  for (const t of times) if (!(Math.abs(t) < MAX_VARINT / 4)) return false;
  return true;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
