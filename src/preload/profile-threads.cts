/**
 * tsprof's agent: preloaded (`node --require`) into every Node process of a recorded command through
 * NODE_OPTIONS, and so into every worker thread too. Small and CommonJS; it loads nothing from the rest of
 * tsprof and swallows its own failures: a profile that cannot be written is the parent's to report, never an
 * error in the app.
 *
 * Every thread profiles itself from the moment it starts (thread-profiler.cts) and writes its final chunk
 * when it exits. The main thread holds SIGINT, SIGTERM and SIGHUP for its final chunk while its event loop
 * turns (signal-guard.cts). A helper thread (sampler-thread.cts) cuts the main thread's chunks every couple
 * of seconds and lets go of its signals while it is stalled; it reaches the main thread through the
 * inspector, which serves it even while the main thread is stuck in synchronous code. An app worker thread
 * cuts its own chunks from a timer, or between the slices of an Atomics.wait (blocking-waits.cts), and
 * terminate() asks it for its final chunk first; a worker busy in synchronous code (its timer and that
 * request wait for it) loses what it sampled since its last chunk when it is terminated.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as workerThreads from 'node:worker_threads';
import {
  AGENT_GLOBAL,
  HELPER_CONNECTED,
  LOOP_TURNS,
  processFileName,
  readConfig,
  recorderGone,
  signalFileName,
  STOP_FILE,
  terminateRequestFileName,
  threadFileName,
  notesDirOf,
  unprofiledFileName,
  writeFileAtomic,
  type UnprofiledReason,
  type AgentConfig,
  type MainThreadControls,
  type ProcessInfo,
} from './agent-protocol.cjs';
import { guardSignals, LOOP_BEAT_MS, type SignalGuard } from './signal-guard.cjs';
import { missingPermissions, type MissingPermissions } from './permissions.cjs';
import { sliceBlockingWaits } from './blocking-waits.cjs';
import { startThreadProfiler, type ThreadProfiler } from './thread-profiler.cjs';

const HELPER_MARK = '__tsprofSamplerThread';
/** How long the main thread waits at exit for the helper thread to close its inspector session. */
const HELPER_DISCONNECT_WAIT_MS = 3000;

/** Who this process is, for the session's files. */
function describeSelf(): { pid: number; ppid: number; argv: string[]; execArgv: string[]; cwd: string } {
  let cwd = '';
  try {
    cwd = process.cwd();
  } catch {
    // the working folder was deleted: the process still runs, and is still profiled
  }
  return { pid: process.pid, ppid: process.ppid, argv: process.argv, execArgv: process.execArgv, cwd };
}

/**
 * Leaves word that this process is not profiled, and why, so that tsprof's summary can say so: in the session
 * folder, or where this process may not write there (it runs as another user) in the folder anyone may
 * write to (notesDirOf).
 */
function noteUnprofiled(config: Pick<AgentConfig, 'dir'>, reason: UnprofiledReason, missingOptions?: string[]): void {
  const note = JSON.stringify({ ...describeSelf(), reason, ...(missingOptions ? { missingOptions } : {}) });
  for (const dir of [config.dir, notesDirOf(config.dir)]) {
    try {
      writeFileAtomic(dir, unprofiledFileName(process.pid), note);
      return;
    } catch {
      // try the next place
    }
  }
}

