/**
 * The helper thread tsprof's agent starts in every profiled process (see preload.cts). Through an inspector
 * session connected to the main thread it asks the main thread's profiler (thread-profiler.cts) to
 * - cut a chunk every `flushMs` (sooner in the first seconds), so a process killed with SIGKILL loses at most
 *   its last chunk;
 * - finish when tsprof writes the session's `stop` file (record --duration);
 * - stop sampling, and remove the session folder, when tsprof itself is gone (killed: nobody will read it);
 * and it watches SIGINT, SIGTERM and SIGHUP itself (signals reach this thread even while the main thread is
 * busy): when the app has no handler of its own, it has the final chunk written and lets the signal kill the
 * process with its default action; when the app has one, the app's handler decides.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import {
  AGENT_CALL_URL,
  AGENT_GLOBAL,
  HELPER_CONNECTED,
  recorderGone,
  removeAbandonedSession,
  signalFileName,
  SIGNALS_RELAYED,
  STOP_FILE,
  type AgentConfig,
} from './session-files.cjs';

const { config, shared } = workerData as { config: AgentConfig; shared: Int32Array };

/**
 * Chunks are cut sooner in a process's first two seconds, then every `flushMs`: a short-lived process killed
 * with SIGKILL (a test runner's fork is, 0.5 s after its SIGTERM, when its exit is slow) loses at most its
 * last quarter or half second instead of everything.
 */
const EARLY_CHUNK_ENDS_MS = [250, 500, 750, 1000, 1500];
/** How often the helper looks at the clock, the stop file and the recorder. */
const TICK_MS = 50;
const session = new inspector.Session();

/** Closes the session and tells the main thread, which may be waiting for it in its exit hook. */
function disconnect(): void {
  session.disconnect();
  Atomics.store(shared, HELPER_CONNECTED, 0);
  Atomics.notify(shared, HELPER_CONNECTED);
}

/** Runs `flush` or `finish` of the main thread's profiler, in the main thread, and resolves when it is done. */
function inMainThread(method: 'flush' | 'finish' | 'abandon'): Promise<void> {
  return new Promise((resolve) =>
    session.post(
      'Runtime.evaluate',
      { expression: `globalThis[Symbol.for(${JSON.stringify(AGENT_GLOBAL)})].${method}()\n//# sourceURL=${AGENT_CALL_URL}`, silent: true },
      () => resolve(),
    ),
  );
}

interface SignalHandle {
  onsignal: () => void;
  start(signum: number): number;
  unref(): void;
  close(): void;
}

const signalHandles: SignalHandle[] = [];

/** Watches signals from this thread through Node's signal binding (process.on does not work in workers). */
function watchSignals(): void {
  // The binding is deprecated for apps; here it is the only way, and its warning must not reach the app's stderr.
  process.noDeprecation = true;
  const { Signal } = (process as unknown as { binding(name: string): { Signal: new () => SignalHandle } }).binding('signal_wrap');
  SIGNALS_RELAYED.forEach((name, index) => {
    const handle = new Signal();
    handle.unref();
    handle.onsignal = () => void onSignal(name, index);
    if (handle.start(os.constants.signals[name]) === 0) signalHandles.push(handle);
  });
}

async function onSignal(name: (typeof SIGNALS_RELAYED)[number], index: number): Promise<void> {
  try {
    fs.writeFileSync(path.join(config.dir, signalFileName(process.pid, name)), '');
  } catch {
    // Only tsprof's signal relay reads this marker; without it, tsprof forwards the signal itself.
  }
  if (Atomics.load(shared, 1 + index) > 0) return; // the app handles it; if it exits, its exit hook finishes
  await inMainThread('finish');
  disconnect();
  // Do what the signal would have done without tsprof: close our watchers, which restores its default
  // action, and send it again.
  for (const handle of signalHandles) handle.close();
  process.kill(process.pid, name);
}

try {
  session.connectToMainThread();
  Atomics.store(shared, HELPER_CONNECTED, 1);
  parentPort?.on('message', (message) => {
    if (message === 'disconnect') disconnect();
  });
  watchSignals();
  const stopFile = path.join(config.dir, STOP_FILE);
  const started = Date.now();
  const early = EARLY_CHUNK_ENDS_MS.filter((ms) => ms < config.flushMs);
  let nextFlush = early.shift() ?? config.flushMs;
  const timer = setInterval(() => {
    if (recorderGone(config)) {
      // Nobody will read what we write: stop sampling, give the app back its signals, clean up, and go.
      clearInterval(timer);
      void inMainThread('abandon').then(() => {
        disconnect();
        for (const handle of signalHandles) handle.close();
        removeAbandonedSession(config.dir);
      });
      return;
    }
    if (fs.existsSync(stopFile)) {
      clearInterval(timer);
      void inMainThread('finish');
      return;
    }
    const now = Date.now() - started;
    if (now >= nextFlush) {
      nextFlush = early.shift() ?? Math.max(nextFlush + config.flushMs, now);
      void inMainThread('flush');
    }
  }, TICK_MS);
} catch {
  // Without the helper the main thread still writes its profile at exit.
}
