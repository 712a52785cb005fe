import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { listeningSockets } from '../../src/attach/listening-ports.js';
import { fixture } from './paths.js';

/** A program the attach tests point tsprof at: started by the test, killed after it whatever happens. */
export interface Target {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const targets = new Set<ChildProcess>();

afterEach(() => {
  for (const child of targets) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  targets.clear();
});

/**
 * Starts `node [nodeFlags] fixtures/programs/long-running.js <args>` (or another script that prints `ready`)
 * and waits (≤ 10 s) for its `ready` line.
 */
export async function startTarget(args: string[], nodeFlags: string[] = [], options: { script?: string; cwd?: string } = {}): Promise<Target> {
  const child = spawn(process.execPath, [...nodeFlags, options.script ?? fixture('programs', 'long-running.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  targets.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target did not start: ${stderr}`)), 10_000);
    child.stdout!.on('data', () => {
      if (stdout.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`target exited early: ${stderr}`)));
  });
  return { child, pid: child.pid!, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The TCP ports a process listens on, as `address:port` (none once it is gone). */
export function portsOf(pid: number): string[] {
  try {
    return listeningSockets(pid).map((socket) => `${socket.address}:${socket.port}`);
  } catch {
    return [];
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