/** Why the agent could not start, from what it threw. */
function unprofiledReasonOf(error: unknown): UnprofiledReason {
  const message = String((error as Error | undefined)?.message ?? error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return /without a V8::Inspector/.test(message) ? 'no-inspector' : code === 'EACCES' || code === 'EPERM' ? 'not-writable' : 'failed';
}

function startInMainThread(config: AgentConfig, missing: MissingPermissions): void {
  // The profiler first: a process Node started without an inspector (node --test's runner) has none.
  const profiler = startThreadProfiler(config, 0);
  const info: ProcessInfo = { ...describeSelf(), startTime: Date.now(), ...(missing.forHelper.length ? { missingOptions: missing.forHelper } : {}) };
  writeFileAtomic(config.dir, processFileName(process.pid), JSON.stringify(info));

  // Shared with the helper: [HELPER_CONNECTED] is 1 while its inspector session is open; [LOOP_TURNS] counts
  // the beats of the main thread's event loop, by which the helper sees it stall.
  const shared = new Int32Array(new SharedArrayBuffer(4 * 2));
  let helper: workerThreads.Worker | undefined;
  // A session from another thread that is still open when the process exits, or when it sends itself
  // SIGKILL, makes Node print "Waiting for the debugger to disconnect..." on the app's stderr: the last chunk
  // is written and the helper closes its session first. (A busy machine may take a while to run the helper.)
  const finishAndDisconnect = () => {
    profiler.finish();
    if (helper && Atomics.load(shared, HELPER_CONNECTED) === 1) {
      helper.postMessage('disconnect');
      Atomics.wait(shared, HELPER_CONNECTED, 1, HELPER_DISCONNECT_WAIT_MS);
    }
  };
  process.on('exit', finishAndDisconnect);
  const kill = process.kill.bind(process);
  process.kill = (pid: number, signal?: string | number) => {
    if (Number(pid) === process.pid && (signal === 'SIGKILL' || signal === os.constants.signals.SIGKILL)) finishAndDisconnect();
    return kill(pid, signal);
  };
  try {
    if (missing.forHelper.length > 0) throw new Error('the permission model refuses worker threads');
    helper = new workerThreads.Worker(path.join(__dirname, 'sampler-thread.cjs'), {
      workerData: { [HELPER_MARK]: true, config, shared },
      // Nothing of the helper's may reach the app's stdio, nor its folder: none of the app's Node options
      // (--cpu-prof would write a profile of this thread next to the app's; V8 options are refused in workers).
      stdout: true,
      stderr: true,
      execArgv: [],
    });
    helper.unref();
    helper.on('error', () => {});
  } catch {
    // Without the helper the main thread still writes its profile at exit, in one chunk; and its signals are
    // not held, since nothing would let go of them while the main thread is busy.
  }
  const signals = helper ? guardMainThreadSignals(config, shared, finishAndDisconnect) : undefined;
  const stopSignals = () => signals?.stop();
  // The helper calls these through the inspector; a symbol key keeps them out of the app's way.
  const controls: MainThreadControls = {
    flush: () => profiler.flush(),
    finish: () => {
      profiler.finish();
      stopSignals();
    },
    abandon: () => {
      profiler.abandon();
      stopSignals();
    },
    // From here a signal ends the process at once: what it sampled, and its heap so far, are kept first.
    releaseSignalsIfStalled: () => {
      if (signals?.releaseIfStalled()) profiler.checkpoint();
    },
  };
  Object.defineProperty(globalThis, Symbol.for(AGENT_GLOBAL), { value: Object.freeze(controls), enumerable: false });
}

/**
 * Holds SIGINT, SIGTERM and SIGHUP for the final chunk (signal-guard.cts) while the event loop turns; a beat
 * of the loop tells the helper it does, and holds them again after a stall.
 */
function guardMainThreadSignals(config: AgentConfig, shared: Int32Array, finishAndDisconnect: () => void): SignalGuard {
  const guard = guardSignals({
    received: (signal) => fs.writeFileSync(path.join(config.dir, signalFileName(process.pid, signal)), ''),
    beforeDefaultAction: finishAndDisconnect,
  });
  const beat = setInterval(() => {
    Atomics.add(shared, LOOP_TURNS, 1);
    guard.hold();
  }, LOOP_BEAT_MS);
  beat.unref();
  return {
    ...guard,
    stop: () => {
      clearInterval(beat);
      guard.stop();
    },
  };
}

/** The channel on which a thread about to terminate() a worker asks it for its final chunk first. */
const terminateChannel = () => new workerThreads.BroadcastChannel(`tsprof-terminate-${process.pid}`);
/** How long terminate() waits for the worker's final chunk: a worker busy in synchronous code never answers. */
const TERMINATE_WAIT_MS = 500;

/**
 * terminate() ends a worker without its exit event, so its final chunk would be lost (and the addon sampler
 * can crash). In every thread, terminate() first asks the worker to write its final chunk, waiting at most
 * TERMINATE_WAIT_MS for the answer.
 */
function guardTerminate(dir: string): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the worker as `this`
  const original = workerThreads.Worker.prototype.terminate;
  workerThreads.Worker.prototype.terminate = function terminate(this: workerThreads.Worker, ...args: []) {
    const id = this.threadId;
    if (id < 0) return original.apply(this, args); // already exited: nothing to wait for
    return new Promise<void>((resolve) => {
      const channel = terminateChannel();
      const done = () => {
        clearTimeout(timer);
        channel.close();
        resolve();
      };
      const timer = setTimeout(done, TERMINATE_WAIT_MS);
      channel.onmessage = (event) => {
        if ((event as MessageEvent).data === `stopped ${id}`) done();
      };
      channel.postMessage(`stop ${id}`);
      try {
        writeFileAtomic(dir, terminateRequestFileName(process.pid, id), ''); // for a worker blocked in Atomics.wait
      } catch {
        // the session is over; the worker's exit hook still writes what it can
      }
    }).then(() => original.apply(this, args));
  };
}

