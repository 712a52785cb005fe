import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { binPath, fixture, tempDir } from './helpers/paths.js';
import { readText, rootsOf, selfByFunction, startTsprof, totalOf } from './helpers/record.js';
import { isAlive, portsOf, startTarget } from './helpers/target.js';
import { waitFor } from './helpers/wait-for.js';

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
    // The main thread only idles: it shows only if V8 caught it busy (GC, say), never with tsprof's own calls.
    expect(roots.filter((root) => !root.startsWith('worker '))).toEqual(
      roots.includes(`node ${target.pid} long-running.js workers`) ? [`node ${target.pid} long-running.js workers`] : [],
    );
    const folded = readText(out);
    expect(folded).not.toMatch(/\(tsprof\)|tsprof-agent-call/);
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
    await waitFor(() => portsOf(target.pid).length > 0, 10_000, 'the inspector to open');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    recording.child.kill('SIGINT');
    const result = await recording.done;
    expect(result.status, result.stderr).toBe(0);
    expect(selfByFunction(readText(out)).get('hotLoop')).toBeGreaterThan(0);
    expect(portsOf(target.pid)).toEqual([]);
    expect(isAlive(target.pid)).toBe(true);
  });

  it.each([
    ['record', '--pid'],
    ['top', '--pid'],
  ])('an inspector tsprof opened closes itself when `tsprof %s` is killed with SIGKILL', async (...command) => {
    const target = await startTarget(['busy'], FREE_PORT);
    const recording = startTsprof([...command, String(target.pid)]);
    // Attached and sampling: record says so on stderr, top (without a terminal) prints its first snapshot.
    let said = '';
    recording.child.stdout!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    recording.child.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await waitFor(() => /opened its inspector on|tsprof top/.test(said), 15_000, 'tsprof to attach');
    recording.child.kill('SIGKILL');
    await recording.done;
    await waitFor(() => portsOf(target.pid).length === 0, 15_000, 'the watchdog to close the inspector');
    // Seen once on a busy machine: the target gone within half a second. Say how, should it happen again.
    const ended = await Promise.race([target.exited, Promise.resolve(undefined)]);
    expect(isAlive(target.pid), `the target ended (${JSON.stringify(ended)}); its stderr: ${target.stderr()}`).toBe(true);
  });

  it('keeps the profile of a process that exits while recording, and its exit status', async () => {
    const target = await startTarget(['exit', '2500'], FREE_PORT);
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

  it.each([['--inspect-port=0.0.0.0:0'], ['--inspect-port', '0.0.0.0:0'], ['--debug-port', '0.0.0.0:0']])(
    'refuses a process whose inspector would listen beyond the loopback (%s ...), without signalling it',
    async (...nodeOptions) => {
      const target = await startTarget(['busy'], nodeOptions);
      const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1']).done;
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/would open its inspector on 0\.0\.0\.0:0, beyond the loopback/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(portsOf(target.pid)).toEqual([]);
      expect(target.stderr()).toBe(''); // no SIGUSR1 reached it: Node would have announced an inspector
    },
  );

  it('refuses a process that rewrote its command line (--title), whose inspector options cannot be read, without signalling it', async () => {
    const target = await startTarget(['busy'], ['--title', 'my-service', '--inspect-port', '0.0.0.0:0']);
    const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1']).done;
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/rewrote its command line \(process\.title\), so tsprof cannot check where SIGUSR1 would open its inspector/);
    expect(portsOf(target.pid)).toEqual([]);
    expect(target.stderr()).toBe('');
  });

  it('uses the loopback inspector of a process that rewrote its command line', async () => {
    const target = await startTarget(['busy'], ['--title', 'my-service', '--inspect=127.0.0.1:0']);
    const result = await startTsprof(['record', '--pid', String(target.pid), '-d', '1', '-o', output()]).done;
    expect(result.status, result.stderr).toBe(0);
    expect(portsOf(target.pid).length).toBe(1); // it was open before; tsprof leaves it open
  });

  // Node 22.14+, 23.7+ and 24+ accept the option; Node 20 does not.
  it.skipIf(!process.allowedNodeEnvironmentFlags.has('--disable-sigusr1')).each([
    ['record', '--pid', '-d', '1'],
    ['top', '--pid', '-d', '1'],
    ['dump', '--pid'],
  ])('%s %s refuses a process run with --disable-sigusr1 at once, naming the option, and leaves it alone', async (command, ...options) => {
    const target = await startTarget(['busy'], ['--disable-sigusr1', ...FREE_PORT]);
    const args = [command!, options[0]!, String(target.pid), ...options.slice(1)];
    const result = await startTsprof(args).done;
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tsprof: error: process \d+ runs with --disable-sigusr1, so SIGUSR1 cannot open its inspector/);
    expect(isAlive(target.pid)).toBe(true);
    expect(portsOf(target.pid)).toEqual([]);
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

/** The 1-based line of the fixture marked STUCK-HERE, where stuckInLoop spins. */
function stuckLine(): number {
  const lines = readText(fixture('programs', 'long-running.js')).split('\n');
  return lines.findIndex((line) => line.includes('STUCK-HERE')) + 1;
}

describe('tsprof dump --pid', () => {
  it('names the function and line a process is stuck in, and leaves it running with its inspector closed', async () => {
    const target = await startTarget(['stuck'], FREE_PORT);
    const result = await startTsprof(['dump', '--pid', String(target.pid)]).done;
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`Process ${target.pid}: node long-running.js stuck`);
    const main = lines.indexOf('Main thread (running):');
    expect(main, result.stdout).toBeGreaterThan(0);
    expect(lines[main + 1]).toBe(`    stuckInLoop (fixtures/programs/long-running.js:${stuckLine()})`);
    expect(isAlive(target.pid)).toBe(true);
    expect(portsOf(target.pid)).toEqual([]);
  });

  it('never resumes a thread that another debugger paused: shows where it is paused and leaves it so', async () => {
    const target = await startTarget(['stuck'], ['--inspect=127.0.0.1:0']);
    await waitFor(() => portsOf(target.pid).length > 0, 10_000, 'the inspector to open');
    const [address] = portsOf(target.pid); // 127.0.0.1:<port>
    const [{ webSocketDebuggerUrl }] = (await (await fetch(`http://${address}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    // The other debugger: pauses the thread and watches for anyone resuming it.
    const other = new WebSocket(webSocketDebuggerUrl);
    const events: string[] = [];
    other.on('message', (data) => events.push(String(JSON.parse(String(data)).method)));
    await new Promise((resolve) => other.once('open', resolve));
    other.send(JSON.stringify({ id: 1, method: 'Debugger.enable' }));
    other.send(JSON.stringify({ id: 2, method: 'Debugger.pause' }));
    await waitFor(() => events.includes('Debugger.paused'), 10_000, 'the other debugger to pause the thread');
    try {
      const result = await startTsprof(['dump', '--pid', String(target.pid)]).done;
      expect(result.status, result.stderr).toBe(0);
      const lines = result.stdout.split('\n');
      const main = lines.indexOf('Main thread (paused by another debugger; tsprof left it paused):');
      expect(main, result.stdout).toBeGreaterThan(0);
      expect(lines[main + 1]).toBe(`    stuckInLoop (fixtures/programs/long-running.js:${stuckLine()})`);
      expect(events).not.toContain('Debugger.resumed');
    } finally {
      other.close();
    }
  });

  it('reports a process waiting in the event loop as idle, without leaving it paused', async () => {
    const target = await startTarget(['idle'], FREE_PORT);
    for (let round = 0; round < 2; round++) {
      const result = await startTsprof(['dump', '--pid', String(target.pid)]).done;
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('Main thread (idle: waiting in the event loop)');
    }
    expect(portsOf(target.pid)).toEqual([]);
  });

  it('shows each worker thread, and leaves an inspector that was open as it was', async () => {
    const target = await startTarget(['workers'], ['--inspect=127.0.0.1:0']);
    const before = portsOf(target.pid);
    const result = await startTsprof(['dump', '--pid', String(target.pid)]).done;
    expect(result.status, result.stderr).toBe(0);
    const workers = result.stdout.split('\n\n').filter((section) => section.startsWith('Worker '));
    expect(workers.length).toBe(2);
    // Each worker spends nearly all its time in workerHotLoop, but a snapshot may land between two of its slices.
    const inHotLoop = workers.filter((section) => /^Worker \d+ \(running\):\n {4}workerHotLoop \(fixtures\/programs\/long-running\.js:\d+\)/.test(section));
    expect(inHotLoop.length, result.stdout).toBeGreaterThanOrEqual(1);
    expect(portsOf(target.pid)).toEqual(before);
  });

  it('refuses a missing pid with exit status 2', async () => {
    const result = await startTsprof(['dump', '--pid', '4194303']).done;
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('tsprof: error: no process with pid 4194303\n');
  });
});

/** startTsprof keeps output as latin1 (byte for byte); top's header is UTF-8 text. */
const utf8 = (text: string) => Buffer.from(text, 'latin1').toString('utf8');

/** The function rows of top's last snapshot in `text`, as [label, self%]. */
function lastSnapshotRows(text: string): [string, number][] {
  const snapshots = text.split(/\n\n(?=\d{4}-\d\d-\d\dT)/);
  const last = snapshots[snapshots.length - 1]!;
  return last
    .split('\n')
    .filter((line) => /^\s+\d+\.\d%/.test(line))
    .map((line) => {
      const match = /^\s+([\d.]+)%\s+[\d.]+%\s+\d+\s+\d+\s+(.*)$/.exec(line)!;
      return [match[2]!, Number(match[1])];
    });
}

describe('tsprof top', () => {
  it('--pid without a terminal prints a snapshot every second, hottest function first, and detaches', async () => {
    const target = await startTarget(['busy'], FREE_PORT);
    const result = await startTsprof(['top', '--pid', String(target.pid), '-d', '2.6']).done;
    expect(result.status, result.stderr).toBe(0);
    const stdout = utf8(result.stdout);
    expect(stdout.match(/^tsprof top · node \d+ long-running\.js busy$/gm)?.length).toBeGreaterThanOrEqual(2);
    const rows = lastSnapshotRows(stdout);
    expect(rows[0]![0]).toMatch(/^hotLoop \(fixtures\/programs\/long-running\.js:\d+\)$/);
    expect(rows[0]![1]).toBeGreaterThan(50);
    expect(portsOf(target.pid)).toEqual([]);
    expect(isAlive(target.pid)).toBe(true);
  });

  it('runs a command with the agent and shows its hottest function', async () => {
    const result = await startTsprof(['top', '-d', '2.6', '--', 'node', fixture('programs', 'long-running.js'), 'busy']).done;
    expect(utf8(result.stdout)).toMatch(/^tsprof top · node .*long-running\.js busy$/m);
    expect(lastSnapshotRows(utf8(result.stdout))[0]![0]).toMatch(/^hotLoop /);
    expect(result.status).toBe(130); // the command, ended as Ctrl-C would end it
  });

  it('on a terminal: a full screen that sorts on t and quits on q, leaving the last view behind', async () => {
    const command = `node ${binPath} top -- node ${fixture('programs', 'long-running.js')} busy`;
    // `script` gives tsprof a pseudo-terminal; each key is typed once the screen shows what it acts on.
    const terminal = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    terminal.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => terminal.on('close', (code) => resolve(code)));
    try {
      await waitFor(() => /sorted by self/.test(output) && /hotLoop \(/.test(output), 20_000, 'the view sorted by self, with hotLoop');
      terminal.stdin.write('t');
      await waitFor(() => output.includes('sorted by total'), 10_000, 'the view sorted by total');
      terminal.stdin.write('q');
      expect(await exited).toBe(130);
    } finally {
      terminal.kill('SIGKILL');
    }
    expect(output).toContain('\u001b[?1049h'); // the alternate screen was used...
    expect(output).toContain('\u001b[?1049l'); // ...and left
    const afterScreen = output.slice(output.lastIndexOf('\u001b[?1049l')).replace(/\r/g, '');
    expect(afterScreen).toMatch(/tsprof top · node .*long-running\.js busy/);
    expect(afterScreen).toMatch(/hotLoop \(/);
  });
});

describe('tsprof record --pid --heap', () => {
  it('samples the allocations of a running process: allocated puts the churning function on top; in use, the keeping one weighs far more', async () => {
    const target = await startTarget(['allocating'], FREE_PORT);
    const recordHeap = async (which: string) => {
      const out = output();
      const result = await startTsprof(['record', '--pid', String(target.pid), '--heap', which, '--heap-interval', '16k', '-d', '1.5', '-o', out]).done;
      expect(result.status, result.stderr).toBe(0);
      const heapOut = out.replace(/\.folded$/, '.heap.folded');
      expect(result.stderr).toContain(`tsprof: wrote ${heapOut}\n`);
      const self = selfByFunction(readText(heapOut));
      const all = [...self.values()].reduce((sum, bytes) => sum + bytes, 0);
      return { hottest: [...self].sort((a, b) => b[1] - a[1])[0]![0], keepShare: (self.get('keepSome') ?? 0) / all };
    };
    // keepSome allocates a sixth of the bytes and keeps them all; churnMany's arrays die young, but those not
    // yet collected are still in use (up to V8's young generation): keepSome's share at least doubles.
    const allocated = await recordHeap('allocated');
    expect(allocated.hottest).toBe('churnMany');
    // The second recording starts its own sampler: the first one was stopped when it ended.
    const inuse = await recordHeap('inuse');
    expect(inuse.keepShare).toBeGreaterThan(2 * allocated.keepShare);
    expect(isAlive(target.pid)).toBe(true);
    expect(portsOf(target.pid)).toEqual([]);
    expect(target.stdout()).toBe(`ready ${target.pid}\n`);
  });
});
