import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importFolded } from '../src/import/folded.js';
import { detectFormat, importProfile } from '../src/import/index.js';
import { formatOfName } from '../src/model/formats.js';
import { dumpProfile } from './helpers/dump.js';
import { fixture } from './helpers/paths.js';

const profiles = readdirSync(fixture('profiles')).filter((name) => !name.startsWith('.'));

describe('importing every fixture made by a real tool', () => {
  it('has fixtures of each format', () => {
    expect(new Set(profiles.map((name) => formatOfName(name, 'input')))).toEqual(new Set(['cpuprofile', 'folded', 'speedscope', 'pprof']));
  });

  for (const name of profiles) {
    it(`${name}: matches its golden dump`, async () => {
      const { profile } = importProfile(readFileSync(fixture('profiles', name)), { fileName: name });
      expect(profile.samples.length).toBeGreaterThan(0);
      await expect(dumpProfile(profile)).toMatchFileSnapshot(`golden/import/${name}.txt`);
    });

    it(`${name}: detection by content agrees with detection by name`, () => {
      const bytes = readFileSync(fixture('profiles', name));
      expect(detectFormat(bytes, 'no-extension')).toBe(formatOfName(name, 'input'));
    });
  }
});

describe('V8 .cpuprofile', () => {
  const bytes = readFileSync(fixture('profiles', 'hot-function.cpuprofile'));
  const raw = JSON.parse(bytes.toString());

  it('makes lines and columns 1-based and keeps timestamps', () => {
    const { profile } = importProfile(bytes);
    const hot = profile.frames.find((f) => f.name === 'hotLoop')!;
    const rawHot = raw.nodes.find((n: { callFrame: { functionName: string } }) => n.callFrame.functionName === 'hotLoop').callFrame;
    expect(hot.line).toBe(rawHot.lineNumber + 1);
    expect(hot.col).toBe(rawHot.columnNumber + 1);
    expect(profile.samples.time).toBeDefined();
    const deltas: number[] = raw.timeDeltas;
    const lastTime = profile.samples.time![profile.samples.length - 1]!;
    expect(lastTime).toBeLessThanOrEqual(deltas.reduce((a, b) => a + b, 0));
  });

  it('drops (idle) samples unless asked to keep them, and keeps GC and (program) as frames', () => {
    const idleId = 999_999;
    const withIdle = {
      ...raw,
      nodes: [
        ...raw.nodes.map((n: { id: number; children?: number[] }) => (n.id === raw.nodes[0].id ? { ...n, children: [...(n.children ?? []), idleId] } : n)),
        { id: idleId, callFrame: { functionName: '(idle)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 3 },
      ],
      samples: [...raw.samples, idleId, idleId, idleId],
      timeDeltas: [...raw.timeDeltas, 1000, 1000, 1000],
    };
    const bytesWithIdle = Buffer.from(JSON.stringify(withIdle));
    const dropped = importProfile(bytesWithIdle).profile;
    const kept = importProfile(bytesWithIdle, { keepIdle: true }).profile;
    expect(kept.samples.length - dropped.samples.length).toBe(3);
    expect(dropped.frames.some((f) => f.name === '(idle)')).toBe(true); // the node exists, its samples do not count
    expect(kept.frames.map((f) => f.name)).toEqual(expect.arrayContaining(['(garbage collector)', '(program)']));
  });

  it('accepts the { profile } wrapper that Profiler.stop returns', () => {
    const wrapped = Buffer.from(JSON.stringify({ profile: raw }));
    expect(importProfile(wrapped).profile.samples.length).toBe(importProfile(bytes).profile.samples.length);
  });

  it('reads old profiles that have hit counts but no samples array', () => {
    const { samples: _s, timeDeltas: _t, ...counts } = raw;
    const { profile } = importProfile(Buffer.from(JSON.stringify(counts)));
    const hits = raw.nodes.reduce(
      (sum: number, n: { hitCount: number; callFrame: { functionName: string } }) => sum + (n.callFrame.functionName === '(idle)' ? 0 : n.hitCount),
      0,
    );
    expect(profile.samples.weight.reduce((a, b) => a + b, 0)).toBe(hits);
  });
});

describe('folded stacks', () => {
  const read = (text: string, options = {}) => importProfile(Buffer.from(text), { fileName: 'x.folded', ...options }).profile;

  it('takes the count from the last field, allows decimals, and splits name (file:line) labels', () => {
    const profile = read('main (src/app.js:3);work (node:internal/timers:12) 2.5\nmain (src/app.js:3) 1\n');
    expect(profile.samples.weight[0]).toBe(2.5);
    expect(profile.frames[1]).toEqual({ name: 'work', file: 'node:internal/timers', line: 12 });
  });

  it('keeps labels that merely contain spaces and parentheses as names', () => {
    const profile = read('oopDesc* PSPromotionManager::copy_to_survivor_space<false> (inlined) 4\n');
    expect(profile.frames[0]!.name).toBe('oopDesc* PSPromotionManager::copy_to_survivor_space<false> (inlined)');
  });

  it('names the line that has no count, or skips it with a warning when asked', () => {
    expect(() => read('a;b 1\na;c\n')).toThrow(/line 2/);
    const warnings: string[] = [];
    const profile = read('a;b 1\na;c\na;d 2\n', { skipBadLines: true, onWarning: (m: string) => warnings.push(m) });
    expect(profile.samples.length).toBe(2);
    expect(warnings).toEqual([expect.stringContaining('line 2')]);
  });
});

describe('speedscope', () => {
  it('turns an evented profile into samples weighted by the time between events', () => {
    const { profile } = importProfile(readFileSync(fixture('profiles', 'simple-evented.speedscope.json')));
    // a>b>c for 0..2 and 6..9, a>b>d for 2..6, a>b alone for 9..14: 14 units in all.
    expect(profile.samples.weight.reduce((x, y) => x + y, 0)).toBe(14);
    expect(profile.unit).toBe('samples');
  });

  it('normalises time units to microseconds and keeps each profile as a thread', () => {
    const { profile } = importProfile(readFileSync(fixture('profiles', 'two-sampled.speedscope.json')));
    expect(profile.unit).toBe('microseconds');
    expect(profile.threads.map((t) => t.name)).toEqual(['one', 'two']);
    expect(profile.samples.weight.reduce((x, y) => x + y, 0)).toBe(28e6);
  });
});

describe('folded text too large for one string', () => {
  it('read from bytes a line at a time, it gives the same profile as from a string', () => {
    for (const name of ['perf-vertx-stacks.collapsed', 'java-inline.collapsed']) {
      const bytes = readFileSync(fixture('profiles', name));
      expect(dumpProfile(importFolded(bytes))).toEqual(dumpProfile(importFolded(bytes.toString('utf8'))));
    }
  });

  it('a line with bytes that are not UTF-8 is read with U+FFFD and counted in one warning', () => {
    const warnings: string[] = [];
    const bytes = Buffer.concat([Buffer.from('main;caf'), Buffer.from([0xe9]), Buffer.from(' 5\nmain;ok 3\n')]);
    const profile = importFolded(bytes, { onWarning: (message) => warnings.push(message) });
    expect(profile.frames.map((frame) => frame.name)).toContain('caf\uFFFD');
    expect(warnings).toEqual(['1 line has bytes that are not UTF-8, read as U+FFFD']);
  });
});
