import type { Profile } from '../model/profile.js';
import { formatCount } from '../model/format-count.js';

/**
 * Folded text, pprof and speedscope write every sampled stack out in full, so their size grows with the
 * number of distinct stacks times their depth: a deep recursion sampled at every depth (50,000 frames) asks
 * for billions of frames from a file of a few MB. Past this many frames in all, they are refused in one line;
 * `.cpuprofile` and the HTML page hold the call tree once and are not limited.
 */
export const MAX_FRAMES_WRITTEN = 100_000_000;

/** An output that would be too large to write (see MAX_FRAMES_WRITTEN): the user's to choose another format. */
export class OutputTooLargeError extends Error {}

/** Throws OutputTooLargeError when writing every sampled stack of `profile` in full would pass the limit. */
export function checkStacksWritten(profile: Profile, format: string): void {
  const { prefix, length } = profile.stacks;
  // A prefix is always created before the stacks that extend it, so one pass in id order finds every depth.
  const depth = new Uint32Array(length);
  for (let s = 0; s < length; s++) depth[s] = prefix[s] === -1 ? 1 : depth[prefix[s]!]! + 1;
  const sampled = new Set(profile.samples.stack);
  let frames = 0;
  let deepest = 0;
  for (const s of sampled) {
    frames += depth[s]!;
    deepest = Math.max(deepest, depth[s]!);
  }
  if (frames > MAX_FRAMES_WRITTEN) {
    throw new OutputTooLargeError(
      `${format} output would hold ${formatCount(frames)} frames (${formatCount(sampled.size)} sampled stacks, up to ${formatCount(deepest)} deep); ` +
        `write .cpuprofile or the HTML page, which hold the call tree once`,
    );
  }
}
