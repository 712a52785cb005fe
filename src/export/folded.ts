import { weightByThreadStack } from '../model/call-tree.js';
import { foldedSafe, frameLabel } from '../model/frame-display.js';
import type { Profile } from '../model/profile.js';
import { stackValues } from '../model/stack-walk.js';
import type { ExportOptions } from './options.js';
import { checkStacksWritten } from './output-size.js';

/**
 * Folded stacks for flamegraph.pl, speedscope, Pyroscope and inferno: `root;caller;callee COUNT`, one line
 * per distinct stack, sorted, integer counts (samples, or microseconds for time-weighted profiles). Several
 * threads each get their thread's name as the root frame. `;` and line breaks inside a label would break the
 * format, so they become `,` and a space.
 */
export function toFolded(profile: Profile, options: ExportOptions): string {
  checkStacksWritten(profile, 'folded');
  const labels = profile.frames.map((frame) => foldedSafe(frameLabel(frame, options.cwd)));
  const withThreadRoots = profile.threads.length > 1;
  const { frame } = profile.stacks;
  const textOf = stackValues(profile.stacks, '', (caller, id) => {
    const label = labels[frame[id]!]!;
    return caller === '' ? label : `${caller};${label}`;
  });

  const rootOf = (thread: number) => (withThreadRoots ? `${foldedSafe(profile.threads[thread]?.name ?? `thread ${thread}`)};` : '');
  const countByLine = new Map<string, number>();
  const executing = options.lines ? profile.samples.line : undefined;
  if (executing) {
    // Each sample's innermost frame labelled with the line it was executing (its own line where not known).
    const { stack, weight, thread, length } = profile.samples;
    for (let i = 0; i < length; i++) {
      const stackId = stack[i]!;
      const prefix = profile.stacks.prefix[stackId]!;
      const leaf = profile.frames[frame[stackId]!]!;
      const label = executing[i] ? foldedSafe(frameLabel({ ...leaf, line: executing[i]! }, options.cwd)) : labels[frame[stackId]!]!;
      const line = rootOf(thread[i]!) + (prefix === -1 ? label : `${textOf(prefix)};${label}`);
      countByLine.set(line, (countByLine.get(line) ?? 0) + weight[i]!);
    }
  } else {
    for (const [thread, byStack] of weightByThreadStack(profile)) {
      for (const [stackId, weight] of byStack) {
        const line = rootOf(thread) + textOf(stackId);
        countByLine.set(line, (countByLine.get(line) ?? 0) + weight);
      }
    }
  }

  const lines: string[] = [];
  for (const [stack, weight] of countByLine) {
    const count = Math.round(weight);
    if (count > 0) lines.push(`${stack} ${count}`);
  }
  lines.sort();
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
