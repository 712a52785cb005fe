// tsprof record on real third-party programs, side by side with V8's own `node --cpu-prof` (issue 12):
// - does every process and thread the program starts show up, with samples, and nothing of tsprof's?
// - do per-function self shares agree with --cpu-prof's, beyond the spread between two --cpu-prof runs?
// - what does recording cost, in user+sys CPU time and wall time, against --cpu-prof at the same interval?
// Packages are installed from npm into a cached temp folder (never committed); needs GNU time (/usr/bin/time).
// Run: npm run build && npx tsx bench/real-programs.ts [rounds]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importProfile } from '../src/import/index.js';
import { frameLabel } from '../src/model/frame-display.js';
import { installPackages } from '../test/helpers/npm-packages.js';

const rounds = Number(process.argv[2] ?? 3);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsprof = join(root, 'bin', 'tsprof.js');
const work = mkdtempSync(join(tmpdir(), 'tsprof-real-'));
const RATE = 500; // tsprof's default; --cpu-prof-interval 2000 µs is the same rate

const pkgs = installPackages({
  typescript: '5.9.3',
  '@types/node': '20.19.43',
  vite: '7.3.8',
  prettier: '3.10.1',
  vitest: '4.1.12',
  piscina: '5.3.2',
  fastify: '5.12.4',
  autocannon: '8.0.0',
});

/** The workloads: a command run in `cwd`, whether V8's --cpu-prof can profile it too, and what must show. */
interface Workload {
  name: string;
  command: string[];
  /** Functions the profile must contain (each process's or thread's own work). */
  expect: string[];
  /** Compared with --cpu-prof (single programs, or every thread through NODE_OPTIONS). */
  compare: boolean;
}

