import type { Profile } from '../model/profile.js';

/**
 * How long each sample stood for, in microseconds, from its timestamp to the next one's in the same thread.
 * The last sample of a thread gets the sampling interval (stated, or the thread's median gap). Undefined when
 * the profile has no timestamps or its weights are not sample counts.
 */
export function sampleDurationsUs(profile: Profile): Float64Array | undefined {
  const { time, thread, length } = profile.samples;
  if (!time || profile.unit !== 'samples') return undefined;
  const durations = new Float64Array(length);
  const lastIndexOfThread = new Map<number, number>();
  const gaps: number[] = [];
  for (let i = 0; i < length; i++) {
    const previous = lastIndexOfThread.get(thread[i]!);
    if (previous !== undefined) {
      const gap = Math.max(0, time[i]! - time[previous]!);
      durations[previous] = gap;
      gaps.push(gap);
    }
    lastIndexOfThread.set(thread[i]!, i);
  }
  const fallback = profile.meta.intervalUs ?? median(gaps) ?? 1000;
  for (const last of lastIndexOfThread.values()) durations[last] = fallback;
  return durations;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
