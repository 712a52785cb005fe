import { AGENT_CALL_URL } from '../preload/agent-protocol.cjs';
import type { CdpTarget } from './cdp-connection.js';
import { CLOSE_INSPECTOR } from './open-inspector.js';

/**
 * An inspector that tsprof opened must close again however tsprof goes away, even by `kill -9`: left open, any
 * local user could run code as the process's user, and later runs would take it as the app's own. A watchdog
 * evaluated inside the process (an unref'd timer, so it never keeps the app alive) closes the inspector when
 * tsprof's heartbeat has been silent for SILENCE_MS; tsprof beats every BEAT_MS while attached, and removes
 * the watchdog before it closes the inspector itself. The calls are named AGENT_CALL_URL, so that a sample
 * catching one counts as tsprof's own work.
 */
const SILENCE_MS = 5000;
const BEAT_MS = 1000;
const KEY = `Symbol.for('tsprof.inspectorWatchdog')`;
const named = (code: string) => `${code}\n//# sourceURL=${AGENT_CALL_URL}`;

const INSTALL = named(`(() => {
  const old = globalThis[${KEY}];
  if (old) clearInterval(old.timer);
  const state = { beat: Date.now(), timer: undefined };
  state.timer = setInterval(() => {
    if (Date.now() - state.beat <= ${SILENCE_MS}) return;
    clearInterval(state.timer);
    delete globalThis[${KEY}];
    ${CLOSE_INSPECTOR};
  }, ${BEAT_MS});
  state.timer.unref();
  Object.defineProperty(globalThis, ${KEY}, { value: state, configurable: true, enumerable: false });
})()`);
const BEAT = named(`(state => { if (state) state.beat = Date.now(); })(globalThis[${KEY}])`);
const REMOVE = named(`(state => { if (state) { clearInterval(state.timer); delete globalThis[${KEY}]; } })(globalThis[${KEY}])`);

export interface Watchdog {
  /** Stops the heartbeat and removes the watchdog from the process (before tsprof closes the inspector). */
  remove(): Promise<void>;
}

export async function installWatchdog(main: CdpTarget): Promise<Watchdog> {
  await main.evaluate(INSTALL);
  const heartbeat = setInterval(() => void main.evaluate(BEAT).catch(() => undefined), BEAT_MS);
  heartbeat.unref();
  return {
    remove: async () => {
      clearInterval(heartbeat);
      await main.evaluate(REMOVE).catch(() => undefined);
    },
  };
}
