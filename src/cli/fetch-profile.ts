import { UserError } from './errors.js';
import { visible } from './terminal.js';

/**
 * Profiles read straight from where they live, as `go tool pprof` reads them: a running service's pprof
 * endpoint (`/debug/pprof/profile?seconds=N`, tsprof's or Go's) or a continuous-profiling store's query API
 * (profefe's `/api/0/profiles/merge?...`). Every fetch has a time limit and a size limit, and every failure
 * is one line naming the address.
 */

/** The largest answer read: as large as a JSON profile tsprof reads from a file. */
export const MAX_FETCH_BYTES = 256 * 2 ** 20;
/** How long an answer may take, beyond the `seconds` a profile endpoint is asked to sample for. */
const FETCH_MARGIN_MS = 30_000;

/** Whether an input names an address to fetch rather than a file. */
export function isProfileUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

export interface FetchOptions {
  /** Extra request headers, `Name: value` (--header); a token in TSPROF_TOKEN is sent as `Authorization: Bearer`. */
  headers?: readonly string[];
  token?: string;
  /** Overrides the time limit (tests). */
  timeoutMs?: number;
  maxBytes?: number;
}

/** Redirects followed, as many as curl's and browsers' default. */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The request headers: the address's `user:password@` as basic authentication (as curl and `go tool pprof`
 * send it), then the token, so that an explicit `--header 'Authorization: ...'` wins over both.
 */
export function requestHeaders(options: FetchOptions, url?: URL): Record<string, string> {
  const headers: Record<string, string> = {};
  if (url && (url.username || url.password)) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  for (const header of options.headers ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UserError(`--header "${visible(header)}": expected "Name: value"`);
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * How long to wait for `url`: a profile endpoint asked for N seconds answers after N seconds, so N plus a
 * margin; anything else, the margin doubled.
 */
export function fetchTimeoutMs(url: URL): number {
  const seconds = Number(url.searchParams.get('seconds'));
  return (Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) * 1000 : FETCH_MARGIN_MS) + FETCH_MARGIN_MS;
}

/** The body of a 2xx answer to GET `address`, or a UserError that says what went wrong, in one line. */
export async function fetchProfile(address: string, options: FetchOptions = {}): Promise<Uint8Array> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new UserError(`${withoutPassword(address)}: not a valid address`);
  }
  const name = withoutPassword(url.href);
  const timeoutMs = options.timeoutMs ?? fetchTimeoutMs(url);
  const maxBytes = options.maxBytes ?? MAX_FETCH_BYTES;
  const headers = requestHeaders(options, url);
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetchFollowingRedirects(name, withoutCredentials(url), headers, signal);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${name}: ${describeFetchError(error, timeoutMs)}`);
  }
  if (!response.ok) {
    const text = await readLimited(response, 4096).then(
      (bytes) => new TextDecoder().decode(bytes),
      () => '',
    );
    const detail = visible(text.trim().split('\n')[0]!.slice(0, 200));
    throw new UserError(
      `${name}: the server answered ${response.status}${response.statusText ? ` ${visible(response.statusText)}` : ''}${detail ? ` (${detail})` : ''}`,
    );
  }
  try {
    return await readLimited(response, maxBytes);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`${name}: ${error.message}`);
    throw new UserError(`${name}: ${describeFetchError(error, timeoutMs)}`);
  }
}

/**
 * GET `url`, following redirects by hand, as curl does: the user's headers (token, `--header`, the address's
 * credentials) go only to the origin they were given for, never to another host, port or scheme a redirect
 * names; only http(s) is followed.
 */
async function fetchFollowingRedirects(name: string, url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const response = await fetch(current, { headers: current.origin === url.origin ? headers : {}, signal, redirect: 'manual' });
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
    await response.body?.cancel();
    if (redirects === MAX_REDIRECTS) throw new UserError(`${name}: more than ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new UserError(`${name}: redirected to "${visible(location.slice(0, 200))}", which is not a valid address`);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      throw new UserError(`${name}: redirected to a ${visible(next.protocol.slice(0, 20))} address; tsprof follows redirects to http(s) only`);
    current = withoutCredentials(next);
  }
}

/** The address as printed: its password never is. */
export function withoutPassword(address: string): string {
  try {
    const url = new URL(address);
    if (url.password) url.password = '***';
    return visible(url.href);
  } catch {
    return visible(address.replace(/^([a-z][a-z\d+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@'));
  }
}

/** The address with no `user:password@`: fetch refuses those (they go in a header). */
function withoutCredentials(url: URL): URL {
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return bare;
}

/** The body, at most `maxBytes` of it: a larger answer is refused rather than held in memory. */
async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new UserError(`the answer is ${formatMegabytes(declared)}; tsprof reads answers of up to ${formatMegabytes(maxBytes)}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!response.body) return new Uint8Array();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => {});
      throw new UserError(`the answer is larger than ${formatMegabytes(maxBytes)}, the most tsprof reads`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function formatMegabytes(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MB`;
}

/** Node's fetch wraps the reason in `cause`: the refused connection, the unknown host, the time limit. */
function describeFetchError(error: unknown, timeoutMs: number): string {
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  const code = cause?.code ?? (error as NodeJS.ErrnoException).code;
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError')
    return `no complete answer within ${Number((timeoutMs / 1000).toFixed(1))} s`;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the service running, and listening on that port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed before the answer was complete';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    default:
      return visible(cause?.message ?? (error as Error).message ?? String(error));
  }
}
