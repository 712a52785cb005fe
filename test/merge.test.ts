import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionMerger } from '../src/record/merge.js';
import { stackFrameIds } from '../src/model/profile.js';
import { tempDir } from './helpers/paths.js';

/** A V8 profile chunk as an agent writes it: root -> work, with samples at the given V8 times (µs). */
function chunk(sampleTimes: number[], name = 'work') {
  const deltas = sampleTimes.map((t, i) => t - (i === 0 ? sampleTimes[0]! - 10 : sampleTimes[i - 1]!));
  return JSON.stringify({
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, children: [2] },
      { id: 2, callFrame: { functionName: name, url: 'file:///app/x.js', lineNumber: 4, columnNumber: 0 } },
    ],
    startTime: sampleTimes[0]! - 10,
    endTime: sampleTimes.at(-1)! + 10,
    samples: sampleTimes.map(() => 2),
    timeDeltas: deltas,
  });
}

const root = tempDir();
const sessionDir = () => mkdtempSync(join(root, 'session-'));

const options = { keepIdle: false, command: 'node x.js', startTime: 0, originUs: 1_000_000, intervalUs: 2000, flushMs: 2000 };

describe('SessionMerger', () => {
  it('keeps the samples two consecutive chunks share (their profiles overlap) only once, on one time line', () => {
    const dir = sessionDir();
    writeFileSync(join(dir, '7.process.json'), JSON.stringify({ pid: 7, ppid: 1, argv: ['node', '/app/x.js'], cwd: '/app', startTime: 0 }));
    writeFileSync(join(dir, '7-0-0-4.cpuprofile'), chunk([1_002_000, 1_004_000, 1_006_000, 1_008_000]));
    writeFileSync(join(dir, '7-0-1-3-final.cpuprofile'), chunk([1_006_000, 1_008_000, 1_010_000]));
    const merger = new SessionMerger(options);
    merger.poll(dir);
    const { profile, problems, sampleCount } = merger.finish();
    expect(sampleCount).toBe(5);
    expect([...profile.samples.time!]).toEqual([2000, 4000, 6000, 8000, 10_000]);
    expect(profile.frames[stackFrameIds(profile, profile.samples.stack[0]!)[0]!]).toEqual({ name: 'work', file: 'file:///app/x.js', line: 5, col: 1 });
    expect(profile.threads).toEqual([{ name: 'node 7 x.js', pid: 7, threadId: 0 }]);
    expect(problems).toEqual([]);
  });

  it('takes chunks in as they come, deletes them, and reports a thread without its final chunk', () => {
    const dir = sessionDir();
    writeFileSync(join(dir, '8.process.json'), JSON.stringify({ pid: 8, ppid: 1, argv: ['node', '/app/y.js'], cwd: '/app', startTime: 0 }));
    const merger = new SessionMerger(options);
    writeFileSync(join(dir, '8-0-0-2.cpuprofile'), chunk([1_002_000, 1_004_000]));
    merger.poll(dir);
    expect(merger.counts).toEqual({ samples: 2, processes: 1, threads: 1 });
    writeFileSync(join(dir, '8-0-1-1.cpuprofile'), chunk([1_006_000]));
    merger.poll(dir);
    const { sampleCount, problems } = merger.finish();
    expect(sampleCount).toBe(3);
    expect(problems).toEqual([expect.stringMatching(/^node 8 y\.js: ended without its final chunk .* up to its last 2 s/)]);
  });

  it('keeps only the processes the filter names, by command line or pid', () => {
    const dir = sessionDir();
    for (const [pid, script] of [
      [21, 'server.js'],
      [22, 'worker-pool.js'],
    ] as const) {
      writeFileSync(join(dir, `${pid}.process.json`), JSON.stringify({ pid, ppid: 1, argv: ['node', `/app/${script}`], cwd: '/app', startTime: 0 }));
      writeFileSync(join(dir, `${pid}-0-0-1-final.cpuprofile`), chunk([1_002_000], script));
    }
    const merger = new SessionMerger({ ...options, processFilter: 'server' });
    merger.poll(dir);
    const { profile } = merger.finish();
    expect(profile.threads.map((t) => t.pid)).toEqual([21]);
    const byPid = new SessionMerger({ ...options, processFilter: '22' });
    for (const [pid, script] of [
      [21, 'server.js'],
      [22, 'worker-pool.js'],
    ] as const)
      writeFileSync(join(dir, `${pid}-0-0-1-final.cpuprofile`), chunk([1_002_000], script));
    byPid.poll(dir);
    expect(byPid.finish().profile.threads.map((t) => t.pid)).toEqual([22]);
  });
});
