import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportSelfShares, runCli } from './helpers/cli.js';
import { startTsprof } from './helpers/record.js';
import { goAvailable, pprofTop } from './helpers/go.js';
import { fixture, repoRoot, tempDir } from './helpers/paths.js';

const dir = tempDir();

describe('V8 heap profiles (.heapprofile): bytes, in and out', () => {
  // Node's own sampling heap profile of a program that keeps 70% of its bytes from one function, 30% from
  // another: about 1,100 samples at one per 32 KiB, so the split's sampling error is about 1.4 points.
  let heapprofile: string;
  beforeAll(() => {
    const out = join(dir, 'heap-prof');
    const run = spawnSync(process.execPath, ['--heap-prof', '--heap-prof-interval', '32768', '--heap-prof-dir', out, fixture('programs', 'split-alloc.js')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    heapprofile = join(out, readdirSync(out)[0]!);
  });

  it("node --heap-prof's output imports in bytes, with the known 70/30 split", () => {
    const report = runCli(['report', heapprofile, '-n', '5']);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout.split('\n')[0]).toMatch(/^[\d.]+ MiB in sampled allocations$/);
    expect(report.stdout.split('\n')[1]).toMatch(/^SELF%\s+TOTAL%\s+SELF BYTES\s+TOTAL BYTES\s+FUNCTION/);
    const markdown = runCli(['report', heapprofile, '-f', 'markdown', '-n', '3']);
    expect(markdown.stdout).toMatch(/\*\*Hottest function: allocateMost\*\*, [\d.]+% of the bytes allocated in its own code/);
    expect(markdown.stdout).toMatch(/\| self \| total \| self bytes \| function \| location \|\n.*\n\| [\d.]+% \| [\d.]+% \| [\d.]+ MiB \| allocateMost \|/);
    const shares = reportSelfShares(heapprofile);
    expect(Math.abs(shares.get('allocateMost')! - 70)).toBeLessThan(5);
    expect(Math.abs(shares.get('allocateLess')! - 30)).toBeLessThan(5);
  });

  it('round-trips: tsprof writes the structure DevTools reads, and reads it back the same', () => {
    const again = join(dir, 'again.heapprofile');
    const result = runCli(['convert', heapprofile, '-o', again]);
    expect(result.status, result.stderr).toBe(0);
    const written = JSON.parse(readFileSync(again, 'utf8')) as {
      head: { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: unknown[] };
      samples: { size: number; nodeId: number; ordinal: number }[];
    };
    expect(written.head.callFrame.functionName).toBe('(root)');
    expect(written.head.children.length).toBeGreaterThan(0);
    expect(written.samples.length).toBeGreaterThan(0);
    for (const sample of written.samples) expect(Object.keys(sample).sort()).toEqual(['nodeId', 'ordinal', 'size']);
    expect(reportSelfShares(again)).toEqual(reportSelfShares(heapprofile));
  });

  it.skipIf(!goAvailable())('go tool pprof reads its pprof in bytes with the same split', () => {
    const pprof = join(dir, 'heap.pb.gz');
    expect(runCli(['convert', heapprofile, '-o', pprof]).status).toBe(0);
    const top = pprofTop(pprof);
    expect(Math.abs(top.get('allocateMost')! - 70)).toBeLessThan(5);
    expect(Math.abs(top.get('allocateLess')! - 30)).toBeLessThan(5);
  });

  it('a CPU profile is not written as a .heapprofile, nor a memory profile as a .cpuprofile: one line, exit 2, nothing written', () => {
    const out = join(dir, 'cpu.heapprofile');
    const result = runCli(['convert', fixture('profiles', 'hot-function.cpuprofile'), '-o', out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `tsprof: error: ${out}: V8 .heapprofile (sampled allocations, bytes) cannot hold this profile's CPU samples; write it as one of html, ` +
        'folded, speedscope, cpuprofile, pprof\n',
    );
    expect(() => readFileSync(out)).toThrow();
    const back = join(dir, 'heap.cpuprofile');
    const reverse = runCli(['convert', heapprofile, '-o', back]);
    expect(reverse.status).toBe(2);
    expect(reverse.stderr).toBe(
      `tsprof: error: ${back}: V8 .cpuprofile cannot hold this profile's bytes; write it as one of html, folded, speedscope, heapprofile, pprof\n`,
    );
    expect(() => readFileSync(back)).toThrow();
  });
});

describe('record --heap: the memory profile of the run, beside its CPU profile', () => {
  const program = fixture('programs', 'leak-and-churn.js');
  // At one sample per 32 KiB the 230 MB of the program are about 7,000 samples: shares within a point.
  const record = (name: string, ...args: string[]) => {
    const output = join(dir, name);
    const result = runCli(['record', '--heap-interval', '32k', ...args, '-o', output, '--', process.execPath, program, 'worker']);
    return { output, heapOutput: output.replace(/(\.pb\.gz|\.folded|\.html)$/, '.heap$1'), ...result };
  };
  let allocated: ReturnType<typeof record>;
  let inuse: ReturnType<typeof record>;
  beforeAll(() => {
    allocated = record('allocated.pb.gz', '--heap');
    inuse = record('inuse.pb.gz', '--heap', 'inuse');
  });

  it("leaves the program's output and exit status as they are, and says what it wrote", () => {
    for (const run of [allocated, inuse]) {
      expect(run.status, run.stderr).toBe(3);
      expect(run.stdout).toBe('worker done\n');
      expect(run.stderr).toContain('to stderr\n');
      expect(run.stderr).toContain(`tsprof: wrote ${run.output}\n`);
      expect(run.stderr).toContain(`tsprof: wrote ${run.heapOutput}\n`);
    }
    expect(allocated.stderr).toMatch(/tsprof: memory: [\d.]+ MiB allocated \(sampled: one sample per 32\.0 KiB allocated, on average\)/);
    expect(inuse.stderr).toMatch(/tsprof: memory: [\d.]+ MiB still in use at the end \(sampled: one sample per 32\.0 KiB allocated, on average\)/);
  });

  it('allocated puts the churning function on top, in use the leaking one, as the worker thread allocated them', () => {
    // churnFast allocates ten times what leakSlowly keeps: about 91% / 9% of what was allocated.
    const allocatedShares = reportSelfShares(allocated.heapOutput);
    expect([...allocatedShares.keys()][0]).toBe('churnFast');
    expect(Math.abs(allocatedShares.get('churnFast')! - 91)).toBeLessThan(5);
    const inuseShares = reportSelfShares(inuse.heapOutput);
    expect([...inuseShares.keys()][0]).toBe('leakSlowly');
    expect(inuseShares.get('leakSlowly')!).toBeGreaterThan(80);
    expect(inuseShares.has('churnFast') ? inuseShares.get('churnFast')! : 0).toBeLessThan(5);
    // Each thread of the run is a thread of the memory profile, as of the CPU one.
    const folded = runCli(['convert', allocated.heapOutput, '-f', 'folded', '-o', '-']).stdout;
    const churnLines = folded.split('\n').filter((line) => line.includes('churnFast'));
    expect(churnLines.length).toBeGreaterThan(0);
    for (const line of churnLines) expect(line).toMatch(/^worker \d+ \(node \d+\);/);
    expect(folded).toMatch(/leak-and-churn\.js:\d+/); // the functions' file and line
  });

  it("none of tsprof's own frames or allocations are in it, even sampled at every 128 bytes", () => {
    // At 32 KiB, the few hundred bytes Node's loader allocates as it finishes loading tsprof's preload are
    // sampled once in a hundred runs; at 128 bytes, every time: a small program with a worker, recorded so.
    const fine = join(dir, 'fine.pb.gz');
    const small = "new (require('node:worker_threads').Worker)('const kept = []; for (let i = 0; i < 1e4; i++) kept.push({ i });', { eval: true });";
    const result = runCli(['record', '--heap', '--heap-interval', '128', '-o', fine, '--', process.execPath, '-e', small]);
    expect(result.status, result.stderr).toBe(0);
    expect(runCli(['convert', fine.replace(/\.pb\.gz$/, '.heap.pb.gz'), '-f', 'folded', '-o', '-']).stdout).toMatch(/^worker \d+ \(node \d+\);/m);
    for (const run of [allocated, inuse, { heapOutput: fine.replace(/\.pb\.gz$/, '.heap.pb.gz') }]) {
      const folded = runCli(['convert', run.heapOutput, '-f', 'folded', '-o', '-']).stdout;
      expect(folded).not.toMatch(/tsprof|preload|sampler-thread|thread-profiler/i);
    }
  });

  it('a program that runs out of JavaScript heap keeps the heap that led there, and the summary says so', () => {
    // Node aborts it (SIGABRT) with no JavaScript run: the agent wrote its heap as it grew.
    const output = join(dir, 'out-of-heap.pb.gz');
    const result = runCli([
      'record',
      '--heap',
      'inuse',
      '-o',
      output,
      '--',
      process.execPath,
      '--max-old-space-size=64',
      fixture('programs', 'out-of-heap.js'),
    ]);
    expect(result.status).toBe(134);
    expect(result.stderr).toContain('JavaScript heap out of memory');
    expect(result.stderr).toMatch(
      /ended without its final chunk \(aborted by SIGABRT, as Node is when it runs out of JavaScript heap; [\d.]+ MiB of JavaScript heap in use at its last chunk\)/,
    );
    const heapOutput = output.replace(/\.pb\.gz$/, '.heap.pb.gz');
    expect(result.stderr).toContain(`tsprof: wrote ${heapOutput}\n`);
    const shares = reportSelfShares(heapOutput);
    expect([...shares.keys()][0]).toBe('keepForever');
    const inUse = /tsprof: memory: ([\d.]+) MiB still in use/.exec(result.stderr);
    expect(Number(inUse![1])).toBeGreaterThan(30); // at least the 32 MiB the first write waits for
  });

  it.skipIf(!goAvailable())('go tool pprof reads the bytes and the objects, under Go heap profile names', () => {
    const space = pprofTop(allocated.heapOutput, 'alloc_space');
    expect([...space.keys()][0]).toBe('churnFast');
    const objects = pprofTop(allocated.heapOutput, 'alloc_objects');
    expect([...objects.keys()][0]).toBe('churnFast');
    // Both functions allocate the same arrays, so the two split their objects as they split their bytes. (Shares
    // of all objects would not do: the program's other, smaller allocations, a few samples of module loading,
    // hold more objects per byte, and take a share of the objects that varies by a few points: 5.02 once in CI.)
    const churnShare = (shares: Map<string, number>) => (100 * shares.get('churnFast')!) / (shares.get('churnFast')! + shares.get('leakSlowly')!);
    expect(Math.abs(churnShare(objects) - churnShare(space))).toBeLessThan(2);
    expect([...pprofTop(inuse.heapOutput, 'inuse_space').keys()][0]).toBe('leakSlowly');
    expect([...pprofTop(inuse.heapOutput, 'inuse_objects').keys()][0]).toBe('leakSlowly');
  });

  it('the flamegraph page and every other output of the run follow the CPU output: x.html -> x.heap.html', () => {
    const run = record('page.html', '--heap');
    expect(run.status, run.stderr).toBe(3);
    const page = readFileSync(run.heapOutput, 'utf8');
    expect(page).toContain('<html');
    expect(page).toContain('MiB in sampled allocations');
    const cpu = record('cpu.cpuprofile', '--heap');
    expect(cpu.stderr).toContain(`tsprof: wrote ${join(dir, 'cpu.heap.heapprofile')}\n`);
    expect(reportSelfShares(join(dir, 'cpu.heap.heapprofile')).has('churnFast')).toBe(true);
  });

  it('refuses what it cannot do in one line, exit 2, before the command runs', () => {
    const cases: [string[], string][] = [
      [['--heap', '-o', '-'], '--heap writes the memory profile beside the CPU profile, in a file of its own: give -o a file name, not -'],
      [['--heap-interval', '64k'], '--heap-interval: only with --heap'],
      [['--heap', 'leaks'], "option '--heap [which]' argument 'leaks' is invalid. Allowed choices are allocated, inuse."],
      [
        ['--heap', '--heap-interval', '2g'],
        "option '--heap-interval <bytes>' argument '2g' is invalid. expected a number of bytes from 1 to 1g, e.g. 65536, 64k or 1m",
      ],
    ];
    for (const [args, message] of cases) {
      const result = runCli(['record', ...args, '--', process.execPath, '-e', 'console.log("ran")']);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n')[0]).toContain(message);
    }
  });
});

describe('diff on memory profiles: which function allocates more, and is it real', () => {
  // Three runs a side of a program whose churnFast allocates twice as much after: its share of the bytes
  // allocated goes from about 91% to 95%, leakSlowly's from 9% to 5%.
  const before = join(dir, 'diff-before');
  const after = join(dir, 'diff-after');
  const again = join(dir, 'diff-again');
  beforeAll(() => {
    const scratch = join(dir, 'diff-runs');
    mkdirSync(scratch);
    const runs: [string, string][] = [
      [before, '1'],
      [after, '2'],
      [again, '1'],
    ];
    for (const [folder, factor] of runs) {
      mkdirSync(folder, { recursive: true });
      for (let run = 1; run <= 3; run++) {
        const cpu = join(scratch, `${basename(folder)}-${run}.pb.gz`);
        const result = runCli(['record', '--heap', '--heap-interval', '32k', '-o', cpu, '--', process.execPath, fixture('programs', 'leak-and-churn.js')], {
          env: { CHURN_FACTOR: factor },
        });
        expect(result.status, result.stderr).toBe(3);
        renameSync(cpu.replace(/\.pb\.gz$/, '.heap.pb.gz'), join(folder, `run-${run}.pb.gz`));
      }
    }
  });

  it('finds churnFast allocating more, in bytes, and fails the CI gate on it', () => {
    const result = runCli(['diff', before, after]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^before: 3 runs · [\d.]+ MiB in sampled allocations/);
    expect(result.stdout).toContain('SELF BYTES (allocated in its own code, share of all)');
    expect(result.stdout).toMatch(/\n\s*[\d.]+%\s+[\d.]+%\s+\+[\d.]+ pts\s+\+\d+%\s+regressed\s+churnFast\s/);
    expect(result.stdout).toMatch(/\n\s*[\d.]+%\s+[\d.]+%\s+-[\d.]+ pts\s+-\d+%\s+improved\s+leakSlowly\s/);
    const gate = runCli(['diff', before, after, '--fail-on-regression', '2']);
    expect(gate.status).toBe(1);
    expect(gate.stderr).toMatch(/^tsprof: regression: 1 function significantly more memory by more than 2%: churnFast \(.*leak-and-churn\.js:\d+\)/);
  });

  it('calls nothing changed between runs of the same program', () => {
    const result = runCli(['diff', before, again, '-f', 'json']);
    expect(result.status, result.stderr).toBe(0);
    const rows = (JSON.parse(result.stdout) as { self: { verdict: string }[] }).self;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((row) => row.verdict !== 'noise')).toEqual([]);
  });

  it('compares like with like: memory with CPU, or bytes allocated with bytes in use, is refused in one line', () => {
    const cpu = fixture('profiles', 'hot-function.cpuprofile');
    const mixed = runCli(['diff', join(before, 'run-1.pb.gz'), cpu]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toBe(
      `tsprof: error: ${cpu} is a CPU profile and ${join(before, 'run-1.pb.gz')} a memory profile of bytes allocated: ` +
        'diff compares profiles of the same kind\n',
    );
    const inuse = join(dir, 'inuse-one.pb.gz');
    const recorded = runCli(['record', '--heap', 'inuse', '-o', inuse, '--', process.execPath, fixture('programs', 'leak-and-churn.js')]);
    expect(recorded.status, recorded.stderr).toBe(3);
    const kinds = runCli(['diff', join(before, 'run-1.pb.gz'), inuse.replace(/\.pb\.gz$/, '.heap.pb.gz')]);
    expect(kinds.status).toBe(2);
    expect(kinds.stderr).toMatch(/a memory profile of bytes in use and .* a memory profile of bytes allocated: diff compares profiles of the same kind\n$/);
  });
});

describe('record --heap keeps the memory profile however the program ends', () => {
  const exitPaths = fixture('programs', 'exit-paths.js');
  const cases: [string, string, ((pid: number) => void) | undefined, number][] = [
    ['process.exit(3)', 'exit', undefined, 3],
    ['an uncaught exception', 'throw', undefined, 1],
    ['SIGTERM to the program', 'wait', (pid) => process.kill(pid, 'SIGTERM'), 143],
  ];
  it.each(cases)('%s', async (_, mode, end, status) => {
    const out = join(dir, `exit-${mode}.folded`);
    const recording = startTsprof(['record', '--heap', 'inuse', '--heap-interval', '16k', '-o', out, '--', process.execPath, exitPaths, mode]);
    if (end) end(await recording.ready);
    const result = await recording.done;
    expect(result.status, result.stderr).toBe(status);
    expect(result.stderr).not.toMatch(/warning/);
    const heap = readFileSync(out.replace(/\.folded$/, '.heap.folded'), 'utf8');
    expect(heap).toMatch(/keepArrays \(.*exit-paths\.js:\d+\) \d+$/m); // what the program still held at its end
  });

  it('SIGTERM to a program stuck in a synchronous loop: it dies at once, with the heap it held when it stalled', async () => {
    const out = join(dir, 'exit-stuck.folded');
    const recording = startTsprof(['record', '--heap', 'inuse', '--heap-interval', '16k', '-o', out, '--', process.execPath, exitPaths, 'stuck']);
    process.kill(await recording.ready, 'SIGTERM');
    const result = await recording.done;
    expect(result.status, result.stderr).toBe(143);
    expect(result.stderr).toMatch(/stuck: ended without its final chunk/);
    const heap = readFileSync(out.replace(/\.folded$/, '.heap.folded'), 'utf8');
    expect(heap).toMatch(/keepArrays \(.*exit-paths\.js:\d+\) \d+$/m);
  });
});

describe('record --heap on a real program', () => {
  it("tsc type-checking real declarations: TypeScript's own functions hold the bytes, none of tsprof's frames", () => {
    const out = join(dir, 'tsc.pb.gz');
    const result = runCli(['record', '--heap', '-o', out, '--', process.execPath, join(repoRoot, 'bench', 'workloads', 'typecheck-repeat.cjs'), '1'], {
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/tsprof: memory: [\d.]+ MiB allocated/);
    const foldedFile = join(dir, 'tsc.heap.folded');
    expect(runCli(['convert', out.replace(/\.pb\.gz$/, '.heap.pb.gz'), '-o', foldedFile]).status).toBe(0);
    const folded = readFileSync(foldedFile, 'utf8');
    let all = 0;
    let inTypescript = 0;
    for (const line of folded.trimEnd().split('\n')) {
      expect(line).not.toMatch(/dist\/preload\/|tsprof-agent-call|\(tsprof\)/);
      const bytes = Number(line.slice(line.lastIndexOf(' ') + 1));
      all += bytes;
      if (line.includes('node_modules/typescript/lib/typescript.js')) inTypescript += bytes;
    }
    // Hundreds of MiB, nearly all allocated under TypeScript's own functions (the rest: Node's module loading).
    expect(all).toBeGreaterThan(100 * 1024 * 1024);
    expect(inTypescript / all).toBeGreaterThan(0.9);
    expect(folded).toMatch(/checkSourceFile|checkTypeRelatedTo|parseSourceFile/);
  });
});
