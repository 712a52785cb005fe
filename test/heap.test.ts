import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportSelfShares, runCli } from './helpers/cli.js';
import { goAvailable, pprofTop } from './helpers/go.js';
import { fixture, tempDir } from './helpers/paths.js';

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
