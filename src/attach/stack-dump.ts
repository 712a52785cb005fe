import { setTimeout as sleep } from 'node:timers/promises';
import type { CdpTarget } from './cdp-connection.js';
import { AGENT_CALL_URL } from '../preload/agent-protocol.cjs';

/**
 * The JavaScript stack a thread is running right now, through the debugger (`tsprof dump`).
 *
 * `Debugger.pause` stops a thread that runs JavaScript at once (the inspector interrupts it). A thread idle in
 * the event loop has nothing to stop: V8 would pause at its next JavaScript call, whenever that comes. So
 * right after the pause tsprof evaluates a one-statement probe script of its own: an idle thread runs the
 * probe and pauses in it with nothing else on its stack, which says "idle" at once, while a busy thread
 * pauses where it is (with the probe on top when the inspector ran it first, by interrupt). Either way the
 * thread is resumed and the debugger disabled again before this returns.
 */
export interface StackFrame {
  functionName: string;
  /** The script's URL (file://..., node:internal/...), '' for code without one. */
  url: string;
  /** 1-based. */
  line: number;
  column: number;
}

export type ThreadStack =
  | { state: 'running'; frames: StackFrame[] }
  /** Another debugger holds the thread paused: tsprof shows where, and leaves it paused. */
  | { state: 'paused-by-another-debugger'; frames: StackFrame[] }
  | { state: 'idle' }
  | { state: 'unknown'; reason: string };

const PROBE_URL = 'tsprof-dump-probe';
const PAUSE_TIMEOUT_MS = 2000;

interface PausedEvent {
  callFrames: { functionName: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }[];
}

export async function captureStack(
  target: CdpTarget,
  on: (method: string, handler: (params: Record<string, unknown>, from: CdpTarget) => void) => () => void,
): Promise<ThreadStack> {
  const scripts = new Map<string, string>();
  let onPaused: (event: PausedEvent) => void = () => undefined;
  const paused = new Promise<PausedEvent>((resolve) => (onPaused = resolve));
  const unsubscribe = [
    on('Debugger.scriptParsed', (params, from) => {
      if (from === target) scripts.set(String(params.scriptId), typeof params.url === 'string' ? params.url : '');
    }),
    on('Debugger.paused', (params, from) => {
      if (from === target) onPaused(params as unknown as PausedEvent);
    }),
  ];
  let pausedByUs = false;
  try {
    // A thread another debugger holds paused says so as soon as the debugger is enabled: never resume it.
    let pausedBefore: PausedEvent | undefined;
    void paused.then((event) => {
      if (!pausedByUs) pausedBefore = event;
    });
    await target.send('Debugger.enable');
    await Promise.resolve(); // let an already-delivered paused event settle
    if (pausedBefore) return { state: 'paused-by-another-debugger', frames: framesOf(pausedBefore, scripts) };
    pausedByUs = true;
    await target.send('Debugger.pause');
    // No await: while the thread is paused the probe cannot answer.
    const probe = target
      .send('Runtime.evaluate', { expression: `void 0\n//# sourceURL=${PROBE_URL}`, silent: true }, PAUSE_TIMEOUT_MS * 2)
      .catch(() => undefined);
    const event = await Promise.race([paused, sleep(PAUSE_TIMEOUT_MS, undefined, { ref: false })]);
    if (!event) return { state: 'unknown', reason: `it did not pause within ${PAUSE_TIMEOUT_MS / 1000} s` };
    await target.send('Debugger.resume').catch(() => undefined);
    await probe;
    const frames = framesOf(event, scripts);
    // The probe can also run inside a busy thread, by interrupt, before the pause lands: then it sits on top
    // of the thread's own frames. So can the watchdog's heartbeat (AGENT_CALL_URL), on a busy machine. Only
    // tsprof's own frames with nothing under them mean idle.
    const own = frames.filter((frame) => frame.url !== PROBE_URL && frame.url !== AGENT_CALL_URL);
    return own.length === 0 ? { state: 'idle' } : { state: 'running', frames: own };
  } finally {
    // Disabling also drops a pause that is still pending, so the thread never stops later on its own.
    await target.send('Debugger.disable').catch(() => undefined);
    for (const stop of unsubscribe) stop();
  }
}

function framesOf(event: PausedEvent, scripts: ReadonlyMap<string, string>): StackFrame[] {
  return event.callFrames.map((frame) => ({
    functionName: frame.functionName,
    url: scripts.get(frame.location.scriptId) ?? '',
    line: frame.location.lineNumber + 1,
    column: frame.location.columnNumber + 1,
  }));
}
