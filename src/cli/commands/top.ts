import { AttachedProcess } from '../../attach/attached-process.js';
import { RemoteSampler } from '../../attach/remote-sampler.js';
import { LiveWindow } from '../../analyze/live-window.js';
import { isAgentFrame } from '../../record/merge.js';
import { processThreadName } from '../../model/thread-names.js';
import { readSession, removeSessionDir, takeChunks } from '../../record/session.js';
import { agentEnvironment, relaySignals, type RunningTarget } from '../../record/spawn.js';
import { UserError } from '../errors.js';
import { renderTop } from '../top-view.js';
import type { Reporter } from '../recording-output.js';
import { exitStatus, sessionDirOrUserError, startCommand } from '../running-command.js';
import { LIVE_FLUSH_MS, samplingIntervalUs } from '../../model/sampling.js';

export interface TopOptions {
  pid?: number;
  rate: number;
  /** Stop after this many seconds (top otherwise runs until q, Ctrl-C or the program's end). */
  duration?: number;
  by: 'self' | 'total';
  /** Seconds of samples the view sums. */
  window: number;
}

const REFRESH_MS = 1000;

/** Where top's samples come from: an attached process, or a command tsprof starts with its agent. */
interface SampleSource {
  title: string;
  /** Resolves when the program ends by itself, with the status tsprof should exit with. */
  ended: Promise<number>;
  /** Stops sampling; a command tsprof started is ended as Ctrl-C would end it. Returns tsprof's status. */
  stop(): Promise<number>;
}

/**
 * `tsprof top`: the hottest functions of the last few seconds, refreshed every second, like py-spy top. On a
 * terminal a full screen (q or Ctrl-C quits, s and t sort); otherwise a plain snapshot every second.
 */
export async function topCommand(command: string[], options: TopOptions, reporter: Reporter): Promise<number> {
  const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY);
  const window = new LiveWindow(options.window, process.cwd(), isAgentFrame);
  const intervalUs = samplingIntervalUs(options.rate);
  const source =
    options.pid !== undefined ? await attachSource(options.pid, intervalUs, window, reporter) : await spawnSource(command, intervalUs, window, interactive);

  let by = options.by;
  let quit!: () => void;
  const quitRequested = new Promise<void>((resolve) => (quit = resolve));
  const screen = interactive ? new FullScreen(process.stdout) : undefined;
  const draw = (final = false) => {
    const snapshot = window.snapshot(Number(process.hrtime.bigint() / 1000n), by);
    const width = screen ? process.stdout.columns || 80 : Infinity; // snapshots for logs and pipes are never cut
    const rows = screen ? Math.max(1, (process.stdout.rows || 24) - 5) : 20;
    const lines = renderTop(snapshot, { title: source.title, by, width, rows, keys: Boolean(screen) && !final }, reporter.colors);
    if (screen && !final) screen.draw(lines);
    else if (snapshot.samples > 0) process.stdout.write(`${new Date().toISOString()}\n${lines.join('\n')}\n\n`);
  };

  if (screen) {
    screen.open();
    screen.onKey((key) => {
      if (key === 'q' || key === 'Q' || key === '\u0003') quit();
      else if (key === 's' || key === 't') {
        by = key === 's' ? 'self' : 'total';
        draw();
      }
    });
    process.stdout.on('resize', () => draw());
  }
  const onSignal = () => quit();
  // A started command gets the terminal's signals from tsprof's relay (see spawnSource); attached: just stop.
  const signals = options.pid !== undefined ? (['SIGINT', 'SIGTERM', 'SIGHUP'] as const) : ([] as const);
  for (const signal of signals) process.on(signal, onSignal);
  const timer = setInterval(() => draw(), REFRESH_MS);
  const durationTimer = options.duration !== undefined ? setTimeout(quit, options.duration * 1000) : undefined;

  let status: number;
  try {
    const how = await Promise.race([source.ended.then((code) => ({ ended: code })), quitRequested.then(() => ({ ended: undefined }))]);
    status = how.ended ?? (await source.stop());
  } finally {
    clearInterval(timer);
    clearTimeout(durationTimer);
    for (const signal of signals) process.off(signal, onSignal);
    screen?.close();
  }
  // The last view, with the samples taken up to the end, stays in the terminal (or ends the log).
  draw(true);
  return status;
}

