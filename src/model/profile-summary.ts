import type { Profile } from './profile.js';
import { totalWeight } from './profile.js';
import { sampleDurationsUs } from './sample-durations.js';
import { counted, formatCount } from './format-count.js';
import { formatBytes } from './weights.js';

/** Facts about a profile for a title line or a summary: when, how long, how many samples, at what rate. */
export interface ProfileSummary {
  sampleCount: number;
  durationUs?: number;
  rateHz?: number;
  facts: string[];
}

/**
 * `recordedAt` stands in for the start time when the profile has none (a `.cpuprofile` has no wall clock):
 * the CLI passes the input file's modification time.
 */
export function describeProfile(profile: Profile, recordedAt?: Date): ProfileSummary {
  // Folded and hit-count profiles carry counts as weights; every other sample stands for one.
  const sampleCount = profile.unit === 'samples' ? Math.round(totalWeight(profile)) : profile.samples.length;
  const durationUs = profile.meta.durationUs;
  const rateHz = achievedRateHz(profile);
  const facts: string[] = [];
  const date = profile.meta.startTime !== undefined ? new Date(profile.meta.startTime) : recordedAt;
  if (date) facts.push(`${date.toISOString().replace('T', ' ').slice(0, 16)} UTC`);
  if (durationUs !== undefined) facts.push(formatDuration(durationUs));
  if (profile.unit === 'samples') facts.push(counted(sampleCount, 'sample'));
  else if (profile.unit === 'bytes') facts.push(`${formatBytes(totalWeight(profile))} in sampled allocations`);
  else facts.push(`${formatCount(profile.samples.length)} samples (${profile.unit})`);
  if (rateHz !== undefined) facts.push(`${formatCount(rateHz)} Hz`);
  if (profile.threads.length > 1) {
    const processes = new Set(profile.threads.map((thread) => thread.pid).filter((pid) => pid !== undefined)).size;
    facts.push(processes > 1 ? `${counted(processes, 'process', 'processes')}, ${profile.threads.length} threads` : `${profile.threads.length} threads`);
  }
  return { sampleCount, facts, ...(durationUs !== undefined ? { durationUs } : {}), ...(rateHz !== undefined ? { rateHz } : {}) };
}

/**
 * The sampling rate a profile achieved: samples per second of the time they stand for, over every thread
 * (each thread samples on its own, so N threads at 500 Hz achieve 500 Hz, not N x 500). A sample stands for
 * the time to the next one of its thread, at most a few intervals (sampleDurationsUs): time the thread spent
 * idle, with its samples left out, does not count. The one definition of "achieved rate" in tsprof: the
 * record summary, `report`, the page and `diff` all show this figure. Without timestamps, the interval the
 * source states, if any.
 */
export function achievedRateHz(profile: Profile): number | undefined {
  const durations = sampleDurationsUs(profile);
  if (durations && durations.length > 0) {
    let busyUs = 0;
    for (const d of durations) busyUs += d;
    return busyUs > 0 ? (totalWeight(profile) / busyUs) * 1e6 : undefined;
  }
  return profile.meta.intervalUs ? 1e6 / profile.meta.intervalUs : undefined;
}

function formatDuration(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(1)} ms`;
  if (us < 600e6) return `${(us / 1e6).toFixed(2)} s`;
  return `${Math.floor(us / 60e6)} min ${Math.round((us % 60e6) / 1e6)} s`;
}
