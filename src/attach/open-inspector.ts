import { setTimeout as sleep } from 'node:timers/promises';
import { AttachError } from './attach-error.js';
import { CdpConnection } from './cdp-connection.js';
import { readInspectorFlags } from './inspector-flags.js';
import { isLoopback, isLoopbackHost, listeningSockets, portInUse, type ListeningSocket } from './listening-ports.js';
import { checkTarget } from './target-check.js';

/**
 * Finds or opens the inspector of a running Node process, safely (issue 4's order): check the pid is a Node
 * process we may signal, refuse if its inspector would listen beyond the loopback, then SIGUSR1 and watch
 * which new port *this pid* listens on (never trusting whatever answers on 9229). An inspector that was
 * already open is used and left open; one tsprof opened is closed again by `closeInspector`.
 */
export interface InspectorEndpoint {
  pid: number;
  address: string;
  port: number;
  /** The WebSocket URL of the process's main thread. */
  webSocketUrl: string;
  /** tsprof sent the SIGUSR1 that opened it, so tsprof closes it. */
  openedByUs: boolean;
}

const OPEN_TIMEOUT_MS = 3000;
const POLL_MS = 20;

export async function openInspector(pid: number): Promise<InspectorEndpoint> {
  const check = checkTarget(pid);
  if (!check.ok) throw new AttachError(check.reason);
  const flags = readInspectorFlags(pid);
  if (!isLoopbackHost(flags.host)) {
    throw new AttachError(
      `process ${pid} would open its inspector on ${flags.host}:${flags.port}, beyond the loopback (its --inspect-port or --inspect option); tsprof ` +
        `only opens inspectors on 127.0.0.1, so it left ${pid} untouched`,
    );
  }
  // The configured port first: asking an app's own server whether it is an inspector is a last resort.
  const before = socketsOf(pid).sort((a, b) => Number(b.port === flags.port) - Number(a.port === flags.port));
  if (flags.openAtStart || flags.commandLineRewritten) {
    const existing = await findInspector(pid, before);
    if (existing) return existing;
  }
  if (flags.sigusr1Disabled) {
    throw new AttachError(
      `process ${pid} runs with --disable-sigusr1, so SIGUSR1 cannot open its inspector; tsprof left it untouched. Start it without that ` +
        `option, with --inspect=127.0.0.1:0 (tsprof then uses that inspector), or under tsprof record`,
    );
  }
  if (flags.commandLineRewritten) {
    throw new AttachError(
      `process ${pid} rewrote its command line (process.title), so tsprof cannot check where SIGUSR1 would open its inspector, and left it untouched; ` +
        `start it with --inspect=127.0.0.1:0 (tsprof then uses that inspector) or under tsprof record`,
    );
  }

  process.kill(pid, 'SIGUSR1');
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await sleep(POLL_MS);
    const added = socketsOf(pid).filter((socket) => !before.some((old) => old.port === socket.port && old.address === socket.address));
    if (added.length === 0) continue;
    const opened = await findInspector(pid, added, { openedByUs: true });
    if (opened) return opened;
  }
  // No new port: the inspector was open already (opened at run time, e.g. by inspector.open()), or could not open.
  const existing = await findInspector(pid, before);
  if (existing) return existing;
  if (flags.port !== 0 && portInUse(flags.port)) {
    throw new AttachError(
      `process ${pid} could not open its inspector: port ${flags.port} is taken by another process. Start the app with --inspect-port=0 (any free ` +
        `port) to profile it while that port is in use`,
    );
  }
  throw new AttachError(
    `process ${pid} did not open its inspector within ${OPEN_TIMEOUT_MS / 1000} s of SIGUSR1 (does the app handle SIGUSR1 itself, or run with ` +
      `--disable-sigusr1?)`,
  );
}

/**
 * Closes an inspector that tsprof opened (`inspector.close()` in the process) and waits until
 * its port is gone. Uses `connection` when it is still open, else connects once more for this. Returns false
 * when the port was still there after the wait, so the caller can say so.
 */
/** Code that closes the inspector it runs under, also where `require` is not defined (an ES module app). */
export const CLOSE_INSPECTOR = "process.getBuiltinModule('node:inspector').close()";

export async function closeInspector(endpoint: InspectorEndpoint, connection?: CdpConnection): Promise<boolean> {
  if (!endpoint.openedByUs) return true;
  if (!stillListening(endpoint)) return true;
  let own: CdpConnection | undefined;
  try {
    const live = connection?.open ? connection : (own = await CdpConnection.connect(endpoint.webSocketUrl, 2000));
    // The answer never comes: the server goes away while answering. Watching the port is the real check.
    live.main.evaluate(CLOSE_INSPECTOR, { timeoutMs: 2000 }).catch(() => undefined);
  } catch {
    // The process is gone, or its inspector stopped answering; the port check below tells which.
  }
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && stillListening(endpoint)) await sleep(POLL_MS);
  own?.close();
  return !stillListening(endpoint);
}

function stillListening(endpoint: InspectorEndpoint): boolean {
  return socketsOf(endpoint.pid).some((socket) => socket.port === endpoint.port);
}

/** The pid's listening TCP sockets; none once the process is gone. */
function socketsOf(pid: number): ListeningSocket[] {
  try {
    return listeningSockets(pid);
  } catch {
    return [];
  }
}

/** Asks each of `candidates` (this pid's loopback ports only) whether it is a Node inspector serving `pid`. */
async function findInspector(pid: number, candidates: ListeningSocket[], options: { openedByUs?: boolean } = {}): Promise<InspectorEndpoint | undefined> {
  for (const socket of candidates) {
    if (!isLoopback(socket.address) && socket.address !== '0.0.0.0' && socket.address !== '::') continue;
    const host = loopbackHostFor(socket.address);
    const targets = await getJson(`http://${host}:${socket.port}/json/list`);
    if (!Array.isArray(targets)) continue;
    const main = targets.find((t: { type?: string; webSocketDebuggerUrl?: string }) => t.type === 'node' && typeof t.webSocketDebuggerUrl === 'string') as
      { webSocketDebuggerUrl: string } | undefined;
    if (!main) continue;
    // Connect to the address we checked, whatever host name the inspector put in its URL.
    const path = new URL(main.webSocketDebuggerUrl).pathname;
    const endpoint: InspectorEndpoint = {
      pid,
      address: socket.address,
      port: socket.port,
      webSocketUrl: `ws://${host}:${socket.port}${path}`,
      openedByUs: options.openedByUs ?? false,
    };
    if (!isLoopback(socket.address)) {
      // The app asked for a wildcard address through some route we did not see: close what we opened, refuse.
      if (endpoint.openedByUs) await closeInspector(endpoint);
      throw new AttachError(
        `process ${pid} opened its inspector on ${socket.address}:${socket.port}, beyond the loopback; tsprof closed it again and will not use it`,
      );
    }
    return endpoint;
  }
  return undefined;
}

async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    if (!response.ok) return undefined;
    return await response.json();
  } catch {
    return undefined; // not an inspector (or not HTTP at all)
  }
}

/** How to reach a socket over the loopback: a wildcard address through the loopback itself, IPv6 in brackets. */
function loopbackHostFor(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
