import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile as PprofProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportSelfShares, runCli } from './helpers/cli.js';
import { goAvailable, pprofTop } from './helpers/go.js';
import { binPath, fixture, tempDir } from './helpers/paths.js';

const dir = tempDir();

/** Folded lines as a sorted list, for comparing two conversions of one profile. */
function folded(input: string): string[] {
  const result = runCli(['convert', input, '-o', '-', '-f', 'folded']);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trimEnd().split('\n').sort();
}

describe('pprof', () => {
  it('round-trips: a .cpuprofile written as pprof and read back has the same stacks and counts', () => {
    const out = join(dir, 'hot.pb.gz');
    expect(runCli(['convert', fixture('profiles', 'hot-function.cpuprofile'), '-o', out]).status).toBe(0);
    expect([...readFileSync(out).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(folded(out)).toEqual(folded(fixture('profiles', 'hot-function.cpuprofile')));
  });

  it('reads a pprof file written by Go, and diff accepts pprof on both sides', () => {
    const top = [...reportSelfShares(fixture('profiles', 'go-cpu.pb.gz'))];
    expect(top[0]).toEqual(['math.sin', 71.8]);
    expect(top[1]).toEqual(['main.hotGo', 20.1]);
    const same = runCli(['diff', fixture('profiles', 'go-cpu.pb.gz'), fixture('profiles', 'go-cpu.pb.gz'), '-f', 'json']);
    expect(same.status, same.stderr).toBe(0);
    expect((JSON.parse(same.stdout) as { self: { verdict: string }[] }).self.every((row) => row.verdict === 'noise')).toBe(true);
  });

  it('writes pprof to stdout with -f pprof -o -, which reads back from stdin', () => {
    const written = spawnSync(process.execPath, [binPath, 'convert', fixture('profiles', 'hot-function.cpuprofile'), '-o', '-', '-f', 'pprof'], {
      timeout: 60_000,
    });
    expect(written.status).toBe(0);
    expect([...written.stdout.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const report = runCli(['report', '-', '-n', '1'], { input: written.stdout });
    expect(report.stdout).toMatch(/^\s*93\.0%\s+93\.0%\s+333\s+333\s+hotLoop\s/m);
  });

  describe.skipIf(!goAvailable())('read by go tool pprof', () => {
    it("go tool pprof -top shows tsprof's output with the same hottest functions and shares as tsprof report", () => {
      const out = join(dir, 'report.pb.gz');
      expect(runCli(['convert', fixture('profiles', 'hot-function.cpuprofile'), '-o', out]).status).toBe(0);
      const ours = [...reportSelfShares(fixture('profiles', 'hot-function.cpuprofile'))].slice(0, 3);
      const theirs = [...pprofTop(out)].slice(0, 3);
      expect(theirs.map(([name]) => name)).toEqual(ours.map(([name]) => name));
      theirs.forEach(([, percent], i) => expect(percent).toBeCloseTo(ours[i]![1], 0));
    });

    it('a recording written as pprof opens in go tool pprof with the hot function first', () => {
      const out = join(dir, 'recorded.pb.gz');
      const result = runCli(['record', '-o', out, '--', process.execPath, fixture('programs', 'hot-function.js')]);
      expect(result.status, result.stderr).toBe(0);
      expect([...pprofTop(out).keys()][0]).toBe('hotLoop');
    });

    it("agrees with go tool pprof on Go's own profile", () => {
      const ours = [...reportSelfShares(fixture('profiles', 'go-cpu.pb.gz'))].slice(0, 3);
      const theirs = [...pprofTop(fixture('profiles', 'go-cpu.pb.gz'))].slice(0, 3);
      expect(ours.map(([name]) => name)).toEqual(theirs.map(([name]) => name));
      ours.forEach(([, percent], i) => expect(percent).toBeCloseTo(theirs[i]![1], 0));
    });
  });
});

describe("Go's heap profiles", () => {
  it('are read by their default sample type (inuse_space), in bytes, and written back with that name', () => {
    // As Go writes /debug/pprof/heap: four sample types, the default one named. leaks holds most of what is
    // in use; churns allocated the most, but little of it is still in use.
    const strings = new StringTable();
    const type = (name: string, unit: string) => new ValueType({ type: strings.dedup(name), unit: strings.dedup(unit) });
    const profile = new PprofProfile({
      sampleType: [type('alloc_objects', 'count'), type('alloc_space', 'bytes'), type('inuse_objects', 'count'), type('inuse_space', 'bytes')],
      defaultSampleType: strings.dedup('inuse_space'),
      function: [new PprofFunction({ id: 1, name: strings.dedup('leaks') }), new PprofFunction({ id: 2, name: strings.dedup('churns') })],
      location: [new Location({ id: 1, line: [new Line({ functionId: 1 })] }), new Location({ id: 2, line: [new Line({ functionId: 2 })] })],
      sample: [new Sample({ locationId: [1], value: [100, 800_000, 90, 720_000] }), new Sample({ locationId: [2], value: [5000, 8_000_000, 10, 80_000] })],
      stringTable: strings,
    });
    const file = join(dir, 'go-heap.pb.gz');
    writeFileSync(file, gzipSync(profile.encode()));
    const report = runCli(['report', file, '-n', '2']);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout.split('\n')[1]).toMatch(/SELF BYTES/);
    expect(report.stdout.split('\n')[2]).toMatch(/^\s*90\.0%\s+90\.0%\s+703\.1 KiB\s+703\.1 KiB\s+leaks$/);
    // Written as pprof again, the bytes and their objects keep Go's names, and bytes stay the default.
    const again = join(dir, 'go-heap-again.pb.gz');
    expect(runCli(['convert', file, '-o', again]).status).toBe(0);
    const written = PprofProfile.decode(gunzipSync(readFileSync(again)));
    const name = (index: number | bigint) => written.stringTable.strings[Number(index)];
    expect(written.sampleType.map((t) => name(t.type))).toEqual(['inuse_objects', 'inuse_space']);
    expect(name(written.defaultSampleType)).toBe('inuse_space');
    const values = written.sample.map((sample) => sample.value.map(Number)).sort((a, b) => b[1]! - a[1]!);
    expect(values).toEqual([
      [90, 720_000],
      [10, 80_000],
    ]);
  });
});

describe('pprof values that make no sense are refused, in one line', () => {
  const dir = tempDir();
  const refused = (bytes: Uint8Array, name: string) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const result = runCli(['report', file]);
    expect(result.status, result.stdout).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    return result.stderr;
  };

  it("a pprof file cut short (Go's own profile, uncompressed, at several lengths)", () => {
    const whole = gunzipSync(readFileSync(fixture('profiles', 'go-cpu.pb.gz')));
    for (const length of [100, 200, 800, whole.length - 100]) {
      expect(refused(whole.subarray(0, length), `cut-${length}.pb`)).toMatch(/cut short or damaged/);
    }
  });

  it('a negative sample value', () => {
    const strings = new StringTable();
    const profile = new PprofProfile({
      sampleType: [new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') })],
      function: [new PprofFunction({ id: 1, name: strings.dedup('work') })],
      location: [new Location({ id: 1, line: [new Line({ functionId: 1 })] })],
      sample: [new Sample({ locationId: [1], value: [-1] })],
      stringTable: strings,
    });
    expect(refused(profile.encode(), 'negative.pb')).toMatch(/a sample has the negative value -1/);
  });
});

describe('bounded memory for any pprof input', () => {
  it('one location of 100,000 inlined lines named 1,000 times by a sample (a 485-byte file) is refused at once', () => {
    const strings = new StringTable();
    const lines = Array.from({ length: 100_000 }, () => new Line({ functionId: 1 }));
    const profile = new PprofProfile({
      sampleType: [new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') })],
      function: [new PprofFunction({ id: 1, name: strings.dedup('f') })],
      location: [new Location({ id: 1, line: lines })],
      sample: [new Sample({ locationId: Array<number>(1000).fill(1), value: [1] })],
      stringTable: strings,
    });
    const file = join(tempDir(), 'inline-bomb.pb.gz');
    writeFileSync(file, gzipSync(profile.encode()));
    const result = runCli(['report', file], { timeout: 20_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tsprof: error: \S+inline-bomb\.pb\.gz: a sample's stack is deeper than 100,000 frames\n$/);
  });
});
