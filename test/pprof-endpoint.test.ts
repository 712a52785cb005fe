import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPprofServer } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { goAvailable, pprofTop } from './helpers/go.js';
import { pick, seededRandom } from './helpers/random.js';
import { waitFor } from './helpers/wait-for.js';
import { repoRoot, tempDir } from './helpers/paths.js';
import { startPprofService, stopPprofServices } from './helpers/pprof-service.js';

const dir = tempDir();
/** The line of the fixture's `function hotLoop`, which its folded frames name. */
const hotLoopLine =
  readFileSync(join(repoRoot, 'fixtures', 'programs', 'pprof-server.js'), 'utf8')
    .split('\n')
    .findIndex((line) => line.startsWith('function hotLoop(')) + 1;
afterEach(stopPprofServices);

const profileUrl = (base: string, query: string) => `${base}/debug/pprof/profile?${query}`;

describe('the pprof HTTP endpoint', () => {
  it('answers ?seconds=N with gzipped pprof of that stretch of time, and ?format=folded with folded stacks', async () => {
    const base = await startPprofService();
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
    // It covers the second asked for (less what V8 takes to start). How late a busy machine answers is not the
    // profile's to say: no bound on the wall time here.
    const [, amount, unit] = /^([\d.]+) (ms|s)$/.exec(duration!)!;
    const askedMs = 1000;
    expect(Number(amount) * (unit === 's' ? 1000 : 1)).toBeGreaterThanOrEqual(0.9 * askedMs);
    expect(after - before).toBeGreaterThanOrEqual(askedMs);

    const folded = await fetch(profileUrl(base, 'seconds=0.5&format=folded'));
    expect(folded.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await folded.text();
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^\S.* \d+$/);
    expect(text).toMatch(new RegExp(`;hotLoop \\(\\S*pprof-server\\.js:${hotLoopLine}\\) \\d+$`, 'm'));
  });

  it('refuses bad requests plainly: bad seconds 400, a second profile at once 409, other paths 404', async () => {
    const base = await startPprofService();
    expect((await fetch(profileUrl(base, 'seconds=abc'))).status).toBe(400);
    for (const notDecimal of ['0x10', '1e1', '%205', '-1', 'Infinity'])
      expect((await fetch(profileUrl(base, `seconds=${notDecimal}`))).status, notDecimal).toBe(400);
    expect((await fetch(profileUrl(base, 'seconds=1&format=svg'))).status).toBe(400);
    expect((await fetch(`${base}/other`)).status).toBe(404);
    const first = fetch(profileUrl(base, 'seconds=1'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await fetch(profileUrl(base, 'seconds=1'));
    expect(second.status).toBe(409);
    expect((await first).status).toBe(200);
  });

  it('with a token, needs Authorization: Bearer', async () => {
    const base = await startPprofService('s3cret');
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

  it('serves /debug/pprof/heap: the bytes in use, by the stack that allocated them; ?gc=1 collects first', async () => {
    const base = await startPprofService(undefined, 'pprof-heap-server.js');
    // leakSlowly keeps its objects, churnFast drops ten times as many: in use, the leak is on top.
    const report = runCli(['report', `${base}/debug/pprof/heap?gc=1`, '-n', '3']);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout.split('\n')[0]).toMatch(/^[\d.]+ MiB in sampled allocations$/);
    expect(report.stdout.split('\n')[2]).toMatch(/^\s*[\d.]+%\s+[\d.]+%\s+[\d.]+ MiB\s+[\d.]+ MiB\s+leakSlowly\s/);
    expect(report.stdout).not.toMatch(/tsprof|pprof-handler|heap-sampler/);
    const folded = await (await fetch(`${base}/debug/pprof/heap?format=folded`)).text();
    expect(folded).toMatch(/leakSlowly \(\S*pprof-heap-server\.js:\d+\) \d+$/m);
    const delta = await fetch(`${base}/debug/pprof/heap?seconds=5`);
    expect(delta.status).toBe(400);
    expect(await delta.text()).toBe('the heap profile is what is in use now; seconds is for /debug/pprof/profile\n');
  });

  describe.skipIf(!goAvailable())('read by go tool pprof', () => {
    it('go tool pprof -sample_index=inuse_space reads the heap endpoint and shows the leak first', async () => {
      const base = await startPprofService(undefined, 'pprof-heap-server.js');
      const child = spawn('go', ['tool', 'pprof', '-top', '-sample_index=inuse_space', `${base}/debug/pprof/heap?gc=1`], {
        env: { ...process.env, PPROF_TMPDIR: dir },
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(status).toBe(0);
      expect(stdout).toMatch(/^Type: inuse_space$/m);
      const rows = stdout.split('\n').filter((line) => /^\s*[\d.]+[kMG]?B\s+[\d.]+%/.test(line));
      expect(rows[0]).toMatch(/\sleakSlowly$/);
    });

    it('go tool pprof fetches the endpoint and shows hotLoop first', async () => {
      const base = await startPprofService();
      const child = spawn('go', ['tool', 'pprof', '-top', profileUrl(base, 'seconds=1')], { env: { ...process.env, PPROF_TMPDIR: dir } });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(status).toBe(0);
      const saved = spawnSync('ls', [dir], { encoding: 'utf8' }).stdout;
      expect(saved).toMatch(/pprof\.samples\.cpu\.\d+\.pb\.gz/);
      expect(
        [
          ...pprofTop(
            join(
              dir,
              saved.split('\n').find((name) => name.startsWith('pprof.samples'))!,
            ),
          ).keys(),
        ][0],
      ).toBe('hotLoop');
      expect(stdout).toMatch(/hotLoop/);
    });
  });
});

/** Sends `head` (a request line and headers, as raw bytes) and resolves with the status line, or '' when none came. */
function rawRequest(base: string, head: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    const done = () => {
      socket.destroy();
      resolve(answer.split('\r\n')[0] ?? '');
    };
    // Bounded by the socket's own idle event: a server that says nothing for 5 s has answered nothing.
    socket.setTimeout(5000, done);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(head, 'latin1');
  });
}

/** Request targets a client can send: the ones that threw `Invalid URL` into the app, and random noise. */
function hostileTargets(count: number, seed: number): string[] {
  const known = [
    '//[',
    'http://[',
    'http://a:99999/',
    '//a:b@/',
    '/debug/pprof/profile?%',
    '/debug/pprof/profile?seconds=%zz',
    '/debug/pprof/profile?seconds=1e999',
    '/debug/pprof/profile?seconds=-1&format=%00',
  ];
  const random = seededRandom(seed);
  const alphabet = [
    '/',
    '?',
    '&',
    '=',
    '%',
    '[',
    ']',
    '@',
    ':',
    '#',
    '\\',
    '..',
    'debug',
    'pprof',
    'profile',
    'seconds',
    'format',
    'http://',
    '%00',
    '%ff',
    '\u00e9',
    '1',
    '0.001',
    'x',
  ];
  const targets = [...known];
  while (targets.length < count) {
    let target = pick(random, ['/', '//', 'http://', '/debug/pprof/profile?', '']);
    for (let n = Math.floor(random() * 12); n > 0; n--) target += pick(random, alphabet);
    targets.push(target);
  }
  return targets;
}

describe('hostile requests never throw into the app', () => {
  it.each([
    ['startPprofServer', 'pprof-server.js'],
    ["pprofHandler in the app's own server", 'pprof-app.js'],
  ])('%s: 2,000 request lines, the ones that crashed it included, and the app still answers', async (_, program) => {
    const base = await startPprofService(undefined, program);
    // One long profile runs throughout, so that any request the noise makes valid is answered 409 at once.
    const holder = new AbortController();
    const held = fetch(profileUrl(base, 'seconds=120'), { signal: holder.signal }).catch(() => undefined);
    await waitFor(async () => (await fetch(profileUrl(base, 'seconds=1'))).status === 409, 10_000);
    const targets = hostileTargets(2000, 13);
    const statuses: string[] = [];
    for (let i = 0; i < targets.length; i += 50) {
      const batch = targets
        .slice(i, i + 50)
        .map((target) => rawRequest(base, `${pick(seededRandom(i), ['GET', 'POST', 'HEAD'])} ${target} HTTP/1.1\r\nHost: x\r\n\r\n`));
      statuses.push(...(await Promise.all(batch)));
    }
    // Each got an HTTP answer (400 from Node for what is not HTTP, 400/404/405 or the app's 200), none a crash.
    expect(statuses.filter((status) => !/^HTTP\/1\.1 \d{3} /.test(status))).toEqual([]);
    expect(statuses[0]).toMatch(program === 'pprof-app.js' ? /^HTTP\/1\.1 200/ : /^HTTP\/1\.1 404/); // GET //[
    const ours = await fetch(profileUrl(base, 'seconds=%zz'));
    expect(ours.status).toBe(400);
    holder.abort();
    await held;
    await waitFor(async () => (await fetch(profileUrl(base, 'seconds=0.01'))).status === 200, 10_000);
    const alive = await fetch(profileUrl(base, 'seconds=0.2&format=folded'));
    expect(alive.status).toBe(200);
  });

  it('startPprofServer on an address beyond the loopback without a token warns once on stderr', async () => {
    const script = `import(${JSON.stringify(join(repoRoot, 'dist', 'index.js'))}).then(async ({ startPprofServer }) => {
      for (const host of ['0.0.0.0', '0.0.0.0']) (await startPprofServer({ host, port: 0 })).close();
      (await startPprofServer({ host: '127.0.0.1', port: 0 })).close();
    });`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(0);
    expect(result.stderr.match(/warning: the pprof endpoint listens on 0\.0\.0\.0 without a token/g)).toHaveLength(1);
  });
});
