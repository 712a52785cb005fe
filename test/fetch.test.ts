import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchProfile } from '../src/cli/fetch-profile.js';
import { runCli } from './helpers/cli.js';
import { fixture, tempDir } from './helpers/paths.js';
import { startPprofService, stopPprofServices } from './helpers/pprof-service.js';
import { startTsprof } from './helpers/record.js';

/**
 * `convert`, `report` and `diff` read http(s) addresses as `go tool pprof` does: a continuous-profiling store's
 * query (a loopback server that answers as profefe does) and a running service's pprof endpoint (tsprof's own).
 */

const dir = tempDir();
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A loopback server; `handle` answers each request. */
async function serve(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** profefe's `GET /api/0/profiles/merge` time format: `2006-01-02T15:04:05`, no zone. */
const PROFEFE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;

describe('profiles from a store that answers as profefe does', () => {
  // What the store holds for two versions: a recording of each (fixtures/recordings/regression: regression.js,
  // computeScore 30% slower in 1.1), as gzipped pprof.
  const stored = new Map<string, Buffer>();
  beforeAll(() => {
    for (const [version, side] of [
      ['1.0', 'before'],
      ['1.1', 'after'],
    ] as const) {
      const pprof = join(dir, `v${version}.pb.gz`);
      expect(runCli(['convert', fixture('recordings', 'regression', side, 'run1.cpuprofile'), '-o', pprof]).status).toBe(0);
      stored.set(version, readFileSync(pprof));
    }
  }, 60_000);

  it('diffs two merge queries exactly as it diffs the profiles they answer with, sending the query as given', async () => {
    const requests: URL[] = [];
    const base = await serve((request, response) => {
      const url = new URL(request.url!, 'http://store');
      requests.push(url);
      const labels = new Map((url.searchParams.get('labels') ?? '').split(',').map((pair) => pair.split('=') as [string, string]));
      const profile = url.pathname === '/api/0/profiles/merge' && url.searchParams.get('type') === 'cpu' ? stored.get(labels.get('version') ?? '') : undefined;
      if (!profile) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"error":"nothing found"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(profile);
    });
    const query = (version: string) =>
      `${base}/api/0/profiles/merge?service=checkout&type=cpu&from=2026-12-01T10:00:00&to=2026-12-01T11:00:00&labels=version=${version},region=eu`;
    const fetched = await startTsprof(['diff', query('1.0'), query('1.1'), '-f', 'json']).done;
    expect(fetched.status, fetched.stderr).toBe(0);
    const local = await startTsprof(['diff', join(dir, 'v1.0.pb.gz'), join(dir, 'v1.1.pb.gz'), '-f', 'json']).done;
    const { before: _b, after: _a, ...fetchedDiff } = JSON.parse(fetched.stdout) as Record<string, unknown>;
    const { before: _lb, after: _la, ...localDiff } = JSON.parse(local.stdout) as Record<string, unknown>;
    expect(fetchedDiff).toEqual(localDiff);
    expect((fetchedDiff.self as { function: string }[]).map((row) => row.function)).toContain('computeScore');
    expect(requests).toHaveLength(2);
    for (const url of requests) {
      expect(url.searchParams.get('service')).toBe('checkout');
      expect(url.searchParams.get('from')).toMatch(PROFEFE_TIME);
      expect(url.searchParams.get('to')).toMatch(PROFEFE_TIME);
    }
    expect(requests.map((url) => url.searchParams.get('labels'))).toEqual(['version=1.0,region=eu', 'version=1.1,region=eu']);

    // A query the store has nothing for: its answer, in one line, exit 2.
    const missing = await startTsprof(['report', query('9.9')]).done;
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`tsprof: error: ${query('9.9')}: the server answered 404 Not Found ({"code":404,"error":"nothing found"})\n`);
  });
});

describe("tsprof's own pprof endpoint as an input", () => {
  afterEach(stopPprofServices);

  it('reports, converts and diffs seconds of a running service, with the token from TSPROF_TOKEN or --header', async () => {
    const base = await startPprofService('s3cret');
    const url = `${base}/debug/pprof/profile?seconds=1`;
    const refused = await startTsprof(['report', url]).done;
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(`tsprof: error: ${url}: the server answered 401 Unauthorized (missing or wrong bearer token)\n`);
    const report = await startTsprof(['report', url, '-n', '1'], { env: { TSPROF_TOKEN: 's3cret' } }).done;
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout.split('\n')[2]).toMatch(/^\s*\d+\.\d%\s+\d+\.\d%\s+\d+\s+\d+\s+hotLoop\s/);
    const html = join(dir, 'service.html');
    const converted = await startTsprof(['convert', url, '-o', html, '--header', 'Authorization: Bearer s3cret']).done;
    expect(converted.status, converted.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('hotLoop');
    // Two seconds of the same service, one after the other, compared: the same program, so nothing changed.
    const diff = await startTsprof(['diff', url, url, '-f', 'json'], { env: { TSPROF_TOKEN: 's3cret' } }).done;
    expect(diff.status, diff.stderr).toBe(0);
    const rows = (JSON.parse(diff.stdout) as { self: { function: string; verdict: string; before: { percent: number }; after: { percent: number } }[] }).self;
    const hot = rows.find((row) => row.function === 'hotLoop')!;
    expect(hot.before.percent).toBeGreaterThan(50);
    expect(hot.after.percent).toBeGreaterThan(50);
  });
});

describe('fetching: every failure is one line naming the address', () => {
  it('a refused connection, a body that is not a profile, and a malformed --header', async () => {
    const closed = await serve(() => {});
    closers.pop()!(); // nothing listens on that port any more
    const refused = await startTsprof(['report', `${closed}/debug/pprof/profile`]).done;
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(`tsprof: error: ${closed}/debug/pprof/profile: connection refused (is the service running, and listening on that port?)\n`);

    const base = await serve((_request, response) => response.end('<html>a login page</html>'));
    const notProfile = await startTsprof(['report', `${base}/profile`]).done;
    expect(notProfile.status).toBe(2);
    expect(notProfile.stderr).toMatch(new RegExp(`^tsprof: error: ${base}/profile: the file is not a profile tsprof reads .*\\n$`));

    const badHeader = await startTsprof(['report', `${base}/profile`, '--header', 'no colon']).done;
    expect(badHeader.status).toBe(2);
    expect(badHeader.stderr).toBe('tsprof: error: --header "no colon": expected "Name: value"\n');
  });

  it('holds to its time and size limits', async () => {
    const silent = await serve(() => {}); // accepts, never answers
    await expect(fetchProfile(`${silent}/slow`, { timeoutMs: 300 })).rejects.toThrow(`${silent}/slow: no complete answer within 0.3 s`);
    const endless = await serve((_request, response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const write = () => {
        if (!response.destroyed && response.write(chunk)) setImmediate(write);
        else response.once('drain', write);
      };
      write();
    });
    await expect(fetchProfile(`${endless}/huge`, { maxBytes: 1_000_000 })).rejects.toThrow(
      `${endless}/huge: the answer is larger than 1 MB, the most tsprof reads`,
    );
  });
});