function prepare(): Workload[] {
  // tsc type-checking TypeScript's API, Vite's and Node's declarations.
  writeFileSync(
    join(pkgs, 'tsconfig.bench.json'),
    JSON.stringify({
      compilerOptions: { noEmit: true, strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', types: ['node'], lib: ['es2022', 'dom'] },
      files: ['node_modules/typescript/lib/typescript.d.ts', 'node_modules/vite/dist/node/index.d.ts'],
    }),
  );
  // prettier checking the formatting of fastify's and piscina's sources (copies: prettier skips node_modules).
  const prettierInput = join(pkgs, 'prettier-input');
  rmSync(prettierInput, { recursive: true, force: true });
  cpSync(join(pkgs, 'node_modules', 'fastify', 'lib'), join(prettierInput, 'fastify'), { recursive: true });
  cpSync(join(pkgs, 'node_modules', 'piscina', 'dist'), join(prettierInput, 'piscina'), { recursive: true });
  // vitest: four test files of CPU work, in worker threads and in child processes.
  const vitestDir = join(pkgs, 'vitest-project');
  mkdirSync(vitestDir, { recursive: true });
  for (let i = 1; i <= 4; i++) {
    writeFileSync(
      join(vitestDir, `work${i}.test.js`),
      `import { test } from 'vitest';\nfunction vitestWork${i}(ms) { const end = Date.now() + ms; let s = 0; while (Date.now() < end) s += ` +
        `Math.sqrt(Math.random()); return s; }\ntest('w', () => { vitestWork${i}(700); });\n`,
    );
  }
  writeFileSync(join(vitestDir, 'vitest.config.mjs'), 'export default { test: { include: ["*.test.js"] } };\n');
  // A fastify service under autocannon's load (the load generator runs without tsprof or --cpu-prof).
  writeFileSync(
    join(pkgs, 'fastify-server.cjs'),
    `const fastify = require('fastify')();
const { spawn } = require('node:child_process');
function priceOrder(id) {
  const items = [];
  for (let i = 0; i < 40; i++) items.push({ sku: 'sku-' + id + '-' + i, q: (id + i) % 5, p: Math.sqrt(i + id) * 3.1 });
  let t = 0;
  for (const x of items) t += x.q * x.p;
  return { id, items, t };
}
let next = 0;
fastify.get('/order', async () => priceOrder(next++));
fastify.listen({ port: 0, host: '127.0.0.1' }).then(() => {
  const env = { ...process.env }; delete env.NODE_OPTIONS; for (const k of Object.keys(env)) if (k.startsWith('TSPROF_')) delete env[k];
  const load = spawn(process.execPath, [require.resolve('autocannon/autocannon.js'), '-c', '16', '-d', '5', 'http://127.0.0.1:' + fastify.server.address().port + '/order'], { env, stdio: 'ignore' });
  load.on('exit', () => fastify.close());
});
`,
  );
  return [
    {
      name: 'tsc (type-checking)',
      command: ['node', 'node_modules/typescript/lib/tsc.js', '-p', 'tsconfig.bench.json'],
      expect: ['checkSourceFile'],
      compare: true,
    },
    {
      name: 'prettier --check',
      command: ['node', 'node_modules/prettier/bin/prettier.cjs', '--check', 'prettier-input'],
      expect: ['printAstToDoc'],
      compare: true,
    },
    { name: 'fastify under autocannon', command: ['node', 'fastify-server.cjs'], expect: ['onSendEnd'], compare: true },
    { name: 'piscina (4 workers)', command: ['node', join(root, 'fixtures', 'programs', 'piscina', 'main.js'), '3'], expect: ['poolTask'], compare: true },
    {
      name: 'vitest --pool=threads',
      command: ['node', 'node_modules/vitest/vitest.mjs', 'run', '--root', 'vitest-project', '--pool=threads'],
      expect: [1, 2, 3, 4].map((i) => `vitestWork${i}`),
      compare: false,
    },
    {
      name: 'vitest --pool=forks',
      command: ['node', 'node_modules/vitest/vitest.mjs', 'run', '--root', 'vitest-project', '--pool=forks'],
      expect: [1, 2, 3, 4].map((i) => `vitestWork${i}`),
      compare: false,
    },
    { name: 'node --test', command: ['node', '--test', join(root, 'fixtures', 'programs', 'node-test')], expect: ['testWork'], compare: false },
  ];
}

interface Run {
  userSys: number;
  wall: number;
  stderr: string;
}

/** Runs a command under GNU time: user+sys CPU seconds of it and every process it waited for, and wall time. */
function timed(command: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const result = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %e', ...command], { cwd: pkgs, env, encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 28 });
  const match = /TIME ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  if (!match) throw new Error(`${command.join(' ')} failed:\n${result.stderr.slice(-2000)}`);
  return { userSys: Number(match[1]) + Number(match[2]), wall: Number(match[3]), stderr: result.stderr };
}

/** Self share (%) of each function (`name (file:line)`), over every profile given, idle left out. */
function selfShares(files: string[]): Map<string, number> {
  const weights = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const { profile } = importProfile(readFileSync(file), { fileName: file });
    const labels = profile.frames.map((frame) => frameLabel(frame, pkgs));
    for (let i = 0; i < profile.samples.length; i++) {
      // Thread roots (`node <pid> ...`, `worker N (...)`) are tsprof's grouping, never a leaf.
      const label = labels[profile.stacks.frame[profile.samples.stack[i]!]!]!;
      weights.set(label, (weights.get(label) ?? 0) + profile.samples.weight[i]!);
      total += profile.samples.weight[i]!;
    }
  }
  return new Map([...weights].map(([label, weight]) => [label, (100 * weight) / total]));
}

