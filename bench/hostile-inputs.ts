// Time and peak memory of tsprof on hostile and very large inputs (issues 13 and 25): each input is made here, then
// `tsprof report` (or convert) runs on it under GNU time; the table says how it ended (refused in one line, or
// read) and what it cost. Needs GNU time (/usr/bin/time) and about 2 GB of free disk in the temp folder.
// Run: npm run build && npx tsx bench/hostile-inputs.ts
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile as PprofProfile, Sample, StringTable, ValueType } from 'pprof-format';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsprof = join(root, 'bin', 'tsprof.js');
const work = mkdtempSync(join(tmpdir(), 'tsprof-hostile-'));

/** A V8 cpuprofile that is one chain `depth` deep, with a sample at every depth when `everyDepth`. */
function chain(depth: number, everyDepth: boolean): string {
  const nodes: object[] = [{ id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, children: [2] }];
  for (let id = 2; id <= depth + 1; id++) {
    nodes.push({
      id,
      callFrame: { functionName: `f${id % 100}`, scriptId: '1', url: 'file:///app.js', lineNumber: id % 100, columnNumber: 0 },
      children: id <= depth ? [id + 1] : [],
    });
  }
  const samples = everyDepth ? Array.from({ length: depth }, (_, i) => i + 2) : [depth + 1, depth + 1, depth + 1];
  return JSON.stringify({ nodes, startTime: 0, endTime: samples.length, samples, timeDeltas: samples.map(() => 1) });
}

/** The 485-byte pprof: one location of 100,000 inlined lines, named 1,000 times by one sample. */
function inlineBomb(): Uint8Array {
  const strings = new StringTable();
  const profile = new PprofProfile({
    sampleType: [new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') })],
    function: [new PprofFunction({ id: 1, name: strings.dedup('f') })],
    location: [new Location({ id: 1, line: Array.from({ length: 100_000 }, () => new Line({ functionId: 1 })) })],
    sample: [new Sample({ locationId: Array<number>(1000).fill(1), value: [1] })],
    stringTable: strings,
  });
  return gzipSync(profile.encode());
}

/** An evented speedscope file that opens `depth` frames one inside the other, then closes them. */
function deepEvented(depth: number): string {
  const events: object[] = [];
  for (let i = 0; i < depth; i++) events.push({ type: 'O', frame: i % 100, at: i });
  for (let i = depth - 1; i >= 0; i--) events.push({ type: 'C', frame: i % 100, at: 2 * depth - i });
  return JSON.stringify({
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames: Array.from({ length: 100 }, (_, i) => ({ name: `f${i}` })) },
    profiles: [{ type: 'evented', name: 'deep', unit: 'milliseconds', startValue: 0, endValue: 2 * depth, events }],
  });
}

/** Folded text of about `megabytes` MB: 20,000 distinct stacks 5 to 34 frames deep, repeated. */
function largeFolded(path: string, megabytes: number): void {
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const frames = Array.from({ length: 5 + (i % 30) }, (_, k) => `mod${(i * 7 + k * 13) % 500}.fn${k} (src/file${k % 40}.js:${k + 1})`);
    lines.push(`${frames.join(';')} ${1 + (i % 9)}`);
  }
  const chunk = Buffer.from(`${lines.join('\n')}\n`);
  const fd = openSync(path, 'w');
  for (let written = 0; written < megabytes * 2 ** 20; written += chunk.length) writeSync(fd, chunk);
  closeSync(fd);
}

/** A .cpuprofile of one function `name` in `url` whose samples fall on `ticks` (line -> count), 100 µs apart. */
function withTicks(ticks: [line: number, count: number][], options: { name?: string; url?: string; startTime?: number; delta?: number } = {}): string {
  const samples = ticks.reduce((sum, [, count]) => sum + count, 0);
  const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, scriptId: '1', url, lineNumber, columnNumber: 0 });
  return JSON.stringify({
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1), hitCount: 0, children: [2] },
      {
        id: 2,
        callFrame: frame(options.name ?? 'work', options.url ?? 'file:///nowhere/app.js', 0),
        hitCount: samples,
        positionTicks: ticks.map(([line, count]) => ({ line, ticks: count })),
      },
    ],
    startTime: options.startTime ?? 0,
    endTime: samples * 100,
    samples: new Array<number>(samples).fill(2),
    timeDeltas: new Array<number>(samples).fill(options.delta ?? 100),
  });
}

/** 1 GiB of zeros gzipped: 1,024 gzip members of 1 MiB each, about 1 MB in all. */
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(2 ** 20), { level: 9 });
  return Buffer.concat(Array<Buffer>(1024).fill(member));
}

/** A heap profile one of whose functions allocated 1e308 bytes. */
function hugeHeap(): string {
  const frame = (functionName: string) => ({ functionName, url: 'file:///app.js', lineNumber: 1, columnNumber: 1, scriptId: '1' });
  return JSON.stringify({
    head: { callFrame: frame('(root)'), selfSize: 0, id: 1, children: [{ callFrame: frame('grow'), selfSize: 1e308, id: 2, children: [] }] },
    samples: [],
  });
}

interface Case {
  name: string;
  file: string;
  args: (file: string) => string[];
  make: (file: string) => void;
}

