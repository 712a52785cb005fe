import { basename } from 'node:path';

/**
 * How tsprof names the threads of a recording, in every output: a process's main thread
 * `node 1234 server.js --port 80`, a worker `worker 2 (node 1234)`. Formats without threads (folded stacks,
 * a `.cpuprofile`) carry these names as their root frames, and the importers read them back as threads; the
 * diff matches threads by their names without the pids, so that two runs of one program line up.
 */

/** `node 1234 server.js --port 80` (or `node 1234 -e <code>`): a process's main thread, from its argv. */
export function processThreadName(pid: number, info: { argv: readonly string[]; execArgv?: readonly string[] } | undefined): string {
  if (!info) return `node ${pid}`;
  const [, script, ...args] = info.argv;
  const execArgv = info.execArgv ?? [];
  const evalAt = execArgv.findIndex((arg) => ['-e', '--eval', '-p', '--print'].includes(arg));
  const words = script !== undefined ? [basename(script), ...args] : evalAt >= 0 ? execArgv.slice(evalAt, evalAt + 2) : [];
  const summary = words.join(' ').replace(/\s+/g, ' ').trim();
  return `node ${pid}${summary ? ` ${summary.length > 60 ? `${summary.slice(0, 57)}...` : summary}` : ''}`;
}

/** `worker 2 (node 1234)`. */
export function workerThreadName(threadId: number, pid: number): string {
  return `worker ${threadId} (node ${pid})`;
}

const PROCESS_NAME = /^node (\d+)(?: .*)?$/s;
const WORKER_NAME = /^worker (\d+) \(node (\d+)\)$/;

/** The pid and thread id a name of tsprof's stands for, or undefined when `name` is not one. */
export function parseThreadName(name: string): { pid: number; threadId: number } | undefined {
  const worker = WORKER_NAME.exec(name);
  if (worker) return { pid: Number(worker[2]), threadId: Number(worker[1]) };
  const process = PROCESS_NAME.exec(name);
  return process ? { pid: Number(process[1]), threadId: 0 } : undefined;
}

/** The name without its pids (`node server.js`, `worker 2 (node)`): what a thread is, run after run. */
export function threadNameWithoutPids(name: string): string {
  return name.replace(/\bnode \d+\b/g, 'node');
}
