import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPprofServer } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { goAvailable, pprofTop } from './helpers/go.js';
import { fixture, tempDir } from './helpers/paths.js';

const dir = tempDir();
const servers = new Set<ChildProcess>();
afterEach(() => {
  for (const child of servers) child.kill('SIGKILL');
  servers.clear();
});

/** Starts fixtures/programs/pprof-server.js (a busy hotLoop with the endpoint) and returns its URL. */
async function startServer(token?: string): Promise<string> {
  const child = spawn(process.execPath, [fixture('programs', 'pprof-server.js'), ...(token ? [token] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  let stdout = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^ready (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', () => reject(new Error('the server exited')));
  });
}

const profileUrl = (base: string, query: string) => `${base}/debug/pprof/profile?${query}`;

describe('the pprof HTTP endpoint', () => {
  it('answers ?seconds=N with gzipped pprof of that stretch of time, and ?format=folded with folded stacks', async () => {
    const base = await startServer();
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const before = Date.now();
    const response = await fetch(profileUrl(base, 'seconds=1'));
    const after = Date.now();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const file = join(dir, 'endpoint.pb.gz');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    const report = runCli(['report', file, '-n', '1']);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout.split('\n')[2]).toMatch(/^\s*\d+\.\d%\s+\d+\.\d%\s+\d+\s+\d+\s+hotLoop\s/);
    // The profile's own time range is the request's.
    const [when, duration] = report.stdout.split('\n')[0]!.split(' · ');
    expect(Math.abs(Date.parse(`${when!.replace(' UTC', '')}Z`) - before)).toBeLessThan(61_000);
    expect(duration).toMatch(/^(9\d\d\.\d ms|1\.0\d s)$/);
    expect(after - before).toBeGreaterThanOrEqual(1000);

    const folded = await fetch(profileUrl(base, 'seconds=0.5&format=folded'));
    expect(folded.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await folded.text();
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^\S.* \d+$/);
    expect(text).toMatch(/;hotLoop \(\S*pprof-server\.js:6\) \d+$/m);
  });

  it('refuses bad requests plainly: bad seconds 400, a second profile at once 409, other paths 404', async () => {
    const base = await startServer();
    expect((await fetch(profileUrl(base, 'seconds=abc'))).status).toBe(400);
    expect((await fetch(profileUrl(base, 'seconds=1&format=svg'))).status).toBe(400);
    expect((await fetch(`${base}/other`)).status).toBe(404);
    const first = fetch(profileUrl(base, 'seconds=1'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await fetch(profileUrl(base, 'seconds=1'));
    expect(second.status).toBe(409);
    expect((await first).status).toBe(200);
  });

  it('with a token, needs Authorization: Bearer', async () => {
    const base = await startServer('s3cret');
    expect((await fetch(profileUrl(base, 'seconds=0.2'))).status).toBe(401);
    expect((await fetch(profileUrl(base, 'seconds=0.2'), { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(profileUrl(base, 'seconds=0.2'), { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
  });

  it('startPprofServer listens on loopback, does not keep the process alive, and is gone once closed', async () => {
    const keepingAlive = () => process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;
    const before = keepingAlive();
    const server = await startPprofServer({ port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(keepingAlive()).toBe(before);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    await server.close();
    await expect(fetch(`${server.url}/`)).rejects.toThrow();
  });

  describe.skipIf(!goAvailable())('read by go tool pprof', () => {
    it('go tool pprof fetches the endpoint and shows hotLoop first', async () => {
      const base = await startServer();
      const child = spawn('go', ['tool', 'pprof', '-top', profileUrl(base, 'seconds=1')], { env: { ...process.env, PPROF_TMPDIR: dir } });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(status).toBe(0);
      const saved = spawnSync('ls', [dir], { encoding: 'utf8' }).stdout;
      expect(saved).toMatch(/pprof\.samples\.cpu\.\d+\.pb\.gz/);
      expect([...pprofTop(join(dir, saved.split('\n').find((name) => name.startsWith('pprof.samples'))!)).keys()][0]).toBe('hotLoop');
      expect(stdout).toMatch(/hotLoop/);
    });
  });
});
