import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { fixture, repoRoot, tempDir } from './helpers/paths.js';
import { readText, startTsprof } from './helpers/record.js';
import { startTarget } from './helpers/target.js';

/**
 * fixtures/projects/ts-app, built the ways TypeScript reaches Node (tsc with external or inline maps, an
 * esbuild bundle, tsx in memory), recorded, and read back: the hot function must name its .ts file and line.
 */

const HOT = { name: 'hotLoop', file: 'src/hot.ts', line: 8 };
const WARM = { name: 'warmHelper', file: 'src/main.ts', line: 8 };
const DEPENDENCY = `// A dependency shipped as plain JavaScript, without a source map.
exports.depWork = function depWork(iterations) {
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum += (i * 31) % 11;
  return sum;
};
`;

/** A fresh copy of the fixture project, with its plain-JavaScript dependency in node_modules. */
function project(): string {
  const dir = join(tempDir(), 'ts-app');
  cpSync(fixture('projects', 'ts-app'), dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules', 'plain-dep'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'plain-dep', 'index.js'), DEPENDENCY);
  return dir;
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  expect(result.status, `${command} ${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0);
}

const tsc = (cwd: string, ...flags: string[]) => run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', ...flags], cwd);
const esbuild = join(repoRoot, 'node_modules', '.bin', 'esbuild');
const tsxCli = join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** Records `command` in `cwd` as folded stacks; returns them and tsprof's stderr. */
function record(cwd: string, command: string[], ...flags: string[]): { folded: string; stderr: string } {
  const output = join(cwd, 'profile.folded');
  const result = runCli(['record', '-o', output, ...flags, '--', ...command], { cwd });
  expect(result.status, result.stderr).toBe(0);
  return { folded: readFileSync(output, 'utf8'), stderr: result.stderr };
}

/** Every `warmHelper (...)` frame (a small function: sampled a few times, if at all) is at its .ts line. */
function expectWarmMapped(folded: string): void {
  const locations = new Set(
    folded
      .split(/[;\n]/)
      .filter((frame) => frame.startsWith('warmHelper ('))
      .map((frame) => frame.replace(/ \d+$/, '')),
  );
  for (const location of locations) expect(location).toBe(label(WARM));
}

/** Own samples by leaf frame label (`name (file:line)`). */
function selfByLabel(folded: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of folded.trimEnd().split('\n')) {
    const stack = line.slice(0, line.lastIndexOf(' '));
    const leaf = stack.slice(stack.lastIndexOf(';') + 1);
    result.set(leaf, (result.get(leaf) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return result;
}

/**
 * The hottest frame of the project's own files (src/ or dist/): on a busy machine a loader's wait (tsx's call
 * into esbuild's service) can outweigh the program's loop, and which one wins is not what these tests ask.
 */
function hottest(folded: string): string {
  return [...selfByLabel(folded)].filter(([label]) => /\((src|dist)\//.test(label)).sort((a, b) => b[1] - a[1])[0]![0];
}

const label = (frame: { name: string; file: string; line: number }) => `${frame.name} (${frame.file}:${frame.line})`;

describe('source maps: compiled TypeScript shows the source the user wrote', () => {
  it('tsc with external .map files (no sourcesContent)', () => {
    const dir = project();
    tsc(dir);
    const { folded, stderr } = record(dir, [process.execPath, 'dist/main.js']);
    expect(hottest(folded)).toBe(label(HOT));
    expectWarmMapped(folded);
    // The dependency has no map: it stays as it ran, and is not called a missing map.
    expect(folded).toMatch(/;depWork \(node_modules\/plain-dep\/index\.js:2\)[; ]/);
    expect(stderr).toMatch(/^tsprof: source maps: (1 frame mapped to its source|\d+ frames mapped to their sources)$/m);
    // Every frame of the app's functions is mapped (the module's own top-level code may stay: tsc maps
    // nothing to its first line).
    expect(folded.split(/[;\n]/).filter((frame) => /^(hotLoop|warmHelper) \(dist\//.test(frame))).toEqual([]);
  });

  it('tsc with inline data: maps carrying sourcesContent', () => {
    const dir = project();
    tsc(dir, '--sourceMap', 'false', '--inlineSourceMap', '--inlineSources');
    expect(readFileSync(join(dir, 'dist', 'hot.js'), 'utf8')).toMatch(/\/\/# sourceMappingURL=data:application\/json;base64,/);
    expect(hottest(record(dir, [process.execPath, 'dist/main.js']).folded)).toBe(label(HOT));
  });

  it('an esbuild bundle (one file, many sources), minified: original files, lines and names', () => {
    const dir = project();
    run(esbuild, ['src/main.ts', '--bundle', '--platform=node', '--minify', '--sourcemap', '--outfile=dist/bundle.js'], dir);
    const { folded } = record(dir, [process.execPath, 'dist/bundle.js']);
    expect(hottest(folded)).toBe(label(HOT));
    expectWarmMapped(folded);
    const plain = record(dir, [process.execPath, 'dist/bundle.js'], '--no-source-maps').folded;
    expect(hottest(plain)).toMatch(/^\w{1,2} \(dist\/bundle\.js:1\)$/);
  });

  it('a bundle whose inline map is larger than the end of the file tsprof reads first (256 KiB)', () => {
    const dir = project();
    // 400 KB of comment in a source: its sourcesContent makes the inline map's one line about 550 KB long.
    writeFileSync(join(dir, 'src', 'hot.ts'), `${readFileSync(join(dir, 'src', 'hot.ts'), 'utf8')}\n${'// padding padding padding\n'.repeat(15_000)}`);
    run(esbuild, ['src/main.ts', '--bundle', '--platform=node', '--sourcemap=inline', '--outfile=dist/bundle.js'], dir);
    const lastLine = readFileSync(join(dir, 'dist', 'bundle.js'), 'utf8')
      .trimEnd()
      .split('\n')
      .pop()!;
    expect(lastLine.length).toBeGreaterThan(256 * 1024);
    expect(hottest(record(dir, [process.execPath, 'dist/bundle.js']).folded)).toBe(label(HOT));
  });

  it('tsx, which transforms in memory: maps captured inside the process', () => {
    const dir = project();
    const { folded, stderr } = record(dir, [process.execPath, tsxCli, 'src/main.ts']);
    expect(hottest(folded)).toBe(label(HOT));
    expectWarmMapped(folded);
    expect(stderr).not.toMatch(/without source map/);
    // Without maps, V8's lines are those of tsx's output, not of the file on disk.
    const plain = record(dir, [process.execPath, tsxCli, 'src/main.ts'], '--no-source-maps').folded;
    expect(hottest(plain)).toMatch(/^hotLoop \(src\/hot\.ts:\d+\)$/);
    expect(hottest(plain)).not.toBe(label(HOT));
  });

  it('record --heap maps the allocating frames too: tsc-compiled with its maps on disk, and tsx in memory', () => {
    const dir = project();
    tsc(dir);
    const keepRows = 'keepRows (src/keep.ts:8)';
    for (const command of [
      [process.execPath, 'dist/keep.js'],
      [process.execPath, tsxCli, 'src/keep.ts'],
    ]) {
      const result = runCli(['record', '--heap', '--heap-interval', '32k', '-o', join(dir, 'keep.folded'), '--', ...command], { cwd: dir });
      expect(result.status, result.stderr).toBe(0);
      const heap = selfByLabel(readFileSync(join(dir, 'keep.heap.folded'), 'utf8'));
      const top = [...heap].sort((a, b) => b[1] - a[1])[0]![0];
      expect(top, command.join(' ')).toBe(keepRows);
    }
  });

  it('maps an imported .cpuprofile with the maps next to its scripts, unless --no-source-maps', () => {
    const dir = project();
    tsc(dir);
    const profile = join(dir, 'app.cpuprofile');
    run(process.execPath, ['--cpu-prof', '--cpu-prof-name=app.cpuprofile', 'dist/main.js'], dir);
    const mapped = runCli(['convert', profile, '-o', '-'], { cwd: dir });
    expect(mapped.status, mapped.stderr).toBe(0);
    expect(hottest(mapped.stdout)).toBe(label(HOT));
    expect(hottest(runCli(['convert', profile, '-o', '-', '--no-source-maps'], { cwd: dir }).stdout)).toMatch(/^hotLoop \(dist\/hot\.js:\d+\)$/);
    expect(runCli(['report', profile], { cwd: dir }).stdout).toMatch(/hotLoop +src\/hot\.ts:8$/m);
  });

  it('a missing or broken map leaves the frames as they ran and is counted, never an error', () => {
    const dir = project();
    tsc(dir);
    rmSync(join(dir, 'dist', 'hot.js.map'));
    writeFileSync(join(dir, 'dist', 'main.js.map'), '{ this is not a source map');
    const { folded, stderr } = record(dir, [process.execPath, 'dist/main.js']);
    expect(hottest(folded)).toMatch(/^hotLoop \(dist\/hot\.js:\d+\)$/);
    expect(stderr).toMatch(/^tsprof: source maps: (1 frame mapped to its source, |\d+ frames mapped to their sources, )?\d+ frames? without source map$/m);
    const profile = join(dir, 'app.cpuprofile');
    run(process.execPath, ['--cpu-prof', '--cpu-prof-name=app.cpuprofile', 'dist/main.js'], dir);
    const converted = runCli(['convert', profile, '-o', '-'], { cwd: dir });
    expect(converted.status).toBe(0);
    expect(converted.stderr).toMatch(/^tsprof: warning: \S+app\.cpuprofile: \d+ frames? without source map \(left as compiled\)$/m);
  });

  it("a dependency that names a map it does not ship (TypeScript's _tsc.js does) is left as it ran, without a warning", () => {
    const dir = project();
    // The plain dependency's last line names a map that is not there; the app's own maps are fine.
    writeFileSync(join(dir, 'node_modules', 'plain-dep', 'index.js'), `${DEPENDENCY}//# sourceMappingURL=index.js.map\n`);
    tsc(dir);
    const { folded, stderr } = record(dir, [process.execPath, 'dist/main.js']);
    expect(folded).toMatch(/;depWork \(node_modules\/plain-dep\/index\.js:2\)[; ]/);
    expect(stderr).not.toMatch(/without source map/);
    expect(stderr).toMatch(/^tsprof: source maps: (1 frame mapped to its source|\d+ frames mapped to their sources)$/m);
  });

  // Type stripping: without a flag from Node 22.18 and 23.6; Node 20 has none.
  it.skipIf(!(process.features as { typescript?: unknown }).typescript)(
    'TypeScript Node runs itself (node app.ts): frames name the .ts file and its lines, and no map is missed',
    () => {
      const script = fixture('programs', 'hot-function.ts');
      const line =
        readFileSync(script, 'utf8')
          .split('\n')
          .findIndex((text) => text.startsWith('function hotLoop(')) + 1;
      const { folded, stderr } = record(tempDir(), [process.execPath, script, '30']);
      const [leaf] = [...selfByLabel(folded)].sort((a, b) => b[1] - a[1])[0]!;
      expect(leaf).toMatch(new RegExp(`^hotLoop \\(\\S*fixtures/programs/hot-function\\.ts:${line}\\)$`));
      expect(stderr).not.toMatch(/without source map/);
    },
  );

  it('record --pid of a process running TypeScript through tsx: maps asked of the process itself', async () => {
    const dir = project();
    const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const target = await startTarget([], ['--inspect-port=0', '--import', tsxLoader], { script: 'src/serve.ts', cwd: dir });
    const output = join(dir, 'attached.folded');
    const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1.5', '-o', output], { cwd: dir }).done;
    expect(result.status, result.stderr).toBe(0);
    expect(hottest(readText(output))).toBe(label(HOT));
    expect(result.stderr).not.toMatch(/without source map/);
    const plain = join(dir, 'plain.folded');
    expect((await startTsprof(['record', '--pid', String(target.pid), '-d', '1', '-o', plain, '--no-source-maps'], { cwd: dir }).done).status).toBe(0);
    expect(hottest(readText(plain))).toMatch(/^hotLoop \(src\/hot\.ts:\d+\)$/);
    expect(hottest(readText(plain))).not.toBe(label(HOT));
  });

  it('the pprof endpoint inside a tsx-run service answers with its .ts lines', async () => {
    const dir = project();
    const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsxLoader, 'src/endpoint.ts'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', TSPROF_LIBRARY: pathToFileURL(join(repoRoot, 'dist', 'index.js')).href },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /^ready (\S+)$/m.exec(out);
          if (match) resolve(match[1]!);
        });
        child.on('exit', () => reject(new Error('the service exited')));
      });
      const folded = await (await fetch(`${url}/debug/pprof/profile?seconds=1&format=folded`)).text();
      expect(hottest(folded.replaceAll(`${dir}/`, ''))).toBe(label(HOT));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
