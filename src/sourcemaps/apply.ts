import { decodedMappings, originalPositionFor, type TraceMap } from '@jridgewell/trace-mapping';
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
  // The map of each frame that moved, for the executing lines of its samples.
  const mapOfFrame = new Map<number, TraceMap>();
  const frames = profile.frames.map((frame, frameId): Frame => {
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
    mapOfFrame.set(frameId, found.map);
    return { name: original.name ?? frame.name, file: original.source, line: original.line, col: original.column + 1 };
  });
  if (mapped === 0) return { profile, mapped, unmapped };
  return { profile: rebuild(profile, frames, executingLineMapper(frames, mapOfFrame)), mapped, unmapped };
}

/**
 * A sample's executing line in its frame's original source. V8 gives the compiled line, not the column, so
 * the compiled line must map to one line of the frame's own source file; where it maps to several (code
 * compiled with its whitespace minified, as tsx's esbuild transform does, puts a whole function on one line)
 * the line is not known: 0. Lines of frames that did not move stay as they are.
 */
function executingLineMapper(frames: readonly Frame[], mapOfFrame: ReadonlyMap<number, TraceMap>): (frameId: number, line: number) => number {
  const cache = new Map<string, number>();
  return (frameId, line) => {
    const map = mapOfFrame.get(frameId);
    if (!map) return line;
    const key = `${frameId}:${line}`;
    let mappedLine = cache.get(key);
    if (mappedLine === undefined) {
      mappedLine = onlyOriginalLine(map, line, frames[frameId]!.file);
      cache.set(key, mappedLine);
    }
    return mappedLine;
  };
}

/** The one line of `source` that compiled line `line` (1-based) maps to; 0 for none, or for more than one. */
function onlyOriginalLine(map: TraceMap, line: number, source: string | undefined): number {
  const segments = decodedMappings(map)[line - 1] ?? [];
  let found = 0;
  for (const segment of segments) {
    if (segment.length < 4 || map.resolvedSources[segment[1]!] !== source) continue;
    const originalLine = segment[2]! + 1;
    if (found !== 0 && found !== originalLine) return 0;
    found = originalLine;
  }
  return found;
}

/** The same samples over the new frames, interned again so that frames that became equal are one. */
function rebuild(profile: Profile, frames: readonly Frame[], lineOf: (frameId: number, line: number) => number): Profile {
  const builder = new ProfileBuilder(profile.unit);
  const frameId = frames.map((frame) => builder.internFrame(frame));
  for (const thread of profile.threads) builder.addThread(thread);
  // Stacks are stored parents first, so each new prefix exists before its children need it.
  const { prefix, frame, length } = profile.stacks;
  const newStack = new Int32Array(length);
  for (let s = 0; s < length; s++) {
    newStack[s] = builder.childStack(prefix[s] === -1 ? ROOT_STACK : newStack[prefix[s]!]!, frameId[frame[s]!]!);
  }
  const { stack, weight, time, thread, objects, line } = profile.samples;
  for (let i = 0; i < profile.samples.length; i++) {
    const executing = line?.[i] ? lineOf(frame[stack[i]!]!, line[i]!) : 0;
    builder.addSample(newStack[stack[i]!]!, weight[i]!, {
      thread: thread[i]!,
      ...(time ? { time: time[i]! } : {}),
      ...(objects ? { objects: objects[i]! } : {}),
      ...(executing ? { line: executing } : {}),
    });
  }
  return builder.build(profile.meta);
}
