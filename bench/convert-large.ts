// How long `tsprof convert` takes on a large profile (1,000,000 samples) to folded and to HTML, end to end
// through the CLI. Run: npx tsx bench/convert-large.ts [samples] [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticCpuprofile } from './synthetic.js';

const samples = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'tsprof-bench-'));
const bin = new URL('../bin/tsprof.js', import.meta.url).pathname;

try {
  const input = join(dir, 'large.cpuprofile');
  writeFileSync(input, syntheticCpuprofile(samples, 20_000));
  console.log(`input: ${samples.toLocaleString('en-US')} samples, ${(statSync(input).size / 1e6).toFixed(1)} MB`);
  for (const output of ['large.folded', 'large.html', 'large.speedscope.json']) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const result = spawnSync(process.execPath, [bin, 'convert', input, '-o', join(dir, output)], { encoding: 'utf8' });
      times.push(performance.now() - started);
      if (result.status !== 0) throw new Error(result.stderr);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(
      `convert -> ${output.padEnd(22)} median ${(median / 1000).toFixed(2)} s  (min ${(times[0]! / 1000).toFixed(2)}, max ` +
        `${(times.at(-1)! / 1000).toFixed(2)}, ${runs} runs)  output ${(statSync(join(dir, output)).size / 1e6).toFixed(1)} MB`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
