import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configEnvironment, processFileName, type HeapSettings } from '../preload/agent-protocol.cjs';
import { receivedSignalSince } from './session.js';

/** The agent every Node process of the command preloads. */
export const AGENT_PATH = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url));

export type SamplerName = 'inspector' | 'v8-profiler-next';

export interface AgentSettings {
  sessionDir: string;
  intervalUs: number;
  flushMs: number;
  sampler: SamplerName;
  heap?: HeapSettings;
  /** `record --no-subprocesses`: only the command's own process (whose parent is tsprof) is profiled. */
  onlyCommandProcess?: boolean;
}

/**
 * The command's environment: the caller's, plus the agent preloaded through NODE_OPTIONS (so child
 * processes, cluster workers, npm and tsx children get it too) and its settings.
 */
export function agentEnvironment(base: NodeJS.ProcessEnv, settings: AgentSettings): NodeJS.ProcessEnv {
  const quoted = `"${AGENT_PATH.replace(/(["\\])/g, '\\$1')}"`;
  const nodeOptions = [base.NODE_OPTIONS, `--require ${quoted}`].filter(Boolean).join(' ');
  return {
    ...base,
    NODE_OPTIONS: nodeOptions,
    ...configEnvironment({
      dir: settings.sessionDir,
      intervalUs: settings.intervalUs,
      flushMs: settings.flushMs,
      sampler: settings.sampler,
      recorderPid: process.pid,
      ...(settings.onlyCommandProcess ? { onlyChildOf: process.pid } : {}),
      ...(settings.heap ? { heap: settings.heap } : {}),
    }),
  };
}

export interface TargetExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningTarget {
  child: ChildProcess;
  exited: Promise<TargetExit>;
  /** Sends a signal to the command, only while it is running (a reaped pid may belong to someone else). */
  signal(signal: NodeJS.Signals): void;
}

/**
 * Starts the command with the terminal's stdin and stderr; its stdout goes to the terminal, or to stderr when
 * tsprof's own output goes to stdout (`-o -`), so that the pipe carries only the profile. `noStdin`: the
 * keyboard belongs to tsprof (top's interactive screen), so the command reads an empty stdin.
 */
export function startTarget(command: string[], env: NodeJS.ProcessEnv, options: { stdoutToStderr: boolean; noStdin?: boolean }): Promise<RunningTarget> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { env, stdio: [options.noStdin ? 'ignore' : 0, options.stdoutToStderr ? 2 : 1, 2] });
    let done = false;
    const exited = new Promise<TargetExit>((resolveExit) =>
      child.on('exit', (code, signal) => {
        done = true;
        resolveExit({ code, signal });
      }),
    );
    child.once('error', (error) => reject(error));
    child.once('spawn', () =>
      resolve({
        child,
        exited,
        signal: (signal) => {
          if (!done && child.exitCode === null && child.signalCode === null) child.kill(signal);
        },
      }),
    );
  });
}

/**
 * How long the relay waits for the command's agent to show that the command received a signal itself, before
 * forwarding it. Generous, since a busy machine can delay the agent's thread; a command without an agent (not
 * Node, such as a shell) cannot show it and gets the signal after the first check.
 */
const RELAY_WAIT_MS = 600;
const RELAY_CHECK_MS = 25;

/**
 * While the command runs, SIGINT, SIGTERM and SIGHUP do not end tsprof: they are passed on to the command,
 * exactly once. Ctrl-C in a terminal already reaches the whole process group, so a signal that the command's
 * agent reports having received is not sent again; any other (`kill <tsprof pid>`, a non-Node command) is
 * forwarded. Returns the function that removes the handlers.
 */
export function relaySignals(target: RunningTarget, sessionDir: string): () => void {
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => {
    const handler = () => {
      const received = Date.now();
      const pid = target.child.pid;
      if (pid === undefined) return;
      const check = () => {
        if (receivedSignalSince(sessionDir, pid, signal, received)) return;
        const hasAgent = existsSync(join(sessionDir, processFileName(pid)));
        if (hasAgent && Date.now() - received < RELAY_WAIT_MS) setTimeout(check, RELAY_CHECK_MS);
        else target.signal(signal);
      };
      setTimeout(check, RELAY_CHECK_MS);
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((remove) => remove());
}
