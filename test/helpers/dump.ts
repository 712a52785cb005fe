import type { Frame, Profile } from '../../src/model/profile.js';
import { stackFrameIds } from '../../src/model/profile.js';
import { weightByThreadStack } from '../../src/model/call-tree.js';

/**
 * A readable, stable text dump of an imported profile for golden files: the metadata, then per thread every
 * distinct stack (root first, frames as name@file:line:col) with its summed weight, heaviest first.
 */
export function dumpProfile(profile: Profile): string {
  const lines: string[] = [];
  lines.push(`unit: ${profile.unit}`);
  lines.push(`meta: ${JSON.stringify(profile.meta)}`);
  lines.push(`samples: ${profile.samples.length}, timestamps: ${profile.samples.time ? 'yes' : 'no'}`);
  lines.push(`frames: ${profile.frames.length}, stacks: ${profile.stacks.length}`);
  const byThread = weightByThreadStack(profile);
  profile.threads.forEach((thread, index) => {
    lines.push('', `thread ${index}: ${JSON.stringify(thread)}`);
    const rows = [...(byThread.get(index) ?? new Map<number, number>())].map(([stack, weight]) => ({
      weight,
      text: stackFrameIds(profile, stack)
        .map((id) => describeFrame(profile.frames[id]!))
        .join(' > '),
    }));
    rows.sort((a, b) => b.weight - a.weight || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    for (const row of rows) lines.push(`${String(Number(row.weight.toFixed(3))).padStart(8)}  ${row.text}`);
  });
  return `${lines.join('\n')}\n`;
}

function describeFrame(frame: Frame): string {
  if (frame.file === undefined) return frame.name;
  return `${frame.name}@${frame.file}${frame.line !== undefined ? `:${frame.line}` : ''}${frame.col !== undefined ? `:${frame.col}` : ''}`;
}
