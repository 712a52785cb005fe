import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toFolded } from '../export/folded.js';
import { toPprof } from '../export/pprof.js';
import { isLoopbackHost } from '../attach/listening-ports.js';
import { applySourceMaps } from '../sourcemaps/apply.js';
import { inProcessScriptMaps } from '../sourcemaps/in-process.js';
import type { Profile } from '../model/profile.js';
import { acquireHeapSampler, type HeapSampler } from '../in-process/heap-sampler.js';
import { profileSelf, ProfileInProgressError } from '../in-process/self-profiler.js';

/**
 * Go's net/http/pprof CPU endpoint for a Node service: `GET /debug/pprof/profile?seconds=N` profiles the
 * process's main thread for N seconds (default 30, as Go) and answers with gzipped pprof, so that
 * `go tool pprof http://host:port/debug/pprof/profile?seconds=5` works; `&format=folded` answers folded stacks
 * for `curl ... | flamegraph.pl`. Mount `pprofHandler()` in the app's own server, or start one with
 * `startPprofServer()` (127.0.0.1 unless told otherwise). With a token, requests need `Authorization: Bearer`.
 */

export const PROFILE_PATH = '/debug/pprof/profile';
/** Go's heap endpoint: the bytes in use now, by the stack that allocated them (`?gc=1` collects first). */
export const HEAP_PATH = '/debug/pprof/heap';
const MAX_SECONDS = 300;

export interface PprofHandlerOptions {
  /** Required as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Samples per second. Default 100, as Go's pprof. */
  rate?: number;
  /**
   * Serve `/debug/pprof/heap`: V8's sampling heap profiler then runs from the handler's creation (as Go's heap
   * profile samples from the start), one sample per `heapInterval` bytes allocated. Default true.
   */
  heap?: boolean;
  /** Bytes allocated per heap sample, on average. Default 512 KiB (Node's --heap-prof-interval default). */
  heapInterval?: number;
}

/** A request handler that also owns the heap sampler it started. */
export type PprofRequestHandler = ((request: IncomingMessage, response: ServerResponse) => boolean) & {
  /** Lets the heap sampler go (it stops when no other handler of the thread uses it). */
  close(): Promise<void>;
};

/**
 * A request handler for node:http (and frameworks that pass node's request and response). Returns false for
 * paths it does not serve, so an app can chain it before its own routes; answers them with 404 itself when
 * used as the whole server.
 */
export function pprofHandler(options: PprofHandlerOptions = {}): PprofRequestHandler {
  // Started now, awaited by the first heap request; a failure to start is that request's 500.
  const heapUse = options.heap === false ? undefined : acquireHeapSampler(options.heapInterval);
  const heap = heapUse?.sampler;
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    // Every request of the app passes through here: nothing a client sends may throw (`new URL` throws on a
    // request line such as `GET //[`), so the path and the query are split by hand.
    const target = typeof request.url === 'string' ? request.url : '/';
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    if (path !== PROFILE_PATH && (path !== HEAP_PATH || !heap)) return false;
    const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
    const served = path === PROFILE_PATH ? serveProfile(request, response, query, options) : serveHeap(request, response, query, options, heap!);
    served.catch(() => response.destroy());
    return true;
  };
  return Object.assign(handler, { close: async () => heapUse?.release() });
}

function reply(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}

/** The answer in the format asked: gzipped pprof (default) or folded text. */
function send(response: ServerResponse, profile: Profile, format: 'pprof' | 'folded'): void {
  if (format === 'folded') {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(toFolded(profile, { cwd: process.cwd() }));
  } else {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="profile"' }).end(toPprof(profile));
  }
}

/** Answers a request no endpoint serves (not GET, no or a wrong token); true when it did. */
function refused(request: IncomingMessage, response: ServerResponse, options: PprofHandlerOptions): boolean {
  if (request.method !== 'GET') reply(response, 405, 'only GET');
  else if (options.token !== undefined && !authorized(request.headers.authorization, options.token)) reply(response, 401, 'missing or wrong bearer token');
  else return false;
  return true;
}

