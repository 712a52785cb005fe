import { originalPositionFor } from '@jridgewell/trace-mapping';
import { ProfileBuilder, ROOT_STACK } from '../model/builder.js';
import type { Frame, Profile } from '../model/profile.js';
import type { ScriptMaps } from './script-maps.js';

export interface SourceMapResult {
  profile: Profile;
  /** Frames that now name the original source. */
  mapped: number;
  /**
   * Frames that should have been mapped and were left as they were: their script names a map that cannot
   * be read or parsed, or (when recording) it is TypeScript that ran without a map.
   */
  unmapped: number;
}

/**
 * The profile with each frame of compiled code moved to the source it came from: file, line, column, and the
 * original name where the map has one. Frames without a map stay as they are. Two compiled frames that map
 * to one original function become one frame, and their call paths merge.
 */
export function applySourceMaps(profile: Profile, maps: ScriptMaps): SourceMapResult {
  let mapped = 0;
  let unmapped = 0;
  const frames = profile.frames.map((frame): Frame => {
    if (!frame.file || frame.line === undefined) return frame;
    const found = maps.mapFor(frame.file);
    if ('status' in found) {
      if (found.status === 'declared-missing') unmapped++;
      return frame;
    }
    const original = originalPositionFor(found.map, { line: frame.line, column: Math.max(0, (frame.col ?? 1) - 1) });
    // Code the map says nothing about (a module wrapper, a bundler's helper) has no source to show.
    if (original.source === null) return frame;
    mapped++;
    return { name: original.name ?? frame.name, file: original.source, line: original.line, col: original.column + 1 };
  });
  if (mapped === 0) return { profile, mapped, unmapped };
  return { profile: rebuild(profile, frames), mapped, unmapped };
}

/** The same samples over the new frames, interned again so that frames that became equal are one. */
function rebuild(profile: Profile, frames: readonly Frame[]): Profile {
  const builder = new ProfileBuilder(profile.unit);
  const frameId = frames.map((frame) => builder.internFrame(frame));
  for (const thread of profile.threads) builder.addThread(thread);
  // Stacks are stored parents first, so each new prefix exists before its children need it.
  const { prefix, frame, length } = profile.stacks;
  const newStack = new Int32Array(length);
  for (let s = 0; s < length; s++) {
    newStack[s] = builder.childStack(prefix[s] === -1 ? ROOT_STACK : newStack[prefix[s]!]!, frameId[frame[s]!]!);
  }
  const { stack, weight, time, thread, objects } = profile.samples;
  for (let i = 0; i < profile.samples.length; i++) {
    builder.addSample(newStack[stack[i]!]!, weight[i]!, {
      thread: thread[i]!,
      ...(time ? { time: time[i]! } : {}),
      ...(objects ? { objects: objects[i]! } : {}),
    });
  }
  return builder.build(profile.meta);
}
