import { randomBytes } from 'node:crypto';
import { readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

/**
 * Where the agent's profiles go: a local folder (rotated, bounded in size), or a continuous-profiling
 * collector over HTTP (Grafana Pyroscope's /ingest, profefe's /api/0/profiles). A sink never throws: a failure
 * is reported and the profile retried (pushes) or dropped.
 */

/** One profiled window: pprof bytes and what describes them. */
export interface WindowProfile {
  /** CPU samples over the window, or the heap in use at its end. */
  kind: 'cpu' | 'heap';
  pprof: Uint8Array;
  service: string;
  labels: Record<string, string>;
  /** Unix milliseconds. */
  from: number;
  until: number;
  rateHz: number;
}

export interface Sink {
  /** Sends one profile; resolves when done, rejects when this attempt failed (the caller retries). */
  send(profile: WindowProfile): Promise<void>;
  readonly name: string;
}

/**
 * Files `<service>-<time>.pb.gz` (and `<service>-<time>.heap.pb.gz`) in `dir`; the oldest are deleted once the
 * folder's profiles pass `maxBytes`.
 */
export function folderSink(dir: string, maxBytes: number): Sink {
  return {
    name: `folder ${dir}`,
    send: async (profile) => {
      const stamp = new Date(profile.from).toISOString().replace(/[:.]/g, '-');
      const name = `${safe(profile.service)}-${stamp}${profile.kind === 'heap' ? '.heap' : ''}.pb.gz`;
      const temporary = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
      writeFileSync(temporary, profile.pprof);
      renameSync(temporary, join(dir, name));
      const prefix = `${safe(profile.service)}-`;
      const files = readdirSync(dir)
        .filter((file) => file.startsWith(prefix) && file.endsWith('.pb.gz'))
        .sort()
        .map((file) => ({ path: join(dir, file), size: statSync(join(dir, file)).size }));
      let total = files.reduce((sum, file) => sum + file.size, 0);
      for (const file of files) {
        if (total <= maxBytes) break;
        rmSync(file.path, { force: true });
        total -= file.size;
      }
    },
  };
}

/**
 * A collector's endpoint under the address it was given, path included: a collector behind a path prefix (a
 * reverse proxy, Grafana Cloud's `/pyroscope`) gets `<prefix>/ingest`, where `new URL('/ingest', base)` would
 * drop the prefix.
 */
export function endpointUnder(baseUrl: string, path: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  return url;
}

/**
 * Grafana Pyroscope: `POST /ingest?name=<service>.cpu{labels}&from&until&format=pprof&sampleRate&spyName`,
 * the profile as the `profile` part of a multipart form (as Pyroscope's own SDKs send it). Heap profiles go
 * as `<service>.heap{labels}`, their sample types named as Go's (inuse_objects, inuse_space).
 */
export function pyroscopeSink(baseUrl: string): Sink {
  return {
    name: `Pyroscope ${baseUrl}`,
    send: async (profile) => {
      const labels = Object.entries(profile.labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(',');
      const url = endpointUnder(baseUrl, '/ingest');
      url.searchParams.set('name', `${profile.service}.${profile.kind}{${labels}}`);
      url.searchParams.set('from', String(Math.floor(profile.from / 1000)));
      url.searchParams.set('until', String(Math.ceil(profile.until / 1000)));
      url.searchParams.set('format', 'pprof');
      if (profile.kind === 'cpu') url.searchParams.set('sampleRate', String(Math.round(profile.rateHz)));
      url.searchParams.set('spyName', 'tsprof');
      const boundary = `tsprof-${randomBytes(12).toString('hex')}`;
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="profile"; filename="profile.pprof"\r\ncontent-type: application/octet-stream\r\n\r\n`,
        ),
        profile.pprof,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      await post(url, body, `multipart/form-data; boundary=${boundary}`);
    },
  };
}

/** profefe: `POST /api/0/profiles?service=<service>&type=cpu&labels=k=v,k=v` (or `type=heap`), the pprof as the body. */
export function profefeSink(baseUrl: string): Sink {
  return {
    name: `profefe ${baseUrl}`,
    send: async (profile) => {
      const url = endpointUnder(baseUrl, '/api/0/profiles');
      url.searchParams.set('service', profile.service);
      url.searchParams.set('type', profile.kind);
      url.searchParams.set(
        'labels',
        Object.entries(profile.labels)
          .map(([key, value]) => `${key}=${value}`)
          .join(','),
      );
      await post(url, profile.pprof, 'application/octet-stream');
    },
  };
}

/** How long one push may take, all of it: connecting, sending, and the collector's answer. */
export const PUSH_DEADLINE_MS = 10_000;

/**
 * A POST on a connection of its own, closed when answered (no keep-alive pool outlives the agent), that fails
 * on a non-2xx status. One deadline covers the whole exchange, and only the status line is read: a collector
 * that answers slowly, or trickles (or floods) its body, cannot hold the agent or its stop() for longer.
 */
function post(url: URL, body: Uint8Array, contentType: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': contentType, 'content-length': body.length, connection: 'close' } },
      (response) => {
        const status = response.statusCode ?? 0;
        clearTimeout(deadline);
        request.destroy(); // the status is all we need
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`${url.origin}${url.pathname} answered ${status}`));
      },
    );
    const deadline = setTimeout(
      () => request.destroy(new Error(`${url.origin}${url.pathname} did not answer within ${PUSH_DEADLINE_MS / 1000} s`)),
      PUSH_DEADLINE_MS,
    );
    deadline.unref();
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.end(body);
  });
}

function safe(text: string): string {
  return text.replace(/[^\w.-]+/g, '_') || 'service';
}
