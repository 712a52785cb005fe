import { SPEEDSCOPE_SCHEMA_URL } from '../import/speedscope.js';
import { frameName } from '../model/frame-display.js';
import type { Profile } from '../model/profile.js';
import { stackFrameIds } from '../model/profile.js';
import { sampleDurationsUs } from '../model/sample-durations.js';
import { checkStacksWritten } from './output-size.js';
import { TSPROF_VERSION } from '../version.js';

/**
 * speedscope's JSON file format: one `sampled` profile per thread, samples in time order. Weights are
 * microseconds where the profile has timestamps or time weights, sample counts (`none`) otherwise.
 * Consecutive samples of the same stack are merged, as speedscope itself does on import.
 */
export function toSpeedscope(profile: Profile, options: { name?: string } = {}): string {
  checkStacksWritten(profile, 'speedscope');
  const frames = profile.frames.map((frame) => ({
    name: frameName(frame),
    ...(frame.file !== undefined ? { file: frame.file } : {}),
    ...(frame.line !== undefined ? { line: frame.line } : {}),
    ...(frame.col !== undefined ? { col: frame.col } : {}),
  }));
  const durations = sampleDurationsUs(profile);
  const unit = durations || profile.unit === 'microseconds' ? 'microseconds' : profile.unit === 'bytes' ? 'bytes' : 'none';
  const { stack, weight, thread, length } = profile.samples;
  const framesOfStack = new Map<number, number[]>();
  const stackFrames = (stackId: number) => {
    let ids = framesOfStack.get(stackId);
    if (!ids) framesOfStack.set(stackId, (ids = stackFrameIds(profile, stackId)));
    return ids;
  };

  const profiles = profile.threads.map((info, threadIndex) => {
    const samples: number[][] = [];
    const weights: number[] = [];
    let previousStack = -1;
    for (let i = 0; i < length; i++) {
      if (thread[i] !== threadIndex) continue;
      const w = durations ? durations[i]! : weight[i]!;
      if (stack[i] === previousStack) {
        weights[weights.length - 1]! += w;
      } else {
        samples.push(stackFrames(stack[i]!));
        weights.push(w);
        previousStack = stack[i]!;
      }
    }
    const endValue = weights.reduce((sum, w) => sum + w, 0);
    return { type: 'sampled', name: info.name, unit, startValue: 0, endValue, samples, weights };
  });

  return JSON.stringify({
    $schema: SPEEDSCOPE_SCHEMA_URL,
    name: options.name ?? profile.meta.command ?? 'tsprof profile',
    activeProfileIndex: 0,
    exporter: `tsprof@${TSPROF_VERSION}`,
    shared: { frames },
    profiles: profiles.filter((p) => p.samples.length > 0 || profile.threads.length === 1),
  });
}