/** Listens for terminate()'s request; returns what ends the worker's profile and tells the terminating thread. */
function listenForTerminate(profiler: ThreadProfiler): () => void {
  const channel = terminateChannel();
  (channel as unknown as { unref(): void }).unref();
  const finishAndTell = () => {
    profiler.finish();
    channel.postMessage(`stopped ${workerThreads.threadId}`);
  };
  channel.onmessage = (event) => {
    if ((event as MessageEvent).data === `stop ${workerThreads.threadId}`) finishAndTell();
  };
  return finishAndTell;
}

function start(): void {
  const config = readConfig(process.env);
  if (!config) return;
  if ('unreadable' in config) {
    if (workerThreads.isMainThread) noteUnprofiled(config, 'settings');
    return;
  }
  if (config.onlyChildOf !== undefined && process.ppid !== config.onlyChildOf) return;
  const data = workerThreads.workerData as Record<string, unknown> | undefined;
  if (data && typeof data === 'object' && data[HELPER_MARK]) return; // our own helper thread
  // Node's own threads (the ESM loader-hooks thread of tsx and other loaders) have no parent port; they are
  // not the app's, and are ended at exit without an exit event.
  if (!workerThreads.isMainThread && workerThreads.parentPort === null) return;
  // Under `node --permission` without the options sampling needs (reading the session folder among them), the
  // main thread says so; its workers say nothing.
  const missing = missingPermissions(config);
  if (missing.inspectorRefused || missing.toProfile.length > 0) {
    if (workerThreads.isMainThread) noteUnprofiled(config, missing.inspectorRefused ? 'permission-inspector' : 'permission', missing.toProfile);
    return;
  }
  if (!fs.existsSync(config.dir)) return;
  const stopFile = path.join(config.dir, STOP_FILE);
  if (fs.existsSync(stopFile)) return; // recording already over (record --duration)
  guardTerminate(config.dir);
  if (workerThreads.isMainThread) {
    try {
      startInMainThread(config, missing);
    } catch (error) {
      noteUnprofiled(config, unprofiledReasonOf(error));
    }
    return;
  }
  writeFileAtomic(config.dir, threadFileName(process.pid, workerThreads.threadId), JSON.stringify({ pid: process.pid, threadId: workerThreads.threadId }));
  const profiler = startThreadProfiler(config, workerThreads.threadId);
  const finishAndTell = listenForTerminate(profiler);
  let lastFlush = Date.now();
  const flushIfDue = () => {
    if (recorderGone(config)) return profiler.abandon(); // the main thread's helper removes the folder
    if (fs.existsSync(stopFile)) return profiler.finish();
    if (Date.now() - lastFlush < config.flushMs * 0.9) return; // timers may fire a little early
    lastFlush = Date.now();
    profiler.flush();
  };
  setInterval(flushIfDue, config.flushMs).unref();
  process.on('exit', () => profiler.finish());
  // A worker blocked in Atomics.wait (piscina's) runs no timer and hears no message: between the slices of
  // its wait it cuts its chunks, and answers terminate() through the request file guardTerminate leaves.
  const terminateRequest = path.join(config.dir, terminateRequestFileName(process.pid, workerThreads.threadId));
  sliceBlockingWaits(() => (fs.existsSync(terminateRequest) ? finishAndTell() : flushIfDue()));
}

try {
  start();
} catch {
  // Never break the app: without the agent it simply runs unprofiled, and tsprof reports the gap.
}
