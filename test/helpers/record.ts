import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach } from 'vitest';
import { binPath } from './paths.js';

export interface Recording {
  child: ChildProcess;
  /** Resolves with what tsprof printed and how it ended. */
  done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves with the program's pid once it printed "ready <pid>". */
  ready: Promise<number>;
}

const running = new Set<ChildProcess>();
const programPids = new Set<number>();

// Every process a test starts is gone when the test ends, whatever happened in it.
afterEach(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of programPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
  programPids.clear();
});

/** Starts `tsprof <args>` (usually `record ... -- node ...`) in its own process group, as a terminal would. */
export function startTsprof(args: string[], options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Recording {
  const child = spawn(process.execPath, [binPath, ...args], {
    detached: true, // its own process group, so a test can send "Ctrl-C" to the whole group
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let resolveReady: (pid: number) => void;
  const ready = new Promise<number>((resolve) => (resolveReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('latin1');
    const match = /ready (\d+)/.exec(stdout);
    if (match) {
      programPids.add(Number(match[1]));
      resolveReady(Number(match[1]));
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('latin1')));
  // tsprof may exit before it reads its stdin (a usage error): the pipe's EPIPE is no failure of the test.
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(options.input ?? '');
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status, signal) => {
      clearTimeout(timeout);
      resolve({ status, signal, stdout, stderr });
    }),
  );
  return { child, done, ready };
}

/** Self weight per leaf frame name (the part of the label before " ("), from folded text. */
export function selfByFunction(folded: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of folded.trimEnd().split('\n')) {
    if (!line) continue;
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    const stack = line.slice(0, line.lastIndexOf(' '));
    const leaf = stack.slice(stack.lastIndexOf(';') + 1);
    const name = leaf.includes(' (') ? leaf.slice(0, leaf.lastIndexOf(' (')) : leaf;
    result.set(name, (result.get(name) ?? 0) + count);
  }
  return result;
}

/** Self weight per leaf frame label (`name (file:line)`), from folded text. */
export function selfByLabel(folded: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of folded.trimEnd().split('\n')) {
    if (!line) continue;
    const stack = line.slice(0, line.lastIndexOf(' '));
    const leaf = stack.slice(stack.lastIndexOf(';') + 1);
    result.set(leaf, (result.get(leaf) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return result;
}

/** Inclusive weight of a function: the counts of every line whose stack passes through it. */
export function totalOf(folded: string, name: string): number {
  return folded
    .trimEnd()
    .split('\n')
    .filter((line) =>
      line
        .slice(0, line.lastIndexOf(' '))
        .split(';')
        .some((frame) => frame === name || frame.startsWith(`${name} (`)),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Root frames (first frame of each line) of folded text, with their total weight. */
export function rootsOf(folded: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of folded.trimEnd().split('\n')) {
    if (!line) continue;
    const root = line.slice(0, line.indexOf(';') === -1 ? line.lastIndexOf(' ') : line.indexOf(';'));
    result.set(root, (result.get(root) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return result;
}

export const readText = (path: string) => readFileSync(path, 'utf8');
