import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/paths.js';
import { readText, rootsOf, selfByFunction, startTsprof, totalOf } from './helpers/record.js';
import { isAlive, portsOf, startTarget } from './helpers/target.js';

// record --pid against real processes. Most targets start with --inspect-port=0, so that SIGUSR1 opens their
// inspector on a free port; the tests that need Node's default port 9229 say so.

const dir = tempDir();
let counter = 0;
const output = (ext = 'folded') => join(dir, `attach-${++counter}.${ext}`);
const FREE_PORT = ['--inspect-port=0'];

describe('tsprof record --pid', () => {
  it('profiles a busy process through its inspector (default port 9229), then closes the inspector it opened', async () => {
    const target = await startTarget(['busy']);
    const portsBefore = portsOf(target.pid);
    const out = output();
    const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1.5', '-o', out]).done;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/opened its inspector on 127\.0\.0\.1:9229/);
    const self = selfByFunction(readText(out));
    const [hottest] = [...self].sort((a, b) => b[1] - a[1])[0]!;
    expect(hottest).toBe('hotLoop');
    expect(readText(out)).not.toMatch(/^(node|worker) \d+/m); // one process, one thread: no thread roots
    expect(portsOf(target.pid)).toEqual(portsBefore);
    expect(isAlive(target.pid)).toBe(true);
    expect(target.stdout()).toBe(`ready ${target.pid}\n`); // nothing of ours in its stdout
  });

  it('profiles every worker thread', async () => {
    const target = await startTarget(['workers'], FREE_PORT);
    const out = output();
    const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1.5', '-o', out]).done;
    expect(result.status, result.stderr).toBe(0);
    const roots = [...rootsOf(readText(out)).keys()];
    expect(roots.filter((root) => root.startsWith('worker ')).length).toBe(2);
    expect(roots).toContain(`node ${target.pid} long-running.js workers`);
    const folded = readText(out);
    const workerLines = folded.split('\n').filter((line) => line.startsWith('worker '));
    expect(workerLines.join('\n')).toContain('workerHotLoop');
    expect(totalOf(folded, 'workerHotLoop')).toBeGreaterThan(totalOf(folded, '(garbage collector)'));
    expect(portsOf(target.pid)).toEqual([]);
  });

  it('uses an inspector that was already open and leaves it open', async () => {
    const target = await startTarget(['busy'], ['--inspect=127.0.0.1:0']);
    const before = portsOf(target.pid);
    expect(before.length).toBe(1);
    const out = output();
    const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1', '-o', out]).done;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`using its open inspector on ${before[0]}`);
    expect(selfByFunction(readText(out)).get('hotLoop')).toBeGreaterThan(0);
    expect(portsOf(target.pid)).toEqual(before);
  });

  it('stops on Ctrl-C, writes the profile and closes the inspector', async () => {
    const target = await startTarget(['busy'], FREE_PORT);
    const out = output();
    const recording = startTsprof(['record', '--pid', String(target.pid), '-o', out]);
    await waitFor(() => portsOf(target.pid).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    recording.child.kill('SIGINT');
    const result = await recording.done;
    expect(result.status, result.stderr).toBe(0);
    expect(selfByFunction(readText(out)).get('hotLoop')).toBeGreaterThan(0);
    expect(portsOf(target.pid)).toEqual([]);
    expect(isAlive(target.pid)).toBe(true);
  });

  it('keeps the profile of a process that exits while recording, and its exit status', async () => {
    const target = await startTarget(['exit', '1200'], FREE_PORT);
    const out = output();
    const started = Date.now();
    const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '20', '-o', out]).done;
    expect(result.status, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000); // it did not wait for --duration
    expect(result.stderr).toMatch(/exited while recording/);
    expect(selfByFunction(readText(out)).get('hotLoop')).toBeGreaterThan(100);
    expect(await target.exited).toEqual({ code: 7, signal: null });
  });

  it('refuses a process that is not Node.js, and leaves it alive', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const result = await startTsprof(['record', '--pid', String(sleeper.pid), '-d', '1']).done;
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/runs \S*sleep, not Node\.js/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(sleeper.exitCode).toBe(null);
      expect(isAlive(sleeper.pid!)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('refuses a process whose inspector would listen beyond the loopback, without signalling it', async () => {
    const target = await startTarget(['busy'], ['--inspect-port=0.0.0.0:0']);
    const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1']).done;
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/would open its inspector on 0\.0\.0\.0:0, beyond the loopback/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(portsOf(target.pid)).toEqual([]);
    expect(target.stderr()).toBe(''); // no SIGUSR1 reached it: Node would have announced an inspector
  });

  it('says so when the pid does not exist', async () => {
    const result = await startTsprof(['record', '--pid', '4194303', '-d', '1']).done;
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('tsprof: error: no process with pid 4194303\n');
  });

  it('explains a port 9229 taken by another process, with the --inspect-port=0 hint, and leaves the process as it was', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve, reject) => blocker.once('error', reject).listen(9229, '127.0.0.1', () => resolve()));
    try {
      const target = await startTarget(['busy']);
      const out = output();
      const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1', '-o', out]).done;
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/port 9229 is taken by another process.*--inspect-port=0/);
      expect(existsSync(out)).toBe(false);
      expect(portsOf(target.pid)).toEqual([]);
      expect(isAlive(target.pid)).toBe(true);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses --pid together with a command, or with options only a started command has', async () => {
    const both = await startTsprof(['record', '--pid', '1', '--', 'node', '-e', '0']).done;
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/either --pid or a command/);
    const killAfter = await startTsprof(['record', '--pid', '1', '--kill-after']).done;
    expect(killAfter.status).toBe(2);
    expect(killAfter.stderr).toMatch(/--kill-after: only for a command that tsprof starts/);
  });
});


async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
