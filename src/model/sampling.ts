/**
 * The sampling facts every way of profiling shares (record, record --pid, top, the continuous agent): one
 * place, so that a rate means the same interval everywhere.
 */

/** Samples per second when none is asked for: 2 ms between samples, as `--cpu-prof-interval 2000`. */
export const DEFAULT_RATE_HZ = 500;

/**
 * The most samples per second tsprof asks V8 for. V8's sampler thread wakes every interval; above this its
 * own work takes a measurable share of the machine and the rate it achieves falls away from the one asked.
 */
export const MAX_RATE_HZ = 10_000;

/** V8's sampling interval for `rateHz` samples per second, in whole microseconds (clamped to MAX_RATE_HZ). */
export function samplingIntervalUs(rateHz: number): number {
  return Math.round(1e6 / Math.min(rateHz, MAX_RATE_HZ));
}

/**
 * How often a recorded thread hands over what it sampled (a chunk): the most of a thread's profile lost when
 * it is killed without warning (the preload cuts its first chunks sooner, in a thread's first 2 s).
 */
export const FLUSH_MS = 2000;

/** The chunk interval of `top`'s agents: its view is at most about a second behind. */
export const LIVE_FLUSH_MS = 1000;