async function attachSource(pid: number, intervalUs: number, window: LiveWindow, reporter: Reporter): Promise<SampleSource> {
  const attached = await AttachedProcess.attach(pid);
  let markEnded!: (status: number) => void;
  const endedPromise = new Promise<number>((resolve) => (markEnded = resolve));
  const sampler = new RemoteSampler(attached, {
    intervalUs,
    flushMs: LIVE_FLUSH_MS,
    onChunk: (chunk) => window.add(String(chunk.threadId), chunk.profile),
    onProblem: reporter.warn,
    onExit: () => markEnded(0),
  });
  void attached.connection.closed.then(() => markEnded(0));
  try {
    await sampler.start();
  } catch (error) {
    await attached.detach();
    throw new UserError(`process ${pid}: cannot start sampling (${(error as Error).message})`);
  }
  // Both steps are idempotent, so quitting and the process's own end may meet here.
  const stop = async () => {
    await sampler.finish();
    const warning = await attached.detach();
    if (warning) reporter.warn(warning);
    return 0;
  };
  const ended = endedPromise.then(async (status) => (await stop(), status));
  return { title: processThreadName(pid, attached.info), ended, stop };
}

async function spawnSource(command: string[], intervalUs: number, window: LiveWindow, interactive: boolean): Promise<SampleSource> {
  const sessionDir = sessionDirOrUserError();
  const env = agentEnvironment(process.env, { sessionDir, intervalUs, flushMs: LIVE_FLUSH_MS, sampler: 'inspector' });
  let target: RunningTarget;
  try {
    target = await startCommand(command, env, { stdoutToStderr: false, noStdin: interactive });
  } catch (error) {
    removeSessionDir(sessionDir);
    throw error;
  }
  const stopRelay = relaySignals(target, sessionDir);
  const poll = () => {
    try {
      takeChunks(readSession(sessionDir).chunks, (chunk, profile) => {
        try {
          if (profile !== undefined) window.add(`${chunk.pid}-${chunk.threadId}`, profile);
        } catch {
          // not a profile (the program can write there too): its samples are lost, the rest is shown
        }
      });
    } catch {
      // the folder is gone: top is ending
    }
  };
  const pollTimer = setInterval(poll, 250);
  const ended = target.exited.then((exit) => {
    clearInterval(pollTimer);
    stopRelay();
    poll();
    removeSessionDir(sessionDir);
    return exitStatus(exit);
  });
  return {
    title: command.join(' '),
    ended,
    stop: async () => {
      // Quitting top ends the command as Ctrl-C in its terminal would (in raw mode the key reaches only tsprof).
      target.signal('SIGINT');
      return ended;
    },
  };
}

/** The terminal's alternate screen, with the cursor hidden and keys read one at a time. */
class FullScreen {
  private keyHandler: ((data: Buffer) => void) | undefined;

  constructor(private readonly out: NodeJS.WriteStream) {}

  open(): void {
    this.out.write('\u001b[?1049h\u001b[?25l');
    process.stdin.setRawMode(true);
    process.stdin.resume();
  }

  onKey(handler: (key: string) => void): void {
    this.keyHandler = (data: Buffer) => handler(data.toString('utf8'));
    process.stdin.on('data', this.keyHandler);
  }

  draw(lines: string[]): void {
    this.out.write(`\u001b[H${lines.map((line) => `${line}\u001b[K`).join('\n')}\u001b[J`);
  }

  close(): void {
    if (this.keyHandler) process.stdin.off('data', this.keyHandler);
    process.stdin.setRawMode(false);
    process.stdin.pause();
    this.out.write('\u001b[?25h\u001b[?1049l');
  }
}
