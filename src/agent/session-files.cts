/**
 * The files an agent leaves in the recording's session folder, and how they are named: the one contract
 * between the agent (inside the profiled processes) and `tsprof record` (src/record/session-reader.ts).
 *
 *   <pid>.process.json                      who the process is (written at start-up)
 *   <pid>-<threadId>.thread.json            a worker thread started
 *   <pid>-<threadId>-<seq>-<samples>.cpuprofile        one flushed chunk of a thread's profile
 *   <pid>-<threadId>-<seq>-<samples>-final.cpuprofile  the last chunk of a thread (its absence = the end was lost)
 *   <pid>.signal-<NAME>                     the process received signal NAME (for the parent's signal relay)
 *   stop                                    written by tsprof: stop sampling now (--duration)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AgentConfig {
  dir: string;
  intervalUs: number;
  flushMs: number;
  /** With `record --no-subprocesses`: profile only a process whose parent is this pid (tsprof itself). */
  onlyChildOf?: number;
  /** Which sampler drives V8's CPU profiler: the inspector's Profiler domain, or the v8-profiler-next addon. */
  sampler: 'inspector' | 'v8-profiler-next';
}

/** The agent's settings, from the environment tsprof gives the profiled command; undefined when absent. */
export function readConfig(env: NodeJS.ProcessEnv): AgentConfig | undefined {
  const dir = env.TSPROF_SESSION_DIR;
  if (!dir) return undefined;
  const intervalUs = Number(env.TSPROF_INTERVAL_US);
  const flushMs = Number(env.TSPROF_FLUSH_MS);
  const onlyChildOf = Number(env.TSPROF_ONLY_CHILD_OF);
  return {
    dir,
    intervalUs: Number.isFinite(intervalUs) && intervalUs >= 50 ? intervalUs : 2000,
    flushMs: Number.isFinite(flushMs) && flushMs >= 100 ? flushMs : 2000,
    sampler: env.TSPROF_SAMPLER === 'v8-profiler-next' ? 'v8-profiler-next' : 'inspector',
    ...(Number.isInteger(onlyChildOf) && onlyChildOf > 0 ? { onlyChildOf } : {}),
  };
}

export function chunkFileName(pid: number, threadId: number, seq: number, samples: number, final: boolean): string {
  return `${pid}-${threadId}-${seq}-${samples}${final ? '-final' : ''}.cpuprofile`;
}

/** Writes a file so that a reader never sees it half-written: a temporary name, then a rename. */
export function writeFileAtomic(dir: string, name: string, content: string): void {
  const temporary = path.join(dir, `.${name}.tmp`);
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, path.join(dir, name));
}

export const SIGNALS_RELAYED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The symbol key (Symbol.for) under which the main thread's profiler controls sit on globalThis. */
export const AGENT_GLOBAL = 'tsprof.agent';

/** Index in the Int32Array shared by the main thread and the helper: 1 while the helper's session is open. */
export const HELPER_CONNECTED = 0;
