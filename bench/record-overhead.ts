// tsprof record's cost on a real CPU-heavy workload (tsc type-checking real declarations, see
// workloads/typecheck.json), side by side with the same workload unprofiled, under `node --cpu-prof
// --cpu-prof-interval 2000` and under 0x (--collect-only); each round runs all four in a rotating order
// (paired runs), and the figures are medians. Also: the sampling rate tsprof achieved, and the time from the
// program's exit to the written HTML for a 60-second recording.
// Run: npx tsx bench/record-overhead.ts [rounds] [recording-seconds] [type-checks]   (installs 0x@6.0.0 once)
// With a type-checks count, the workload is that many type-checks in one process (workloads/typecheck-repeat.cjs)
// instead of one `tsc -p`: long enough for per-second costs to show rather than start-up costs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.argv[2] ?? 5);
const recordingSeconds = Number(process.argv[3] ?? 60);
const typeChecks = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'lib', 'tsc.js');
const project = join(root, 'bench', 'workloads', 'typecheck.json');
const tsprof = join(root, 'bin', 'tsprof.js');
const work = mkdtempSync(join(tmpdir(), 'tsprof-overhead-'));

function install0x(): string {
  const prefix = join(work, '0x');
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefix', prefix, '0x@6.0.0'], { stdio: 'ignore' });
  return join(prefix, 'node_modules', '0x', 'cmd.js');
}

interface Variant {
  name: string;
  run: (round: number) => { command: string; args: string[] };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The rate a --cpu-prof profile achieved, measured as tsprof measures its own: busy samples per busy second. */
function cpuProfRate(dir: string): number {
  const profile = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let busyUs = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    if (idle.has(id)) return;
    busy++;
    busyUs += profile.timeDeltas[i]!;
  });
  return Math.round(busy / (busyUs / 1e6));
}

try {
  const zeroX = install0x();
  const workload =
    typeChecks === undefined
      ? ['--max-old-space-size=4096', tsc, '-p', project]
      : ['--max-old-space-size=4096', join(root, 'bench', 'workloads', 'typecheck-repeat.cjs'), String(typeChecks)];
  const variants: Variant[] = [
    { name: 'unprofiled', run: () => ({ command: process.execPath, args: workload }) },
    {
      name: 'tsprof record -r 500',
      run: (r) => ({ command: process.execPath, args: [tsprof, 'record', '-r', '500', '-o', join(work, `t${r}.html`), '--', process.execPath, ...workload] }),
    },
    {
      name: 'node --cpu-prof (2000 us)',
      run: (r) => ({ command: process.execPath, args: ['--cpu-prof', '--cpu-prof-interval', '2000', '--cpu-prof-dir', join(work, `cp${r}`), ...workload] }),
    },
    {
      name: '0x --collect-only',
      run: (r) => ({ command: process.execPath, args: [zeroX, '--collect-only', '-D', join(work, `0x${r}`), '--', process.execPath, ...workload] }),
    },
  ];
  const times = new Map(variants.map((v) => [v.name, [] as number[]]));
  const rates: number[] = [];
  const cpuProfRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so that no variant always runs first (cold caches) or last.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const variant of order) {
      const { command, args } = variant.run(round);
      const started = performance.now();
      const result = spawnSync(command, args, { cwd: work, encoding: 'utf8' });
      times.get(variant.name)!.push(performance.now() - started);
      const rate = /sampling rate (\d+) Hz achieved/.exec(result.stderr ?? '');
      if (rate) rates.push(Number(rate[1]));
      if (variant.name.startsWith('tsprof') && !existsSync(join(work, `t${round}.html`))) throw new Error(`tsprof wrote no profile: ${result.stderr}`);
      if (variant.name.startsWith('node --cpu-prof')) cpuProfRates.push(cpuProfRate(join(work, `cp${round}`)));
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }

  const base = times.get('unprofiled')!;
  const described = typeChecks === undefined ? 'tsc -p bench/workloads/typecheck.json' : `node bench/workloads/typecheck-repeat.cjs ${typeChecks}`;
  console.log(`workload: ${described}; ${rounds} paired rounds; Node ${process.version}`);
  console.log('| variant | median wall time | overhead vs unprofiled (median of paired ratios) |');
  console.log('| --- | --- | --- |');
  for (const variant of variants) {
    const values = times.get(variant.name)!;
    const ratios = values.map((value, i) => value / base[i]! - 1);
    console.log(
      `| ${variant.name} | ${(median(values) / 1000).toFixed(2)} s | ${variant.name === 'unprofiled' ? '-' : `${(median(ratios) * 100).toFixed(1)}%`} |`,
    );
  }
  console.log(
    `achieved sampling rate on this workload, 500 Hz requested: tsprof median ${median(rates)} Hz (${((median(rates) / 500) * 100).toFixed(0)}%; runs ` +
      `${rates.join(', ')}); node --cpu-prof median ${median(cpuProfRates)} Hz (runs ${cpuProfRates.join(', ')})`,
  );

  // The same on purely compute-bound code (no allocation, so no GC pauses in which V8 cannot sample).
  const hot = join(root, 'fixtures', 'programs', 'hot-function.js');
  const hotRates = [0, 1, 2].map((r) => {
    const result = spawnSync(process.execPath, [tsprof, 'record', '-r', '500', '-o', join(work, `hot${r}.html`), '--', process.execPath, hot, '600'], {
      cwd: work,
      encoding: 'utf8',
    });
    return Number(/sampling rate (\d+) Hz achieved/.exec(result.stderr)?.[1]);
  });
  console.log(
    `achieved sampling rate on compute-bound code (fixtures/programs/hot-function.js 600, ~4 s), 500 Hz requested: median ${median(hotRates)} Hz ` +
      `(${((median(hotRates) / 500) * 100).toFixed(0)}%; runs ${hotRates.join(', ')})`,
  );

  // Exit to written page, for a recording of `recordingSeconds` seconds.
  const loop = join(root, 'bench', 'workloads', 'typecheck-loop.cjs');
  const out = join(work, 'long.html');
  const result = spawnSync(process.execPath, [tsprof, 'record', '-r', '500', '-o', out, '--', process.execPath, loop, String(recordingSeconds)], {
    cwd: work,
    encoding: 'utf8',
  });
  const finished = Date.now();
  const exitedAt = Number(/exited-at (\d+)/.exec(result.stderr)?.[1]);
  const samples = /([\d,]+) samples in/.exec(result.stderr)?.[1];
  console.log(`${recordingSeconds}-second recording (${samples} samples): program exit -> HTML written and tsprof exited: ${finished - exitedAt} ms`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
