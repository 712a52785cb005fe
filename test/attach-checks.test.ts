import { mkdirSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInspectorFlags, readInspectorFlags } from '../src/attach/inspector-flags.js';
import { isLoopback, listeningSockets } from '../src/attach/listening-ports.js';
import { checkTarget } from '../src/attach/target-check.js';
import { waitFor } from './helpers/wait-for.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** Starts a process and resolves once its stderr (or stdout) matches `ready`, with the match. */
function start(command: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`not ready: ${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('checking a pid before sending it anything', () => {
  it('accepts a Node.js process', async () => {
    const { child } = await start(process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], /up/);
    const check = checkTarget(child.pid!);
    expect(check).toEqual({ ok: true, exe: expect.stringMatching(/node/) });
  });

  it('refuses a process that is not Node.js, and leaves it alive', async () => {
    const { child } = await start('sh', ['-c', 'echo up; exec sleep 30'], /up/);
    await waitFor(() => /sleep/.test(readlinkSync(`/proc/${child.pid}/exe`)), 10_000, 'sh to exec sleep');
    const check = checkTarget(child.pid!);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(new RegExp(`process ${child.pid} runs \\S*sleep\\S*, not Node\\.js`));
    expect(alive(child.pid!)).toBe(true);
  });

  it('refuses a pid that does not exist, and tsprof itself', () => {
    expect(checkTarget(99_999_999)).toEqual({ ok: false, reason: 'no process with pid 99999999' });
    expect(checkTarget(process.pid)).toEqual({ ok: false, reason: `${process.pid} is tsprof itself` });
    expect(checkTarget(-1)).toEqual({ ok: false, reason: '-1 is not a process id' });
  });
});

describe('finding the ports a process listens on, through /proc', () => {
  it("finds the inspector port a Node process opened, and nobody else's", async () => {
    const ours = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => ours.once('listening', resolve));
    try {
      const { child, match } = await start(
        process.execPath,
        ['--inspect=127.0.0.1:0', '-e', 'setInterval(() => {}, 1000)'],
        /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//,
      );
      const sockets = listeningSockets(child.pid!);
      expect(sockets).toContainEqual({ address: '127.0.0.1', port: Number(match[1]) });
      const ourPort = (ours.address() as { port: number }).port;
      expect(sockets.some((s) => s.port === ourPort)).toBe(false);
    } finally {
      ours.close();
    }
  });

  it('reads IPv6 listeners too', async () => {
    const script = "const s = require('net').createServer().listen(0, '::1', () => console.log('port ' + s.address().port))";
    const { child, match } = await start(process.execPath, ['-e', script], /port (\d+)/);
    expect(listeningSockets(child.pid!)).toContainEqual({ address: '::1', port: Number(match[1]) });
  });

  it('knows loopback addresses from the rest', () => {
    expect(['127.0.0.1', '127.3.4.5', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', '192.168.1.2', '::ffff:10.0.0.1'].some(isLoopback)).toBe(false);
  });
});

describe('parseInspectorFlags: where SIGUSR1 would open the inspector', () => {
  it("defaults to Node's 127.0.0.1:9229, not open", () => {
    expect(parseInspectorFlags([])).toEqual({ openAtStart: false, host: '127.0.0.1', port: 9229 });
  });
  it('reads --inspect-port and --inspect in the forms Node accepts; the last one wins', () => {
    expect(parseInspectorFlags(['--inspect-port=0'])).toEqual({ openAtStart: false, host: '127.0.0.1', port: 0 });
    expect(parseInspectorFlags(['--inspect=0.0.0.0:9230'])).toEqual({ openAtStart: true, host: '0.0.0.0', port: 9230 });
    expect(parseInspectorFlags(['--inspect-brk=[::1]:9231'])).toEqual({ openAtStart: true, host: '::1', port: 9231 });
    expect(parseInspectorFlags(['--inspect-port=9000', '--debug-port=example.org'])).toEqual({ openAtStart: false, host: 'example.org', port: 9000 });
    expect(parseInspectorFlags(['--inspect', '--max-old-space-size=100'])).toEqual({ openAtStart: true, host: '127.0.0.1', port: 9229 });
    // The port options also take their value as the next argument, as Node reads them.
    expect(parseInspectorFlags(['--inspect-port', '0.0.0.0:0'])).toEqual({ openAtStart: false, host: '0.0.0.0', port: 0 });
    expect(parseInspectorFlags(['--debug-port', '[::]:9300'])).toEqual({ openAtStart: false, host: '::', port: 9300 });
  });
});

describe('readInspectorFlags: every form Node accepts, in argv and NODE_OPTIONS', () => {
  const fakeProc = (argv: string[], nodeOptions?: string) => {
    const root = mkdtempSync(join(tmpdir(), 'tsprof-proc-'));
    mkdirSync(join(root, '42'));
    writeFileSync(join(root, '42', 'cmdline'), `${argv.join('\0')}\0`);
    writeFileSync(join(root, '42', 'environ'), nodeOptions === undefined ? 'PATH=/bin\0' : `PATH=/bin\0NODE_OPTIONS=${nodeOptions}\0`);
    return readInspectorFlags(42, root);
  };

  it.each([
    [['node', '--inspect-port', '0.0.0.0:0', 'app.js'], undefined],
    [['node', '--inspect-port=0.0.0.0:0', 'app.js'], undefined],
    [['node', '--debug-port', '0.0.0.0:9300', 'app.js'], undefined],
    [['node', 'app.js'], '--inspect-port 0.0.0.0:0'],
    [['node', 'app.js'], '--inspect=0.0.0.0:9230'],
    // An option whose value tsprof does not know hides the rest from the option parser: still refused.
    [['node', '--unknown-option', 'value', '--inspect-port', '0.0.0.0:0', 'app.js'], undefined],
  ])('%j with NODE_OPTIONS %j: beyond the loopback', (argv, nodeOptions) => {
    expect(fakeProc(argv, nodeOptions).host).not.toMatch(/^127\./);
  });

  it('--disable-sigusr1 in Node options or NODE_OPTIONS, never as an argument of the app', () => {
    expect(fakeProc(['node', '--disable-sigusr1', 'app.js']).sigusr1Disabled).toBe(true);
    expect(fakeProc(['node', 'app.js'], '--max-old-space-size=100 --disable-sigusr1').sigusr1Disabled).toBe(true);
    expect(fakeProc(['node', 'app.js', '--disable-sigusr1']).sigusr1Disabled).toBeUndefined();
  });

  it('an app argument after the script does not change the address of a default inspector only when it is on the loopback', () => {
    expect(fakeProc(['node', 'app.js', '--inspect-port=9300']).host).toBe('127.0.0.1');
    expect(fakeProc(['node', '--inspect-port=0', 'app.js']).port).toBe(0);
  });
});