/** The answer's format from `format=` (pprof by default); undefined, answered with 400, for any other. */
function formatAsked(response: ServerResponse, query: URLSearchParams): 'pprof' | 'folded' | undefined {
  const format = query.get('format') ?? 'pprof';
  if (format === 'pprof' || format === 'folded') return format;
  reply(response, 400, 'format must be pprof or folded');
  return undefined;
}

async function serveHeap(request: IncomingMessage, response: ServerResponse, query: URLSearchParams, options: PprofHandlerOptions, heap: Promise<HeapSampler>) {
  if (refused(request, response, options)) return;
  if (query.has('seconds')) return reply(response, 400, 'the heap profile is what is in use now; seconds is for /debug/pprof/profile');
  const format = formatAsked(response, query);
  if (!format) return;
  try {
    const raw = await (await heap).snapshot({ gc: query.get('gc') === '1' });
    if (response.destroyed) return;
    send(response, applySourceMaps(raw, inProcessScriptMaps(raw)).profile, format);
  } catch (error) {
    reply(response, 500, `could not take the heap profile: ${(error as Error).message}`);
  }
}

async function serveProfile(request: IncomingMessage, response: ServerResponse, query: URLSearchParams, options: PprofHandlerOptions): Promise<void> {
  if (refused(request, response, options)) return;
  const secondsText = query.get('seconds');
  // Decimal only, as Go reads it: Number() would take 0x10 as 16, 1e1 as 10 and " 5" as 5.
  const seconds = secondsText === null ? 30 : /^\d+(\.\d+)?$/.test(secondsText) ? Number(secondsText) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_SECONDS) {
    return reply(response, 400, `seconds must be a decimal number above 0 and at most ${MAX_SECONDS}`);
  }
  const format = formatAsked(response, query);
  if (!format) return;

  // A client that goes away ends the profile early; nothing is sent then.
  const abort = new AbortController();
  response.on('close', () => abort.abort());
  try {
    const raw = await profileSelf({ seconds, ...(options.rate ? { rate: options.rate } : {}), signal: abort.signal });
    if (response.destroyed) return;
    send(response, applySourceMaps(raw, inProcessScriptMaps(raw)).profile, format);
  } catch (error) {
    if (error instanceof ProfileInProgressError) return reply(response, 409, error.message);
    reply(response, 500, `could not profile: ${(error as Error).message}`);
  }
}

function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface PprofServerOptions extends PprofHandlerOptions {
  /** Default 6060, Go's usual pprof port; 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1: never reachable from other machines unless asked. */
  host?: string;
}

export interface PprofServer {
  /** `http://host:port` */
  url: string;
  close(): Promise<void>;
}

/** A server of its own for the pprof endpoint; it does not keep the process alive (unref). */
export async function startPprofServer(options: PprofServerOptions = {}): Promise<PprofServer> {
  const handle = pprofHandler(options);
  const server: Server = createServer((request, response) => {
    if (!handle(request, response)) {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`try ${PROFILE_PATH}?seconds=30${options.heap === false ? '' : ` or ${HEAP_PATH}`}\n`);
    }
  });
  const host = options.host ?? '127.0.0.1';
  if (options.token === undefined && !isLoopbackHost(host)) warnOpenToNetwork(host);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6060, host, () => resolve());
  });
  server.unref();
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await handle.close();
    },
  };
}

let warnedOpen = false;

/** Anyone who can reach the port can profile the process (and keep its CPU busy): say so, once per process. */
function warnOpenToNetwork(host: string): void {
  if (warnedOpen) return;
  warnedOpen = true;
  process.stderr.write(
    `tsprof: warning: the pprof endpoint listens on ${host} without a token: anyone who can reach this port can profile the process; pass a token or ` +
      `listen on 127.0.0.1\n`,
  );
}
