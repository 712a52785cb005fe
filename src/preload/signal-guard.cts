/**
 * Keeps a process's profile when SIGINT, SIGTERM or SIGHUP ends it, through public API alone (Node has no
 * signal API off the main thread: `process.on` works only there, and the binding behind it is gone from 24).
 *
 * While the main thread's event loop turns (from its first turn on), the guard holds each signal with a
 * listener of its own: when the signal comes and the app has no listener, it has the final chunk written, lets
 * go of the signal and sends it again, so the process dies of it as it would have without tsprof. When the app has a listener, the app's
 * decides, as without tsprof. The guard's listener is hidden from the app (`listeners`, `rawListeners`,
 * `listenerCount`, `eventNames`): code such as signal-exit counts the listeners to know whether it is alone.
 *
 * A listener never runs while the main thread is busy in synchronous code, and would keep such a program
 * alive: so the helper thread (sampler-thread.cts), which sees the loop stop turning, has the guard let go of
 * the signals (`releaseIfStalled`) until the loop turns again. A signal that comes during such a stall ends the
 * process at once, as without tsprof, and loses what was sampled since the last chunk (the helper cuts them
 * more often during a stall). One that came after the loop's last turn and before the guard let go is lost:
 * the listener that took it is gone when the loop turns (no public API tells that one is waiting). tsprof sends
 * the signals it receives itself (Ctrl-C) on again; a stall counts only past three times the loop's longest
 * recent gap, so a program whose loop turns every few hundred milliseconds is never let go of.
 */
import { SIGNALS_RELAYED } from './agent-protocol.cjs';

type RelayedSignal = (typeof SIGNALS_RELAYED)[number];

/** How often the main thread's event loop shows the helper that it turns. */
export const LOOP_BEAT_MS = 25;
/**
 * How long the loop may not turn before the main thread counts as stalled: at least this (a few beats a busy
 * machine may delay), three times the longest recent gap between its turns, at most MAX_STALL_MS (the helper's
 * stallWatch).
 */
export const STALL_MS = 100;
export const MAX_STALL_MS = 2000;

export interface SignalGuardHooks {
  /** A signal reached the app (whoever handles it): tsprof's relay must not send it again. */
  received(signal: RelayedSignal): void;
  /** The signal will now end the process: write the final chunk. */
  beforeDefaultAction(signal: RelayedSignal): void;
}

export interface SignalGuard {
  /** Holds the signals again, when the loop has turned after a stall. */
  hold(): void;
  /**
   * Lets go of the signals if the loop has not turned for STALL_MS (called from the helper, in an interrupt);
   * says whether it did.
   */
  releaseIfStalled(): boolean;
  /** Lets go of the signals for good: the profile is finished or abandoned. */
  stop(): void;
}

type Listener = (...args: unknown[]) => void;
interface ListenerQueries {
  listeners(event: string | symbol): Listener[];
  rawListeners(event: string | symbol): Listener[];
  listenerCount(event: string | symbol, listener?: Listener): number;
  eventNames(): (string | symbol)[];
}

export function guardSignals(hooks: SignalGuardHooks): SignalGuard {
  // process's event methods, typed loosely (its typings name an overload per event).
  const emitter = process as unknown as ListenerQueries;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- each is called with `process` as `this`
  const { listeners, rawListeners, listenerCount, eventNames } = emitter;
  let stopped = false;
  let lastTurn = Date.now();

  const isRelayed = (event: string | symbol): event is RelayedSignal => typeof event === 'string' && (SIGNALS_RELAYED as readonly string[]).includes(event);
  const isOurs = (event: string | symbol, listener: unknown) =>
    (listener === (onSignal as unknown) && isRelayed(event)) || (listener === (rewatch as unknown) && event === 'removeListener');

  function onSignal(signal: RelayedSignal): void {
    try {
      hooks.received(signal);
    } catch {
      // only the relay's marker: without it tsprof sends the signal once more after a while
    }
    if (appListeners(signal).length > 0) return;
    try {
      hooks.beforeDefaultAction(signal);
    } finally {
      letGo();
      process.kill(process.pid, signal);
    }
  }

  const holding = (signal: RelayedSignal) => rawListeners.call(process, signal).includes(onSignal as Listener);
  /**
   * Node stops watching a signal when `process.listenerCount` says its last listener is gone, and so the
   * hidden count closes Node's watcher when the app removes its last listener: the guard's listener is then
   * added again, which watches the signal anew.
   */
  function rewatch(event: string | symbol, listener: unknown): void {
    if (listener === (onSignal as unknown) || !isRelayed(event) || !holding(event) || appListeners(event).length > 0) return;
    process.removeListener(event, onSignal);
    process.on(event, onSignal);
  }
  process.on('removeListener', rewatch);
  const letGo = () => SIGNALS_RELAYED.forEach((signal) => process.removeListener(signal, onSignal));

  // What the app asks about its listeners leaves the guard's out.
  const appListeners = (event: string | symbol) => listeners.call(process, event).filter((listener) => !isOurs(event, listener));
  const hidden: ListenerQueries = {
    listeners: appListeners,
    rawListeners: (event) => rawListeners.call(process, event).filter((listener) => !isOurs(event, listener)),
    listenerCount: (event, listener) => (listener === undefined ? appListeners(event).length : listenerCount.call(process, event, listener)),
    eventNames: () => eventNames.call(process).filter((event) => appListeners(event).length > 0),
  };
  Object.assign(process, hidden);

  const guard: SignalGuard = {
    hold: () => {
      lastTurn = Date.now();
      if (stopped) return;
      for (const signal of SIGNALS_RELAYED) if (!holding(signal)) process.on(signal, onSignal);
    },
    releaseIfStalled: () => {
      if (Date.now() - lastTurn < STALL_MS) return false;
      letGo();
      return true;
    },
    stop: () => {
      stopped = true;
      letGo();
    },
  };
  // Held from the loop's first turn (the beat's first call), not before: a program's synchronous start is a
  // stall of its own, and a signal taken then would be lost when the helper lets go.
  return guard;
}