const cases: Case[] = [
  { name: '485-byte pprof: 100,000 inlined lines x 1,000', file: 'inline-bomb.pb.gz', args: (f) => ['report', f], make: (f) => writeFileSync(f, inlineBomb()) },
  {
    name: '50,000-deep chain .cpuprofile, 3 samples -> pprof',
    file: 'chain.cpuprofile',
    args: (f) => ['convert', f, '-o', `${f}.pb.gz`],
    make: (f) => writeFileSync(f, chain(50_000, false)),
  },
  {
    name: '50,000-deep chain, a sample at every depth -> folded',
    file: 'chain-every.cpuprofile',
    args: (f) => ['convert', f, '-o', `${f}.folded`],
    make: (f) => writeFileSync(f, chain(50_000, true)),
  },
  {
    name: '50,000-deep chain, a sample at every depth: report',
    file: 'chain-every2.cpuprofile',
    args: (f) => ['report', f],
    make: (f) => writeFileSync(f, chain(50_000, true)),
  },
  {
    name: 'evented speedscope, 100,000 opens deep',
    file: 'deep.speedscope.json',
    args: (f) => ['report', f],
    make: (f) => writeFileSync(f, deepEvented(100_000)),
  },
  {
    name: 'evented speedscope, 99,000 opens deep',
    file: 'deep99.speedscope.json',
    args: (f) => ['report', f],
    make: (f) => writeFileSync(f, deepEvented(99_000)),
  },
  // Issue 25: what a profile names, and what it claims.
  { name: 'gzip of 1 GiB of zeros', file: 'bomb.pb.gz', args: (f) => ['report', f], make: (f) => writeFileSync(f, gzipBomb()) },
  { name: '`.heapprofile`, selfSize 1e308', file: 'huge.heapprofile', args: (f) => ['report', f], make: (f) => writeFileSync(f, hugeHeap()) },
  {
    name: '`.cpuprofile` stamped at ±1e300 µs',
    file: 'far-times.cpuprofile',
    args: (f) => ['report', f],
    make: (f) => writeFileSync(f, withTicks([[1, 2]], { startTime: -1e300, delta: 1e300 })),
  },
  {
    name: '`report --list` on lines 3, 5,000,000 and 2^31 - 2',
    file: 'far-lines.cpuprofile',
    args: (f) => ['report', f, '--list', 'work'],
    make: (f) =>
      writeFileSync(
        f,
        withTicks([
          [3, 2],
          [5_000_000, 1],
          [2 ** 31 - 2, 1],
        ]),
      ),
  },
  {
    name: '`convert -o x.html`, one function on 200,000 distinct lines',
    file: 'many-lines.cpuprofile',
    args: (f) => ['convert', f, '-o', `${f}.html`],
    make: (f) => writeFileSync(f, withTicks(Array.from({ length: 200_000 }, (_, i): [number, number] => [i + 1, 1]))),
  },
  {
    name: '`report`, 1,000,000 samples on 20,000 lines',
    file: 'dealt.cpuprofile',
    args: (f) => ['report', f],
    make: (f) => writeFileSync(f, withTicks(Array.from({ length: 20_000 }, (_, i): [number, number] => [i + 1, 50]))),
  },
  {
    name: '`report --lines`, a frame in /proc/self/pagemap',
    file: 'pagemap.cpuprofile',
    args: (f) => ['report', f, '--lines'],
    make: (f) => writeFileSync(f, withTicks([[1, 2]], { url: 'file:///proc/self/pagemap' })),
  },
  {
    name: "`report --list '(a+)+$'`, a 40-letter name",
    file: 'backtrack.cpuprofile',
    args: (f) => ['report', f, '--list', '(a+)+$'],
    make: (f) => writeFileSync(f, withTicks([[1, 2]], { name: `${'a'.repeat(40)}!` })),
  },
  { name: '`report /dev/zero`', file: 'unused', args: () => ['report', '/dev/zero'], make: () => {} },
  { name: 'folded, 100 MB', file: 'f100.folded', args: (f) => ['report', f, '--top', '3'], make: (f) => largeFolded(f, 100) },
  { name: 'folded, 1 GB', file: 'f1000.folded', args: (f) => ['report', f, '--top', '3'], make: (f) => largeFolded(f, 1024) },
];

console.log('| input | size | outcome | time | peak RSS |');
console.log('| --- | --- | --- | --- | --- |');
for (const test of cases) {
  const file = join(work, test.file);
  test.make(file);
  const size = existsSync(file) ? statSync(file).size : 0;
  const run = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, tsprof, ...test.args(file)], {
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 1 << 26,
  });
  const time = /TIME ([\d.]+) (\d+)\s*$/.exec(run.stderr);
  const said = run.stderr
    .replace(/TIME .*$/s, '')
    .replace(/Command exited with non-zero status \d+\n/, '')
    .trim()
    .split('\n');
  const outcome = run.status === 0 ? 'read' : `exit ${run.status}: ${said.at(-1)?.replace(/^tsprof: error: (\S+?: )?/, '') ?? ''}`;
  const sizeText = size < 2 ** 20 ? `${(size / 1024).toFixed(1)} KB` : `${(size / 2 ** 20).toFixed(0)} MB`;
  console.log(`| ${test.name} | ${sizeText} | ${outcome} | ${time ? `${time[1]} s` : '?'} | ${time ? `${Math.round(Number(time[2]) / 1024)} MB` : '?'} |`);
  rmSync(file, { force: true });
  rmSync(`${file}.html`, { force: true });
}
rmSync(work, { recursive: true, force: true });
