import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { fixture, tempDir } from './helpers/paths.js';
import { startTsprof } from './helpers/record.js';

/**
 * Inputs made to hurt tsprof (issue 25): each ends in one clear line, or in what a careful tool does, and
 * never leaks a secret.
 */

const dir = tempDir();
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A loopback server answering with `answer(path)`: a profile, or a redirect. */
async function serve(
  answer: (path: string) => { status: number; location?: string; body?: Buffer },
): Promise<{ base: string; seen: { path: string; headers: IncomingHttpHeaders }[] }> {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((request, response) => {
    seen.push({ path: request.url!, headers: request.headers });
    const { status, location, body } = answer(request.url!);
    response.writeHead(status, location ? { location } : {});
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('addresses: headers, credentials and redirects', () => {
  const profile = readFileSync(fixture('profiles', 'hot-function.cpuprofile'));

  it("a header given with -H and the address's credentials go to the address given, never to another host a redirect names", async () => {
    const elsewhere = await serve(() => ({ status: 200, body: profile }));
    const service = await serve((path) =>
      path === '/away'
        ? { status: 302, location: `${elsewhere.base}/profile` }
        : path === '/here'
          ? { status: 307, location: '/profile' }
          : { status: 200, body: profile },
    );
    for (const path of ['/here', '/away']) {
      const report = await startTsprof(['report', `${service.base.replace('//', '//ops:s3cret@')}${path}`, '-H', 'X-Api-Key: k1', '-n', '1'], {
        env: { TSPROF_TOKEN: undefined },
      }).done;
      expect(report.status, report.stderr).toBe(0);
      expect(report.stdout).toContain('hotLoop');
    }
    // Everything the service was sent carried the key and the credentials, as basic authentication.
    expect(service.seen.map((request) => request.path)).toEqual(['/here', '/profile', '/away']);
    for (const { headers } of service.seen) {
      expect(headers['x-api-key']).toBe('k1');
      expect(headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
    }
    // The other host got neither.
    expect(elsewhere.seen).toHaveLength(1);
    expect(elsewhere.seen[0]!.headers['x-api-key']).toBeUndefined();
    expect(elsewhere.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('never prints a password: not in errors, warnings, titles or diff headers', async () => {
    const service = await serve((path) =>
      path === '/loop'
        ? { status: 302, location: '/loop' }
        : path === '/file'
          ? { status: 302, location: 'file:///etc/passwd' }
          : { status: 200, body: Buffer.from('not a profile') },
    );
    const address = (path: string) => `${service.base.replace('//', '//ops:s3cret@')}${path}`;
    const shown = (path: string) => `${service.base.replace('//', '//ops:***@')}${path}`;
    const runs = await Promise.all([
      startTsprof(['report', address('/loop')]).done,
      startTsprof(['report', address('/file')]).done,
      startTsprof(['report', address('/text')]).done,
      startTsprof(['diff', address('/text'), fixture('profiles', 'hot-function.cpuprofile')]).done,
    ]);
    for (const run of runs) {
      expect(run.status).toBe(2);
      expect(run.stdout + run.stderr).not.toContain('s3cret');
    }
    expect(runs[0]!.stderr).toBe(`tsprof: error: ${shown('/loop')}: more than 20 redirects\n`);
    expect(runs[1]!.stderr).toBe(`tsprof: error: ${shown('/file')}: redirected to a file: address; tsprof follows redirects to http(s) only\n`);
    expect(runs[2]!.stderr).toMatch(new RegExp(`^tsprof: error: ${shown('/text').replace(/[.*]/g, '\\$&')}: the file is not a profile tsprof reads`));
  });
});

describe('compressed inputs', () => {
  it('a small gzip file that unpacks to gigabytes is refused in one line', async () => {
    // 1 GiB of zeros unpacked: 1,024 gzip members of 1 MiB each (one file may hold many; zlib reads them all).
    const bomb = join(dir, 'bomb.pb.gz');
    const member = gzipSync(Buffer.alloc(2 ** 20), { level: 9 });
    writeFileSync(bomb, Buffer.concat(Array<Buffer>(1024).fill(member)));
    const report = await startTsprof(['report', bomb]).done;
    expect(report.status).toBe(2);
    expect(report.stderr).toMatch(
      new RegExp(`^tsprof: error: ${bomb}: the file is gzip-compressed and unpacks to more than 256 MB, the most tsprof unpacks \\([\\d.]+ MB packed\\)\n$`),
    );
  });
});

describe('amounts no profile holds', () => {
  const frame = (functionName: string) => ({ functionName, url: 'file:///app.js', lineNumber: 1, columnNumber: 1, scriptId: '1' });

  it('a heap profile of 1e308 bytes, and speedscope weights that add up to Infinity, are refused at import in one line', () => {
    const heap = join(dir, 'huge.heapprofile');
    writeFileSync(
      heap,
      JSON.stringify({
        head: { callFrame: frame('(root)'), selfSize: 0, id: 1, children: [{ callFrame: frame('grow'), selfSize: 1e308, id: 2, children: [] }] },
        samples: [],
      }),
    );
    const speedscope = join(dir, 'huge.speedscope.json');
    writeFileSync(
      speedscope,
      JSON.stringify({
        $schema: 'https://www.speedscope.app/file-format-schema.json',
        shared: { frames: [{ name: 'a' }, { name: 'b' }] },
        profiles: [{ type: 'sampled', name: 'x', unit: 'none', startValue: 0, endValue: 2, samples: [[0], [1]], weights: [1e308, 1e308] }],
      }),
    );
    for (const [file, reason] of [
      [heap, 'node 0 "selfSize" is beyond 2^53 bytes'],
      [speedscope, "the samples' weights add up to more than 2^53"],
    ] as const) {
      for (const args of [
        ['report', file],
        ['convert', file, '-f', 'folded', '-o', join(dir, 'huge.folded')],
      ]) {
        const result = runCli(args);
        expect(result.status).toBe(2);
        expect(result.stderr).toBe(`tsprof: error: ${file}: ${reason}\n`);
      }
    }
    expect(existsSync(join(dir, 'huge.folded'))).toBe(false);
  });
});

describe('report --list patterns', () => {
  /** A .cpuprofile of one function, `name`, sampled on line 2 of app.js. */
  function profileOf(name: string): string {
    const path = join(dir, 'named.cpuprofile');
    const frame = (functionName: string, lineNumber: number) => ({ functionName, scriptId: '1', url: 'file:///nowhere/app.js', lineNumber, columnNumber: 0 });
    writeFileSync(
      path,
      JSON.stringify({
        nodes: [
          { id: 1, callFrame: frame('(root)', -1), children: [2] },
          { id: 2, callFrame: frame(name, 0), hitCount: 3, positionTicks: [{ line: 2, ticks: 3 }] },
        ],
        startTime: 0,
        endTime: 300,
        samples: [2, 2, 2],
        timeDeltas: [100, 100, 100],
      }),
    );
    return path;
  }

  it('a pattern that backtracks exponentially in JavaScript takes linear time, as RE2 does for go tool pprof', () => {
    // JavaScript's RegExp takes minutes for (a+)+$ against 40 a's and a "!": the bound below is far beyond RE2's time.
    const profile = profileOf(`${'a'.repeat(40)}!`);
    const result = runCli(['report', profile, '--list', '(a+)+$'], { timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('tsprof: error: --list (a+)+$: no function of the profile with own time matches\n');
    const found = runCli(['report', profile, '--list', 'a{40}!'], { timeout: 30_000 });
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout).toContain(`${'a'.repeat(40)}!`);
  });

  it("RE2's syntax: lookaround and backreferences are refused in one line", () => {
    const profile = profileOf('work');
    for (const pattern of ['(?=w)ork', '(w)\\1']) {
      const result = runCli(['report', profile, '--list', pattern]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^tsprof: error: --list .*: not a regular expression in RE2's syntax, as go tool pprof reads \(.*\)\n$/);
    }
  });
});

describe('files that are not files', () => {
  it('report /dev/zero, a file of /proc, a folder, and /dev/zero as stdin: one line each, at once', () => {
    for (const [input, reason] of [
      ['/dev/zero', 'is a device, not a file'],
      ['/proc/self/pagemap', 'is a file of the system (/proc, /sys, /dev), not a profile'],
      [dir, 'is a folder, not a file'],
    ] as const) {
      const result = runCli(['report', input], { timeout: 20_000 });
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`tsprof: error: ${input}: ${reason}\n`);
    }
    const zeros = openSync('/dev/zero', 'r');
    try {
      const fromStdin = runCli(['report', '-'], { timeout: 20_000, stdio: [zeros, 'pipe', 'pipe'] });
      expect(fromStdin.status).toBe(2);
      expect(fromStdin.stderr).toBe('tsprof: error: stdin: is a terminal or a device; pipe a profile in\n');
    } finally {
      closeSync(zeros);
    }
  });

  it('a profile from a pipe is read as from a file', () => {
    const profile = fixture('profiles', 'hot-function.cpuprofile');
    const result = runCli(['report', '-', '-n', '1'], { input: readFileSync(profile) });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('hotLoop');
  });

  it('record --tmp-dir: /proc, /sys and a plain file are refused in one line each', () => {
    for (const [folder, reason] of [
      ['/proc', "a folder of the system's (/proc, /sys, /dev), not one for files"],
      ['/sys', "a folder of the system's (/proc, /sys, /dev), not one for files"],
      [fixture('profiles', 'hot-function.cpuprofile'), 'not a folder'],
    ] as const) {
      const result = runCli(['record', '--tmp-dir', folder, '--', process.execPath, '-e', '0']);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `tsprof: error: ${folder}: cannot create tsprof's session folder there (${reason}); choose another with --tmp-dir or TSPROF_TMPDIR\n`,
      );
    }
  });
});
