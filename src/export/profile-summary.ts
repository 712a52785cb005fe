import type { Profile } from '../model/profile.js';
import { totalWeight } from '../model/profile.js';

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
  // The sampling interval when the source states it (per thread: several threads sample side by side), else
  // samples over time.
  const rateHz = profile.meta.intervalUs ? 1e6 / profile.meta.intervalUs : durationUs && profile.unit === 'samples' ? (sampleCount / durationUs) * 1e6 : undefined;
  const facts: string[] = [];
  const date = profile.meta.startTime !== undefined ? new Date(profile.meta.startTime) : recordedAt;
  if (date) facts.push(`${date.toISOString().replace('T', ' ').slice(0, 16)} UTC`);
  if (durationUs !== undefined) facts.push(formatDuration(durationUs));
  facts.push(profile.unit === 'samples' ? `${sampleCount.toLocaleString('en-US')} samples` : `${profile.samples.length.toLocaleString('en-US')} samples (${profile.unit})`);
  if (rateHz !== undefined) facts.push(`${Math.round(rateHz).toLocaleString('en-US')} Hz`);
  if (profile.threads.length > 1) facts.push(`${profile.threads.length} threads`);
  return { sampleCount, facts, ...(durationUs !== undefined ? { durationUs } : {}), ...(rateHz !== undefined ? { rateHz } : {}) };
}

function formatDuration(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(1)} ms`;
  if (us < 600e6) return `${(us / 1e6).toFixed(2)} s`;
  return `${Math.floor(us / 60e6)} min ${Math.round((us % 60e6) / 1e6)} s`;
}
