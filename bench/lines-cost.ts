// What keeping executing lines costs tsprof's reading and writing: the same 1,000,000-sample .cpuprofile
// (bench/synthetic.ts) with and without V8's positionTicks (each node's self samples split over three lines,
// as V8 writes them), through `tsprof report`, `report --lines`, `convert -o x.folded` and the HTML page.
// The agent in the profiled program is not involved: V8 puts positionTicks in every profile it hands over,
// and tsprof's agent passes them on unchanged. Run: npm run build && npx tsx bench/lines-cost.ts [samples] [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticCpuprofile } from './synthetic.js';

const samples = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'tsprof-bench-lines-'));
const bin = new URL('../bin/tsprof.js', import.meta.url).pathname;

/** The same profile with each node's hits split over its function's line and the next two, 60/30/10. */
function withPositionTicks(text: string): string {
  const profile = JSON.parse(text) as { nodes: { hitCount: number; callFrame: { lineNumber: number }; positionTicks?: object[] }[] };
  for (const node of profile.nodes) {
    if (node.hitCount === 0) continue;
    const first = node.callFrame.lineNumber + 2;
    const a = Math.round(node.hitCount * 0.6);
    const b = Math.round(node.hitCount * 0.3);
    node.positionTicks = [
      { line: first, ticks: a },
      { line: first + 1, ticks: b },
      { line: first + 2, ticks: node.hitCount - a - b },
    ].filter((tick) => tick.ticks > 0);
  }
  return JSON.stringify(profile);
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

try {
  const plain = syntheticCpuprofile(samples, 20_000);
  const inputs = { 'without lines': join(dir, 'plain.cpuprofile'), 'with lines': join(dir, 'lines.cpuprofile') };
  writeFileSync(inputs['without lines'], plain);
  writeFileSync(inputs['with lines'], withPositionTicks(plain));
  console.log(`${samples.toLocaleString('en-US')} samples; Node ${process.version}; median of ${runs} runs`);
  console.log('| command | without lines | with lines |');
  console.log('| --- | --- | --- |');
  const commands: [string, (input: string) => string[]][] = [
    ['report', (input) => ['report', input]],
    ['report --lines', (input) => ['report', input, '--lines']],
    ['convert -o x.folded', (input) => ['convert', input, '-o', join(dir, 'x.folded')]],
    ['convert -o x.html', (input) => ['convert', input, '-o', join(dir, 'x.html')]],
  ];
  for (const [name, args] of commands) {
    const cells = Object.entries(inputs).map(([label, input]) => {
      if (name === 'report --lines' && label === 'without lines') return '(no lines)';
      const times: number[] = [];
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        const result = spawnSync(process.execPath, [bin, ...args(input)], { encoding: 'utf8', maxBuffer: 1 << 28 });
        times.push(performance.now() - started);
        if (result.status !== 0) throw new Error(`${name} ${label}: ${result.stderr}`);
      }
      return `${(median(times) / 1000).toFixed(2)} s`;
    });
    console.log(`| \`tsprof ${name}\` | ${cells.join(' | ')} |`);
  }
  console.log(
    `input sizes: ${(statSync(inputs['without lines']).size / 1e6).toFixed(1)} MB without, ${(statSync(inputs['with lines']).size / 1e6).toFixed(1)} MB with`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
