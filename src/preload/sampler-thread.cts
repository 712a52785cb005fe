/**
 * The helper thread tsprof's agent starts in every profiled process (see profile-threads.cts). Through an
 * inspector session connected to the main thread, which the main thread serves even while it is busy in
 * synchronous code, it asks the main thread's agent (MainThreadControls) to
 * - cut a chunk every `flushMs` (sooner in the first seconds, and while the main thread is stalled), so a
 *   process killed with SIGKILL loses at most its last chunk;
 * - let go of the signals it holds for the final chunk while the main thread's event loop does not turn
 *   (signal-guard.cts), so that a busy program still dies of them at once;
 * - finish when tsprof writes the session's `stop` file (record --duration);
 * - stop sampling, and remove the session folder, when tsprof itself is gone (killed: nobody will read it).
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import {
  AGENT_CALL_URL,
  AGENT_GLOBAL,
  HELPER_CONNECTED,
  LOOP_TURNS,
  recorderGone,
  removeAbandonedSession,
  STOP_FILE,
  type AgentConfig,
  type MainThreadControls,
} from './agent-protocol.cjs';
import { MAX_STALL_MS, STALL_MS } from './signal-guard.cjs';

const { config, shared } = workerData as { config: AgentConfig; shared: Int32Array };

/**
 * Chunks are cut sooner in a process's first two seconds, then every `flushMs`: a short-lived process killed
 * with SIGKILL (a test runner's fork is, 0.5 s after its SIGTERM, when its exit is slow) loses at most its
 * last quarter or half second instead of everything.
 */
const EARLY_CHUNK_ENDS_MS = [250, 500, 750, 1000, 1500];
/**
 * How often chunks are cut while the main thread is stalled: a signal then ends the process at once, losing
 * what was sampled since the last one.
 */
const STALLED_CHUNK_MS = 500;
/** How often the helper looks at the clock, the main thread's loop, the stop file and the recorder. */
const TICK_MS = 25;
const session = new inspector.Session();

/** Closes the session and tells the main thread, which may be waiting for it in its exit hook. */
function disconnect(): void {
  session.disconnect();
  Atomics.store(shared, HELPER_CONNECTED, 0);
  Atomics.notify(shared, HELPER_CONNECTED);
}

/** Runs one of the main thread's controls, in the main thread, and resolves when it is done. */
function inMainThread(method: keyof MainThreadControls): Promise<void> {
  return new Promise((resolve) =>
    session.post(
      'Runtime.evaluate',
      { expression: `globalThis[Symbol.for(${JSON.stringify(AGENT_GLOBAL)})].${method}()\n//# sourceURL=${AGENT_CALL_URL}`, silent: true },
      () => resolve(),
    ),
  );
}

/** How many of the main thread's recent turns set what a usual gap between two of them is. */
const RECENT_TURNS = 40;

/**
 * Whether the main thread's event loop has stalled, from the beats it leaves in `shared`: it has not turned for
 * STALL_MS, or for three times its longest recent gap between turns (at most MAX_STALL_MS). A signal that comes
 * during a stall before the agent lets go of it is lost when it does: a program whose loop turns every 150 ms
 * must not count as stalled at each turn.
 */
function stallWatch(): () => boolean {
  let lastTurns = Atomics.load(shared, LOOP_TURNS);
  let lastTurnAt = Date.now();
  const gaps: number[] = [];
  return () => {
    const now = Date.now();
    const turns = Atomics.load(shared, LOOP_TURNS);
    if (turns !== lastTurns) {
      gaps.push(now - lastTurnAt);
      if (gaps.length > RECENT_TURNS) gaps.shift();
      lastTurns = turns;
      lastTurnAt = now;
    }
    const usual = gaps.reduce((longest, gap) => Math.max(longest, gap), 0);
    return now - lastTurnAt >= Math.min(MAX_STALL_MS, Math.max(STALL_MS, 3 * usual));
  };
}

try {
  session.connectToMainThread();
  Atomics.store(shared, HELPER_CONNECTED, 1);
  parentPort?.on('message', (message) => {
    if (message === 'disconnect') disconnect();
  });
  const stopFile = path.join(config.dir, STOP_FILE);
  const started = Date.now();
  const early = EARLY_CHUNK_ENDS_MS.filter((ms) => ms < config.flushMs);
  let nextFlush = early.shift() ?? config.flushMs;
  const stalled = stallWatch();
  let wasStalled = false;
  const timer = setInterval(() => {
    if (recorderGone(config)) {
      // Nobody will read what we write: stop sampling, give the app back its signals, clean up, and go.
      clearInterval(timer);
      void inMainThread('abandon').then(() => {
        disconnect();
        removeAbandonedSession(config.dir);
      });
      return;
    }
    if (fs.existsSync(stopFile)) {
      clearInterval(timer);
      void inMainThread('finish');
      return;
    }
    const isStalled = stalled();
    if (isStalled && !wasStalled) void inMainThread('releaseSignalsIfStalled');
    wasStalled = isStalled;
    const now = Date.now() - started;
    if (isStalled) nextFlush = Math.min(nextFlush, now + STALLED_CHUNK_MS);
    if (now >= nextFlush) {
      nextFlush = early.shift() ?? Math.max(nextFlush + config.flushMs, now);
      void inMainThread('flush');
    }
  }, TICK_MS);
} catch {
  // Without the helper the main thread still writes its profile at exit.
}
