import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * What tsprof must know before it sends anything to a running process (record --pid, top, dump): that the
 * pid exists, that it is a Node.js process (SIGUSR1 opens Node's inspector, but kills most other programs),
 * and that we may signal it. Each refusal is a sentence that says what to do.
 */
export type TargetCheck = { ok: true; exe: string } | { ok: false; reason: string };

/** Executable names of Node.js: node, nodejs, and versioned builds such as node20. */
const NODE_EXECUTABLE = /^(node|nodejs)(\d+(\.\d+)*)?$/;

export function checkTarget(pid: number, procRoot = '/proc'): TargetCheck {
  if (!Number.isInteger(pid) || pid <= 0) return { ok: false, reason: `${pid} is not a process id` };
  if (pid === process.pid) return { ok: false, reason: `${pid} is tsprof itself` };
  try {
    process.kill(pid, 0); // sends nothing: only asks whether the process exists and may be signalled
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return { ok: false, reason: `no process with pid ${pid}` };
    if (code === 'EPERM') {
      return { ok: false, reason: `process ${pid} belongs to another user: run tsprof as that user (or as root) to profile it` };
    }
    return { ok: false, reason: `cannot check process ${pid} (${(error as Error).message})` };
  }
  let exe: string;
  try {
    exe = readlinkSync(`${procRoot}/${pid}/exe`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      return { ok: false, reason: `cannot see which program process ${pid} runs (permission denied): run tsprof as its user or as root` };
    }
    return { ok: false, reason: `cannot see which program process ${pid} runs (${code ?? (error as Error).message})` };
  }
  const name = basename(exe.replace(/ \(deleted\)$/, ''));
  if (!NODE_EXECUTABLE.test(name)) {
    return { ok: false, reason: `process ${pid} runs ${exe}, not Node.js; tsprof only attaches to Node.js processes (it left ${pid} untouched)` };
  }
  return { ok: true, exe };
}
