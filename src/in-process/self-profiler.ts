import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProfileBuilder } from '../model/builder.js';
import { appendCpuprofile } from '../import/v8-cpuprofile.js';
import { isTsprofCode } from '../model/own-code.js';
import type { Profile } from '../model/profile.js';
import { SERVICE_RATE_HZ, samplingIntervalUs } from '../model/sampling.js';

/**
 * Profiles the thread it runs in for a while, from inside the process: an inspector session of its own on
 * V8's CPU profiler (no port is opened). What the HTTP handler and the agent use. One profile at a time per
 * thread; a second request while one runs is refused rather than queued.
 */

export class ProfileInProgressError extends Error {
  constructor() {
    super('a profile is already being taken in this thread');
  }
}

let running = false;

export interface SelfProfileOptions {
  seconds: number;
  /** Samples per second. Default SERVICE_RATE_HZ (100, as Go's pprof). */
  rate?: number;
  /** Ends the profile early (the samples so far are kept). */
  signal?: AbortSignal;
}

export async function profileSelf(options: SelfProfileOptions): Promise<Profile> {
  if (running) throw new ProfileInProgressError();
  running = true;
  const session = new Session();
  const startTime = Date.now();
  try {
    session.connect();
    await session.post('Profiler.enable');
    const intervalUs = samplingIntervalUs(options.rate ?? SERVICE_RATE_HZ);
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    try {
      await sleep(options.seconds * 1000, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      // aborted: keep what was sampled
    }
    const { profile } = (await session.post('Profiler.stop')) as { profile: unknown };
    const builder = new ProfileBuilder('samples');
    // The request handler and the agent run in the profiled thread: their own frames are left out.
    const appended = appendCpuprofile(builder, profile, { keepIdle: false, isOwnFrame: (frame) => isTsprofCode(frame.url) });
    return builder.build({
      source: 'tsprof (in process)',
      startTime,
      intervalUs,
      ...(appended.durationUs !== undefined ? { durationUs: appended.durationUs } : {}),
      pid: process.pid,
    });
  } finally {
    session.disconnect();
    running = false;
  }
}
