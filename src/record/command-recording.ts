import type { HeapSettings } from '../preload/agent-protocol.cjs';
import { FLUSH_MS } from '../model/sampling.js';
import { SessionMerger, type MergeResult } from './merge.js';
import { requestStop, sessionDeviceFull } from './session.js';
import { relaySignals, type RunningTarget, type TargetExit } from './spawn.js';

/**
 * `record -- <command>`: the command runs with the agent preloaded into its Node processes (spawn.ts), whose
 * chunks arrive in the session folder; this takes them in as they come (poll), stops the sampling when asked
 * (--duration) and joins the profile at the end (finish). Signals sent to tsprof are relayed to the command
 * from start to close. Starting the command, and what is printed, are the caller's.
 */

export interface CommandRecordingOptions {
  /** The command line, as the profile names it. */
  command: string;
  /** Wall-clock start, ms since the epoch, and the same moment on V8's clock (µs), taken before the spawn. */
  startTime: number;
  originUs: number;
  intervalUs: number;
  keepIdle: boolean;
  processFilter?: string;
  heap?: HeapSettings;
}

export class CommandRecording {
  readonly merger: SessionMerger;
  private readonly stopRelay: () => void;

  constructor(
    readonly target: RunningTarget,
    readonly sessionDir: string,
    options: CommandRecordingOptions,
  ) {
    this.stopRelay = relaySignals(target, sessionDir);
    this.merger = new SessionMerger({
      keepIdle: options.keepIdle,
      command: options.command,
      startTime: options.startTime,
      originUs: options.originUs,
      intervalUs: options.intervalUs,
      flushMs: FLUSH_MS,
      ...(options.processFilter !== undefined ? { processFilter: options.processFilter } : {}),
      ...(options.heap ? { heap: options.heap } : {}),
    });
  }

  /** Takes in the chunks written since the last call (a chunk that cannot be taken now is reported at the end). */
  poll(): void {
    try {
      this.merger.poll(this.sessionDir);
    } catch {
      // taken in, or reported, by finish()
    }
  }

  /** --duration: asks every agent to stop and write its final chunk; waits for them, the command's end, or `timeoutMs`. */
  async stopSampling(timeoutMs: number): Promise<void> {
    requestStop(this.sessionDir);
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.target.exited.then(() => (exited = true));
    while (Date.now() < deadline && !exited) {
      this.merger.poll(this.sessionDir);
      if (this.merger.allFinal) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * The profile of the run: the last chunks taken in, and what was lost said (a full device named as the cause;
   * `exit`, when the command has ended, tells whether V8 aborted it, as when it runs out of heap).
   */
  finish(exit?: TargetExit): MergeResult {
    this.merger.poll(this.sessionDir);
    // Agents that cannot write lose their chunks silently: a full device is named as the cause.
    const deviceFull = sessionDeviceFull(this.sessionDir);
    const pid = this.target.child.pid;
    const merged = this.merger.finish({ deviceFull, ...(exit?.signal === 'SIGABRT' && pid !== undefined ? { abortedPid: pid } : {}) });
    if (deviceFull) {
      merged.problems.push(
        `the folder for tsprof's session files (${this.sessionDir}) is on a full device, so profiles could not be written there; choose another with ` +
          `--tmp-dir or TSPROF_TMPDIR`,
      );
    }
    return merged;
  }

  /** Stops relaying signals to the command (the session folder is the caller's to remove). */
  close(): void {
    this.stopRelay();
  }
}
