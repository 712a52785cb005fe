import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The agent's cost to a busy HTTP service: bench/workloads/http-service.cjs under wrk on loopback, once plain
 * and once with `--require tsprof/agent` at its defaults (a 10 s window each minute, 100 Hz, writing to a
 * folder), alternating, several trials each. Each measured run lasts a whole profiling period, so that it holds
 * one window at whatever offset the jitter picked. Reports requests per second and the ratio.
 *
 *   npm run build && npx tsx bench/agent-overhead.ts [trials] [seconds per run]     (default 3 trials of 60 s)
 */

const trials = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 60);
const root = join(import.meta.dirname, '..');
const profiles = mkdtempSync(join(tmpdir(), 'tsprof-agent-bench-'));

async function startService(withAgent: boolean): Promise<{ child: ChildProcess; port: number }> {
  const args = [...(withAgent ? ['--require', 'tsprof/agent'] : []), join(root, 'bench', 'workloads', 'http-service.cjs')];
  const env = { ...process.env, NODE_OPTIONS: '', ...(withAgent ? { TSPROF_SERVICE: 'bench', TSPROF_DIR: profiles } : {}) };
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', () => reject(new Error('the service exited')));
  });
  return { child, port };
}

function wrk(port: number, duration: number): number {
  const result = spawnSync('wrk', ['-t', '1', '-c', '32', '-d', `${duration}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const match = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout);
  if (!match) throw new Error(`wrk said: ${result.stdout}${result.stderr}`);
  return Number(match[1]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const plain: number[] = [];
const profiled: number[] = [];
try {
  for (let trial = 0; trial < trials; trial++) {
    for (const withAgent of trial % 2 === 0 ? [false, true] : [true, false]) {
      const { child, port } = await startService(withAgent);
      wrk(port, 5); // warm up: JIT, connections
      (withAgent ? profiled : plain).push(wrk(port, seconds));
      child.kill();
    }
    console.error(`trial ${trial + 1}: plain ${plain.at(-1)!.toFixed(0)} req/s, with agent ${profiled.at(-1)!.toFixed(0)} req/s`);
  }
  const files = spawnSync('ls', [profiles], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;
  console.log(`${trials} trials of ${seconds} s each (wrk -t1 -c32, loopback); the agent wrote ${files} profiles`);
  console.log('| service | requests/s (median) | all runs |');
  console.log('|---|---|---|');
  console.log(`| plain | ${median(plain).toFixed(0)} | ${plain.map((v) => v.toFixed(0)).join(', ')} |`);
  console.log(`| with --require tsprof/agent (defaults) | ${median(profiled).toFixed(0)} | ${profiled.map((v) => v.toFixed(0)).join(', ')} |`);
  console.log(`ratio of medians: ${((100 * median(profiled)) / median(plain)).toFixed(1)}%`);
} finally {
  rmSync(profiles, { recursive: true, force: true });
}
