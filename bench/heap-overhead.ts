// What `tsprof record --heap` costs on a real allocation-heavy workload (tsc type-checking real declarations,
// see workloads/typecheck.json), side by side with the same workload unprofiled, under `tsprof record` (CPU
// only), and under `node --heap-prof` at the same interval (512 KiB, Node's default); each round runs every
// variant in a rotating order (paired runs), and the figures are medians. Also the program's peak resident
// memory in each variant (workloads/report-max-rss.cjs), for what the profiler adds to it.
// Run: npm run build && npx tsx bench/heap-overhead.ts [rounds] [type-checks]
// With a type-checks count, the workload is that many type-checks in one process (workloads/typecheck-repeat.cjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.argv[2] ?? 5);
const typeChecks = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'lib', 'tsc.js');
const project = join(root, 'bench', 'workloads', 'typecheck.json');
const tsprof = join(root, 'bin', 'tsprof.js');
const work = mkdtempSync(join(tmpdir(), 'tsprof-heap-overhead-'));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Variant {
  name: string;
  args: (round: number) => string[];
  /** The file the variant must have written, to count as a run. */
  wrote?: (round: number) => string;
}

try {
  const workload = [
    '--max-old-space-size=4096',
    '-r',
    join(root, 'bench', 'workloads', 'report-max-rss.cjs'),
    ...(typeChecks === undefined ? [tsc, '-p', project] : [join(root, 'bench', 'workloads', 'typecheck-repeat.cjs'), String(typeChecks)]),
  ];
  const record = (name: string, extra: string[]): Variant => ({
    name,
    args: (r) => [tsprof, 'record', ...extra, '-o', join(work, `${name.replace(/\W+/g, '-')}-${r}.html`), '--', process.execPath, ...workload],
    wrote: (r) => join(work, `${name.replace(/\W+/g, '-')}-${r}${extra.includes('--heap') ? '.heap' : ''}.html`),
  });
  const variants: Variant[] = [
    { name: 'unprofiled', args: () => workload },
    record('tsprof record (CPU only)', []),
    record('tsprof record --heap (allocated)', ['--heap']),
    record('tsprof record --heap inuse', ['--heap', 'inuse']),
    {
      name: 'node --heap-prof (512 KiB)',
      args: (r) => ['--heap-prof', '--heap-prof-interval', String(512 * 1024), '--heap-prof-dir', join(work, `hp${r}`), ...workload],
      wrote: (r) => join(work, `hp${r}`),
    },
  ];
  const times = new Map(variants.map((v) => [v.name, [] as number[]]));
  const rss = new Map(variants.map((v) => [v.name, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const variant of order) {
      const started = performance.now();
      const result = spawnSync(process.execPath, variant.args(round), { cwd: work, encoding: 'utf8' });
      times.get(variant.name)!.push(performance.now() - started);
      const wrote = variant.wrote?.(round);
      if (wrote && !existsSync(wrote)) throw new Error(`${variant.name} wrote no profile (${wrote}): ${result.stderr}`);
      rss.get(variant.name)!.push(Number(/max-rss-kib (\d+)/.exec(result.stderr)?.[1]));
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }

  const base = times.get('unprofiled')!;
  const baseRss = rss.get('unprofiled')!;
  const described = typeChecks === undefined ? 'tsc -p bench/workloads/typecheck.json' : `node bench/workloads/typecheck-repeat.cjs ${typeChecks}`;
  console.log(`workload: ${described}; ${rounds} paired rounds; Node ${process.version}`);
  console.log('| variant | median wall time | overhead vs unprofiled (median of paired ratios) | program peak RSS (median) | added to it (median of paired) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const variant of variants) {
    const values = times.get(variant.name)!;
    const ratios = values.map((value, i) => value / base[i]! - 1);
    const peaks = rss.get(variant.name)!;
    const added = peaks.map((peak, i) => peak - baseRss[i]!);
    const unprofiled = variant.name === 'unprofiled';
    console.log(
      `| ${variant.name} | ${(median(values) / 1000).toFixed(2)} s | ${unprofiled ? '-' : `${(median(ratios) * 100).toFixed(1)}%`} | ` +
        `${(median(peaks) / 1024).toFixed(0)} MiB | ${unprofiled ? '-' : `${(median(added) / 1024).toFixed(0)} MiB`} |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
