import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, repoRoot, tempDir } from './helpers/paths.js';

/**
 * tsprof as a library (docs/api.md), used as another project uses it: the packed tarball installed into a
 * package of its own, imported as `tsprof`, type-checked against the declarations it ships.
 */

const consumer = join(tempDir(), 'consumer');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  mkdirSync(consumer);
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet.
  npm(['pack', '--ignore-scripts', '--pack-destination', consumer], repoRoot);
  const tarball = readdirSync(consumer).find((name) => name.endsWith('.tgz'))!;
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(['install', '--prefer-offline', '--ignore-scripts', `./${tarball}`], consumer);
}, 180_000);

/** Runs `source` as an ES module of the consumer package; its stdout is JSON. */
function run(source: string): unknown {
  writeFileSync(join(consumer, 'use.mjs'), source);
  const result = spawnSync(process.execPath, ['use.mjs'], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe("import { readProfile, writeProfile, diffProfiles, reportProfile } from 'tsprof'", () => {
  it('reads a file, reports its functions, writes pprof and reads those bytes back the same', () => {
    const result = run(`
      import { readProfile, writeProfile, reportProfile } from 'tsprof';
      const { profile, format } = await readProfile(${JSON.stringify(fixture('profiles', 'hot-function.cpuprofile'))});
      const top = reportProfile(profile, { top: 1 })[0];
      const pprof = writeProfile(profile, 'pprof');
      const again = await readProfile(pprof);
      const folded = writeProfile(profile, 'folded');
      console.log(JSON.stringify({
        format, top: top.frame.name, percent: top.selfPercent,
        pprofBytes: pprof instanceof Uint8Array, againFormat: again.format, againTop: reportProfile(again.profile, { top: 1 })[0].frame.name,
        foldedLines: folded.split('\\n').filter(Boolean).length,
      }));
    `) as Record<string, unknown>;
    expect(result).toMatchObject({ format: 'cpuprofile', top: 'hotLoop', pprofBytes: true, againFormat: 'pprof', againTop: 'hotLoop' });
    expect(result.percent as number).toBeGreaterThan(80);
    expect(result.foldedLines as number).toBeGreaterThan(0);
  });

  it('diffs runs of two versions with verdicts and p-values, as tsprof diff does', () => {
    const side = (name: string) => readdirSync(fixture('recordings', 'regression', name)).map((file) => fixture('recordings', 'regression', name, file));
    const result = run(`
      import { readProfile, diffProfiles } from 'tsprof';
      const read = (files) => Promise.all(files.map(async (file) => (await readProfile(file)).profile));
      const diff = diffProfiles(await read(${JSON.stringify(side('before'))}), await read(${JSON.stringify(side('after'))}));
      const regressed = diff.self.filter((row) => row.verdict === 'regressed').map((row) => [row.frame.name, row.p]);
      console.log(JSON.stringify({ runs: diff.before.runs, regressed }));
    `) as { runs: number; regressed: [string, number][] };
    expect(result.runs).toBe(4);
    expect(result.regressed.map(([name]) => name)).toEqual(['computeScore']);
    expect(result.regressed[0]![1]).toBeLessThan(0.05);
  });

  it('throws a ProfileError whose message is one line naming the file', () => {
    const result = run(`
      import { readProfile, writeProfile, ProfileError } from 'tsprof';
      const errors = [];
      for (const attempt of [() => readProfile('/no/such/file.cpuprofile'), () => readProfile(new TextEncoder().encode('not a profile'))]) {
        try { await attempt(); } catch (error) { errors.push([error instanceof ProfileError, error.message]); }
      }
      console.log(JSON.stringify(errors));
    `) as [boolean, string][];
    expect(result).toEqual([
      [true, '/no/such/file.cpuprofile: no such file or folder'],
      [true, expect.stringMatching(/^the file is not a profile tsprof reads/) as unknown as string],
    ]);
  });

  it('type-checks: the declarations it ships describe what it does', () => {
    writeFileSync(
      join(consumer, 'use.ts'),
      `import { readProfile, writeProfile, diffProfiles, reportProfile, type Profile, type ProfileDiff, type FunctionStats } from 'tsprof';
const { profile }: { profile: Profile } = await readProfile('app.cpuprofile');
const rows: FunctionStats[] = reportProfile(profile, { by: 'total', top: 5 });
const diff: ProfileDiff = diffProfiles([profile], profile, { alpha: 0.01 });
const page: string | Uint8Array = writeProfile(profile, 'html', { title: 'app' });
console.log(rows[0]?.frame.name, diff.self[0]?.verdict, page.length);
// @ts-expect-error: not a format tsprof writes
writeProfile(profile, 'svg');
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true }, files: ['use.ts'] }),
    );
    const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: consumer,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  });
});
