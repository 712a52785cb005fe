import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/wait-for.js';
import { startProfiling, type Profiler } from '../src/index.js';
import { decodePprof, importPprof } from '../src/import/pprof.js';
import { functionTable } from '../src/analyze/report.js';
import { fixture, repoRoot, tempDir } from './helpers/paths.js';
import { spawn, spawnSync } from 'node:child_process';

/** A collector on loopback that keeps every request it gets and answers with `status`. */
interface Collector {
  url: string;
  requests: { url: URL; body: Buffer; contentType: string; at: number }[];
  status: number;
  delayMs: number;
  close(): Promise<void>;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function startCollector(): Promise<Collector> {
  const collector: Collector = { url: '', requests: [], status: 200, delayMs: 0, close: async () => {} };
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      collector.requests.push({
        url: new URL(request.url!, 'http://x'),
        body: Buffer.concat(chunks),
        contentType: request.headers['content-type'] ?? '',
        at: Date.now(),
      });
      setTimeout(() => response.writeHead(collector.status).end(), collector.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  collector.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  collector.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  open.push(collector);
  return collector;
}

function started(profiler: Profiler): Profiler {
  open.push({ close: () => profiler.stop() });
  return profiler;
}

/** Busy work in this thread, in slices, so the profiler has something to see and timers still run. */
/**
 * The CPU work the windows must show. Sixteen forms of it make the function too large for V8 to inline, and
 * it is called in short stretches: V8 on 22 and 24 charges code it inlined or compiled mid-loop before a
 * profile started (each window's) to the caller (see fixtures/programs/long-running.js).
 */
function workSlice(iterations: number): number {
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    switch (i & 15) {
      case 0:
        sum += Math.sqrt(i) * Math.sin(i);
        break;
      case 1:
        sum += Math.cbrt(i + 1) * Math.cos(i + 1);
        break;
      case 2:
        sum += Math.log1p(i + 2) * Math.sin(i + 2);
        break;
      case 3:
        sum += Math.sqrt(i + 3) * Math.cos(i + 3);
        break;
      case 4:
        sum += Math.sqrt(i + 4) * Math.sin(i + 4);
        break;
      case 5:
        sum += Math.cbrt(i + 5) * Math.cos(i + 5);
        break;
      case 6:
        sum += Math.log1p(i + 6) * Math.sin(i + 6);
        break;
      case 7:
        sum += Math.sqrt(i + 7) * Math.cos(i + 7);
        break;
      case 8:
        sum += Math.sqrt(i + 8) * Math.sin(i + 8);
        break;
      case 9:
        sum += Math.cbrt(i + 9) * Math.cos(i + 9);
        break;
      case 10:
        sum += Math.log1p(i + 10) * Math.sin(i + 10);
        break;
      case 11:
        sum += Math.sqrt(i + 11) * Math.cos(i + 11);
        break;
      case 12:
        sum += Math.sqrt(i + 12) * Math.sin(i + 12);
        break;
      case 13:
        sum += Math.cbrt(i + 13) * Math.cos(i + 13);
        break;
      case 14:
        sum += Math.log1p(i + 14) * Math.sin(i + 14);
        break;
      default:
        sum += Math.sqrt(i + 15) * Math.cos(i + 15);
    }
  }
  return sum;
}

async function work(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    let sum = 0;
    for (let call = 0; call < 100; call++) sum += workSlice(2_000);
    if (sum === 42) console.log(sum);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The pprof inside a multipart form's `profile` part. */
function multipartProfile(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(.+)$/.exec(contentType)![1]!;
  const part = body
    .toString('latin1')
    .split(`--${boundary}`)
    .find((chunk) => chunk.includes('name="profile"'))!;
  const content = part.slice(part.indexOf('\r\n\r\n') + 4, part.lastIndexOf('\r\n'));
  return Buffer.from(content, 'latin1');
}

function decode(pprof: Buffer) {
  return importPprof(decodePprof(gunzipSync(pprof))!);
}

describe('startProfiling: continuous profiling inside the process', () => {
  it('pushes windows to Pyroscope (/ingest, pprof, name with labels, time range) and profefe', async () => {
    const pyroscope = await startCollector();
    const profefe = await startCollector();
    started(startProfiling({ service: 'api', labels: { version: '1.4.2' }, push: pyroscope.url, profefe: profefe.url, every: 1, seconds: 0.4 }));
    const begin = Date.now();
    await work(1800);
    await waitFor(() => pyroscope.requests.length > 0 && profefe.requests.length > 0, 3000, 'a push to each collector');

    const ingest = pyroscope.requests[0]!;
    expect(ingest.url.pathname).toBe('/ingest');
    expect(ingest.url.searchParams.get('name')).toBe(`api.cpu{host=${hostname()},pid=${process.pid},version=1.4.2}`);
    expect(ingest.url.searchParams.get('format')).toBe('pprof');
    expect(ingest.url.searchParams.get('sampleRate')).toBe('100');
    const from = Number(ingest.url.searchParams.get('from')) * 1000;
    const until = Number(ingest.url.searchParams.get('until')) * 1000;
    expect(from).toBeGreaterThanOrEqual(Math.floor(begin / 1000) * 1000);
    expect(until).toBeGreaterThan(from);
    expect(until).toBeLessThanOrEqual(ingest.at + 1000);
    const profile = decode(multipartProfile(ingest.body, ingest.contentType));
    expect(profile.samples.length).toBeGreaterThan(0);
    expect(functionTable(profile).some((row) => row.frame.name === 'workSlice')).toBe(true);

    const stored = profefe.requests[0]!;
    expect(stored.url.pathname).toBe('/api/0/profiles');
    expect(stored.url.searchParams.get('service')).toBe('api');
    expect(stored.url.searchParams.get('type')).toBe('cpu');
    expect(stored.url.searchParams.get('labels')).toBe(`host=${hostname()},pid=${process.pid},version=1.4.2`);
    expect(decode(stored.body).samples.length).toBeGreaterThan(0);
  });

  it('pushes the heap in use at the end of each window too: Go heap sample types, profefe type=heap, Pyroscope <service>.heap', async () => {
    const pyroscope = await startCollector();
    const profefe = await startCollector();
    // Collectors behind a path prefix (a reverse proxy, Grafana Cloud's /pyroscope) keep it.
    const push = `${pyroscope.url}/pyroscope/`;
    started(startProfiling({ service: 'api', push, profefe: `${profefe.url}/store`, every: 1, seconds: 0.4, heapInterval: 16 * 1024 }));
    // Kept from the profiler's start to its windows' ends: the heap in use is this function's.
    const kept: number[][] = [];
    function keepArraysForHeapTest(): void {
      for (let i = 0; i < 20_000; i++) kept.push(new Array(126).fill(i));
    }
    keepArraysForHeapTest();
    await work(1800);
    const heapOf = (collector: Collector) =>
      collector.requests.filter((request) => (request.url.searchParams.get('type') ?? request.url.searchParams.get('name'))?.match(/heap/));
    await waitFor(() => heapOf(pyroscope).length > 0 && heapOf(profefe).length > 0, 3000, 'a heap push to each collector');

    expect(new Set(pyroscope.requests.map((request) => request.url.pathname))).toEqual(new Set(['/pyroscope/ingest']));
    expect(new Set(profefe.requests.map((request) => request.url.pathname))).toEqual(new Set(['/store/api/0/profiles']));
    const stored = heapOf(profefe)[0]!;
    expect(stored.url.searchParams.get('type')).toBe('heap');
    const decoded = decodePprof(gunzipSync(stored.body))!;
    const name = (index: number | bigint) => decoded.stringTable.strings[Number(index)];
    expect(decoded.sampleType.map((type) => `${name(type.type)}/${name(type.unit)}`)).toEqual(['inuse_objects/count', 'inuse_space/bytes']);
    const profile = decode(stored.body);
    expect(profile.unit).toBe('bytes');
    expect(functionTable(profile)[0]!.frame.name).toBe('keepArraysForHeapTest');
    // tsprof's own allocations (answering, encoding, sending) are not the app's.
    expect(functionTable(profile).filter((row) => /tsprof|pprof|heap-sampler/.test(row.frame.file ?? ''))).toEqual([]);

    const ingest = heapOf(pyroscope)[0]!;
    expect(ingest.url.searchParams.get('name')).toBe(`api.heap{host=${hostname()},pid=${process.pid}}`);
    expect(decode(multipartProfile(ingest.body, ingest.contentType)).unit).toBe('bytes');
    expect(kept.length).toBe(20_000);
  });

  it('spreads windows at random points of each period (jitter), one window per period', async () => {
    const collector = await startCollector();
    started(startProfiling({ service: 'jitter', profefe: collector.url, every: 0.5, seconds: 0.1, heap: false }));
    await work(2600);
    await waitFor(() => collector.requests.length >= 4, 2000, 'four windows');
    expect(collector.requests.length).toBeGreaterThanOrEqual(4);
    expect(collector.requests.length).toBeLessThanOrEqual(6);
    const offsets = collector.requests.map((request) => request.at % 500);
    expect(new Set(offsets.map((offset) => Math.round(offset / 50))).size).toBeGreaterThan(1);
  });

  it('stop() returns when a collector answers 200 and then trickles its body for ever', async () => {
    let pushes = 0;
    const trickles = new Set<NodeJS.Timeout>();
    const server: Server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        pushes++;
        response.writeHead(200, { 'content-length': String(2 ** 31) });
        trickles.add(setInterval(() => response.write('x'), 2000));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    open.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const timer of trickles) clearInterval(timer);
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    });
    const profiler = startProfiling({
      service: 'trickle',
      profefe: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      every: 0.3,
      seconds: 0.1,
      onError: () => {},
    });
    await waitFor(() => pushes >= 1, 10_000, 'a push to the trickling collector');
    expect(pushes).toBeGreaterThanOrEqual(1);
    const outcome = await Promise.race([
      profiler.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(resolve, 20_000, 'still waiting')).then(String),
    ]);
    expect(outcome).toBe('stopped');
  });

  it('survives a failing and a slow collector: retries, drops, never throws, and stop() leaves no timers or sockets', async () => {
    const failing = await startCollector();
    failing.status = 503;
    const slow = await startCollector();
    slow.delayMs = 1500;
    const errors: string[] = [];
    const count = (kind: string) => process.getActiveResourcesInfo().filter((name) => name === kind).length;
    const timersBefore = count('Timeout');
    const socketsBefore = count('TCPSocketWrap');
    const profiler = startProfiling({
      service: 'flaky',
      push: failing.url,
      profefe: [slow.url, 'http://127.0.0.1:1'],
      every: 0.4,
      seconds: 0.1,
      onError: (error) => errors.push(error.message),
    });
    await work(2500);
    expect(failing.requests.length).toBeGreaterThanOrEqual(2); // a retry came
    expect(errors.some((message) => message.includes('answered 503'))).toBe(true);
    expect(errors.some((message) => message.startsWith('profefe http://127.0.0.1:1'))).toBe(true);
    const stopAt = Date.now();
    await profiler.stop();
    expect(Date.now() - stopAt).toBeLessThan(3000);
    const requests = failing.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(failing.requests.length).toBe(requests); // nothing more after stop
    expect(count('Timeout')).toBeLessThanOrEqual(timersBefore);
    expect(count('TCPSocketWrap')).toBeLessThanOrEqual(socketsBefore);
  });

  it('writes a rotated folder, bounded in size', async () => {
    const dir = join(tempDir(), 'profiles');
    started(startProfiling({ service: 'files', dir, maxFolderBytes: 6000, every: 0.3, seconds: 0.1 }));
    await work(2500);
    const files = readdirSync(dir).filter((name) => name.endsWith('.pb.gz'));
    expect(files.length).toBeGreaterThan(0);
    const total = files.reduce((sum, name) => sum + readFileSync(join(dir, name)).length, 0);
    expect(total).toBeLessThanOrEqual(6000);
    for (const name of files) expect(name).toMatch(/^files-\d{4}-\d\d-\d\dT[\d-]+Z(\.heap)?\.pb\.gz$/);
    // Windows of 0.1 s at 100 Hz: about 10 samples each, none when a busy machine starves V8's sampler thread
    // for that long (CI on Node 26 under load); the files kept are profiles with samples all the same.
    const cpu = files.filter((name) => !name.endsWith('.heap.pb.gz'));
    expect(cpu.some((name) => decode(readFileSync(join(dir, name))).samples.length > 0)).toBe(true);
  });

  it('node --require tsprof/agent profiles an app that never calls it, configured by environment variables', async () => {
    const collector = await startCollector();
    const child = spawn(process.execPath, ['--require', 'tsprof/agent', fixture('programs', 'long-running.js'), 'busy'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        TSPROF_SERVICE: 'checkout',
        TSPROF_LABELS: 'version=2.0.1,region=eu',
        TSPROF_PROFEFE: collector.url,
        TSPROF_EVERY: '0.5',
        TSPROF_SECONDS: '0.2',
      },
    });
    open.push({ close: async () => void child.kill('SIGKILL') });
    await waitFor(() => collector.requests.length > 0, 8000, 'a push');
    const stored = collector.requests[0]!;
    expect(stored.url.searchParams.get('service')).toBe('checkout');
    expect(stored.url.searchParams.get('labels')).toBe(`host=${hostname()},pid=${child.pid},version=2.0.1,region=eu`);
    expect(functionTable(decode(stored.body))[0]!.frame.name).toBe('hotLoop');

    const unset = spawnSync(process.execPath, ['--require', 'tsprof/agent', '-e', 'console.log("app ran")'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', TSPROF_SERVICE: '' },
    });
    expect(unset.status).toBe(0);
    expect(unset.stdout).toBe('app ran\n');
    expect(unset.stderr).toBe('tsprof agent: TSPROF_SERVICE is not set; not profiling\n');
  });

  it('--require tsprof/agent profiles worker threads too, each labelled with its thread', async () => {
    const collector = await startCollector();
    const child = spawn(process.execPath, ['--require', 'tsprof/agent', fixture('programs', 'long-running.js'), 'workers'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', TSPROF_SERVICE: 'pool', TSPROF_PROFEFE: collector.url, TSPROF_EVERY: '0.5', TSPROF_SECONDS: '0.3' },
    });
    open.push({ close: async () => void child.kill('SIGKILL') });
    const fromWorkers = () =>
      collector.requests.filter(
        (request) => request.url.searchParams.get('type') === 'cpu' && /,thread=worker \d+$/.test(request.url.searchParams.get('labels') ?? ''),
      );
    // Each worker pushes on its own schedule: one may push twice before the other's first.
    const workers = () => new Set(fromWorkers().map((request) => request.url.searchParams.get('labels')));
    await waitFor(() => workers().size >= 2, 8000, 'pushes from both workers');
    expect(workers().size).toBe(2);
    const profile = decode(fromWorkers()[0]!.body);
    expect(functionTable(profile)[0]!.frame.name).toBe('workerHotLoop');
  });
});