/** The largest difference in points between two share maps, and the function it is for. */
function largestDifference(a: Map<string, number>, b: Map<string, number>): { points: number; label: string } {
  let worst = { points: 0, label: '' };
  for (const label of new Set([...a.keys(), ...b.keys()])) {
    const points = Math.abs((a.get(label) ?? 0) - (b.get(label) ?? 0));
    if (points > worst.points) worst = { points, label };
  }
  return worst;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const fmt = (value: number, digits = 1) => value.toFixed(digits);

function cpuProf(workload: Workload, dir: string): Run {
  rmSync(dir, { recursive: true, force: true });
  // On node's command line (Node refuses --cpu-prof in NODE_OPTIONS): worker threads inherit it and write
  // their own profiles; child processes the program spawns do not.
  const [node, ...args] = workload.command;
  return timed([node!, '--cpu-prof', '--cpu-prof-interval', String(1e6 / RATE), '--cpu-prof-dir', dir, ...args]);
}

const rows: string[] = [];
const costRows: string[] = [];
for (const workload of prepare()) {
  const differences: number[] = [];
  const spreads: number[] = [];
  const worst: string[] = [];
  const cost = { tsprofCpu: [] as number[], cpuProfCpu: [] as number[], tsprofWall: [] as number[], cpuProfWall: [] as number[] };
  let presence = 'ok';
  for (let round = 0; round < rounds; round++) {
    const out = join(work, `tsprof-${round}.cpuprofile`);
    const a = join(work, `cpuprof-a-${round}`);
    const b = join(work, `cpuprof-b-${round}`);
    // Rotating order, so that neither variant always runs on a warmer machine.
    const steps = [
      () => {
        const run = timed(['node', tsprof, 'record', '-r', String(RATE), '--no-source-maps', '-o', out, '--', ...workload.command]);
        cost.tsprofCpu.push(run.userSys);
        cost.tsprofWall.push(run.wall);
        const names = new Set(
          (JSON.parse(readFileSync(out, 'utf8')) as { nodes: { callFrame: { functionName: string } }[] }).nodes.map((n) => n.callFrame.functionName),
        );
        const missing = workload.expect.filter((name) => !names.has(name));
        const lost = run.stderr.split('\n').filter((line) => /no samples arrived|ended without its final chunk|could not be read/.test(line));
        const own = run.stderr.split('\n').filter((line) => /dist\/preload|tsprof-agent-call/.test(line));
        if (missing.length > 0 || lost.length > 0 || own.length > 0) presence = [...missing.map((m) => `missing ${m}`), ...lost, ...own].join('; ');
      },
      () => {
        if (!workload.compare) return;
        const run = cpuProf(workload, a);
        cost.cpuProfCpu.push(run.userSys);
        cost.cpuProfWall.push(run.wall);
      },
      () => {
        if (workload.compare) cpuProf(workload, b);
      },
    ];
    for (let k = 0; k < steps.length; k++) steps[(k + round) % steps.length]!();
    if (!workload.compare) continue;
    const ours = selfShares([out]);
    const theirs = selfShares(readdirSync(a).map((f) => join(a, f)));
    const again = selfShares(readdirSync(b).map((f) => join(b, f)));
    const difference = largestDifference(ours, theirs);
    differences.push(difference.points);
    worst.push(difference.label);
    spreads.push(largestDifference(theirs, again).points);
  }
  const verdictRow = workload.compare
    ? `| ${workload.name} | ${presence} | ${fmt(median(differences))} (${worst[differences.indexOf(median(differences))]}) | ${fmt(median(spreads))} | ` +
      `${fmt(median(differences) - median(spreads))} |`
    : `| ${workload.name} | ${presence} | – | – | – |`;
  rows.push(verdictRow);
  if (workload.compare) {
    const cpu = median(cost.tsprofCpu) / median(cost.cpuProfCpu) - 1;
    const wall = median(cost.tsprofWall) / median(cost.cpuProfWall) - 1;
    costRows.push(
      `| ${workload.name} | ${fmt(median(cost.tsprofCpu), 2)} s | ${fmt(median(cost.cpuProfCpu), 2)} s | ${cpu >= 0 ? '+' : ''}${fmt(100 * cpu)}% | ` +
        `${fmt(median(cost.tsprofWall), 2)} s | ${fmt(median(cost.cpuProfWall), 2)} s | ${wall >= 0 ? '+' : ''}${fmt(100 * wall)}% |`,
    );
  }
  process.stderr.write(`${rows[rows.length - 1]}\n`);
}

console.log(`rounds: ${rounds}, ${RATE} Hz, Node ${process.version}\n`);
console.log(
  '| workload | every process and thread present, nothing lost, no tsprof frame | largest self-share difference vs --cpu-prof, points (function) | ' +
    'spread of two --cpu-prof runs, points | beyond the spread |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log('\n| workload | user+sys, tsprof record | user+sys, --cpu-prof | difference | wall, tsprof record | wall, --cpu-prof | difference |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of costRows) console.log(row);
rmSync(work, { recursive: true, force: true });
