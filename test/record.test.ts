import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, repoRoot, tempDir } from './helpers/paths.js';
import { readText, rootsOf, selfByFunction, selfByLabel, startTsprof, totalOf } from './helpers/record.js';
import { isAlive } from './helpers/target.js';
import { waitFor } from './helpers/wait-for.js';
import { installPackages } from './helpers/npm-packages.js';

const dir = tempDir();
let counter = 0;
const output = (ext = 'folded') => join(dir, `out-${++counter}.${ext}`);
const exitPaths = fixture('programs', 'exit-paths.js');

/**
 * Both samplers run the same suite where the optional addon is installed (`.ci/run` installs it; it builds a
 * native module). CI must have it.
 */
function addonAvailable(): boolean {
  // Where the addon cannot be built for this Node (CI says why), its half is skipped, CI or not.
  const cannot = process.env.TSPROF_TEST_NO_ADDON;
  if (cannot) {
    console.warn(`v8-profiler-next is not available here (${cannot}): its half of the record tests is skipped`);
    return false;
  }
  try {
    createRequire(import.meta.url)('v8-profiler-next');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`v8-profiler-next must be installed in CI: ${(error as Error).message}`);
    console.warn('v8-profiler-next is not installed: its half of the record tests is skipped');
    return false;
  }
}
const SAMPLERS = addonAvailable() ? ['inspector', 'v8-profiler-next'] : ['inspector'];
let sampler = 'inspector';

/** Ends `tsprof record` of `exit-paths.js <mode>` and checks the profile shows the program's work. */
async function recordExitPath(mode: string, act?: (pids: { tsprof: number; program: number }) => void) {
  const out = output();
  const recording = startTsprof(['record', '--sampler', sampler, '-f', 'folded', '-o', out, '--', 'node', exitPaths, mode]);
  if (act) act({ tsprof: recording.child.pid!, program: await recording.ready });
  const result = await recording.done;
  const folded = existsSync(out) ? readText(out) : '';
  const self = selfByFunction(folded);
  const samples = [...self.values()].reduce((sum, count) => sum + count, 0);
  // What the program did is in the profile: busyWork holds most of its samples, however few a busy machine
  // gives it (a lost final chunk leaves none).
  const busyWorkShare = samples > 10 ? (self.get('busyWork') ?? 0) / samples : 0;
  return { ...result, folded, self, busyWorkShare };
}

/** Gives the program time to sample some work (and write a chunk or two) before it is ended. */
const after = (ms: number, action: () => void) => setTimeout(action, ms);

describe.each(SAMPLERS)('tsprof record --sampler %s', (name) => {
  beforeAll(() => {
    sampler = name;
  });

  describe("a profile and the program's own exit status, however it ends", () => {
    it.each([
      ['natural', 0],
      ['exit', 3],
      ['exit-code', 4],
      ['throw', 1],
      ['reject', 1],
    ])('%s -> status %i', async (mode, status) => {
      const result = await recordExitPath(mode);
      expect(result.status).toBe(status);
      expect(result.busyWorkShare).toBeGreaterThan(0.5);
      expect(result.stderr).not.toMatch(/warning/);
    });

    it('Ctrl-C in a terminal (SIGINT to the whole process group) -> 130', async () => {
      const result = await recordExitPath('wait', ({ tsprof }) => after(500, () => process.kill(-tsprof, 'SIGINT')));
      expect(result.status).toBe(130);
      expect(result.busyWorkShare).toBeGreaterThan(0.5);
      expect(result.stderr).not.toMatch(/warning/);
    });

    it.each(['SIGTERM', 'SIGHUP', 'SIGINT'] as const)('%s sent to tsprof is passed on -> 128 + signal', async (signal) => {
      const result = await recordExitPath('wait', ({ tsprof }) => after(500, () => process.kill(tsprof, signal)));
      expect(result.status).toBe(128 + { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal]);
      expect(result.busyWorkShare).toBeGreaterThan(0.5);
    });

    it.each(['SIGTERM', 'SIGHUP'] as const)('%s sent to the program -> 128 + signal', async (signal) => {
      const result = await recordExitPath('wait', ({ program }) => after(500, () => process.kill(program, signal)));
      expect(result.status).toBe(128 + { SIGHUP: 1, SIGTERM: 15 }[signal]);
      expect(result.busyWorkShare).toBeGreaterThan(0.5);
    });

    it('a program whose loop turns only every 150 ms dies of SIGTERM sent to it, with its whole profile', async () => {
      const result = await recordExitPath('slices', ({ program }) => process.kill(program, 'SIGTERM'));
      expect(result.status).toBe(143);
      expect(result.busyWorkShare).toBeGreaterThan(0.5);
      expect(result.stderr).not.toMatch(/warning/);
    });

    it('a program with its own SIGTERM handler: the handler runs and decides (exit 42), profile kept', async () => {
      const result = await recordExitPath('own-handler', ({ program }) => after(500, () => process.kill(program, 'SIGTERM')));
      expect(result.stdout).toContain('own handler ran');
      expect(result.status).toBe(42);
      expect(result.busyWorkShare).toBeGreaterThan(0.5);
    });

    it('Ctrl-C reaches a program with its own SIGINT handler exactly once', async () => {
      const result = await recordExitPath('own-handler', ({ tsprof }) => after(500, () => process.kill(-tsprof, 'SIGINT')));
      expect(result.stdout.match(/own SIGINT handler ran/g)).toHaveLength(1);
      expect(result.status).toBe(43);
    });

    it('a program stuck in a synchronous loop dies of SIGTERM at once, with all but its last chunk, and the summary says so', async () => {
      // No public Node API runs JavaScript between a signal and its default action while the main thread is
      // busy: the agent lets go of the signal during the stall, and cuts chunks more often meanwhile.
      const result = await recordExitPath('stuck', ({ program }) => after(1500, () => process.kill(program, 'SIGTERM')));
      expect(result.status).toBe(143);
      expect(result.self.get('stuckLoop')).toBeGreaterThan(100);
      expect(result.stderr).toMatch(
        /warning: node \d+ exit-paths\.js stuck: ended without its final chunk \(killed: by SIGKILL, the OOM killer, a signal while busy/,
      );
    });

    it('a V8 out-of-memory crash (SIGABRT, no exit event) keeps all but the last chunk', async () => {
      const out = output();
      const result = await startTsprof(['record', '--sampler', sampler, '-f', 'folded', '-o', out, '--', 'node', '--max-old-space-size=64', exitPaths, 'oom'])
        .done;
      expect(result.status).toBe(134);
      expect(result.stderr).toMatch(/heap out of memory/);
      expect(selfByFunction(readText(out)).get('busyWork')).toBeGreaterThan(100);
      expect(result.stderr).toMatch(/warning: node \d+ exit-paths\.js oom: ended without its final chunk/);
    });

    it("a program that sends itself SIGKILL -> 137, its whole profile, and nothing of Node's debugger on its stderr", async () => {
      const result = await recordExitPath('kill-self');
      expect(result.status).toBe(137);
      expect(result.busyWorkShare).toBeGreaterThan(0.5);
      expect(result.stderr).not.toMatch(/Waiting for the debugger|warning/);
    });

    it('SIGKILL loses at most the last chunk, and the summary says so', async () => {
      const result = await recordExitPath('wait', ({ program }) => after(3000, () => process.kill(program, 'SIGKILL')));
      expect(result.status).toBe(137);
      // Without the chunk written at 2 s nothing would survive a SIGKILL; the ~1 s after it is lost.
      expect(result.self.get('busyWork')).toBeGreaterThan(100);
      expect(result.stderr).toMatch(/warning: node \d+ exit-paths\.js wait: ended without its final chunk/);
    });
  });

  describe('what the profile says', () => {
    it('the hot function of a fixture dominates its profile', async () => {
      const out = output();
      const result = await startTsprof(['record', '--sampler', sampler, '-o', out, '--', 'node', fixture('programs', 'hot-function.js'), '150']).done;
      expect(result.status).toBe(0);
      const self = [...selfByFunction(readText(out))].sort((a, b) => b[1] - a[1]);
      expect(self[0]![0]).toBe('hotLoop');
      expect(result.stderr).toMatch(/tsprof: \d[\d,]* samples in [\d.]+ s from 1 process, 1 thread/);
      expect(result.stderr).toMatch(/sampling rate \d+ Hz achieved of 500 Hz requested/);
    });

    it('a 70/30 split of work shows as 70/30 within a few points', async () => {
      const out = output();
      // 600 rounds: about 1,200 samples at 1,000 Hz on an idle machine, and enough that a busy one, whose V8
      // sampler thread gets less of the CPU, still has hundreds (150 rounds once gave 91, and a 76/24 split).
      const result = await startTsprof(['record', '--sampler', sampler, '-r', '1000', '-o', out, '--', 'node', fixture('programs', 'split-70-30.js'), '600'])
        .done;
      expect(result.status).toBe(0);
      const folded = readText(out);
      const share = totalOf(folded, 'seventyPercent') / (totalOf(folded, 'seventyPercent') + totalOf(folded, 'thirtyPercent'));
      expect(share).toBeGreaterThan(0.65);
      expect(share).toBeLessThan(0.75);
    });

    it('worker threads, a forked child, a spawned node and a cluster worker all appear, each under its own root', async () => {
      const out = output();
      const result = await startTsprof(['record', '--sampler', sampler, '-o', out, '--', 'node', fixture('programs', 'threads-and-children.js')]).done;
      expect(result.status).toBe(0);
      const folded = readText(out);
      const roots = [...rootsOf(folded).keys()];
      expect(roots.filter((r) => /^worker \d+ \(node \d+\)$/.test(r))).toHaveLength(2);
      expect(roots.filter((r) => /^node \d+ threads-and-children\.js$/.test(r)).length).toBeGreaterThanOrEqual(2); // main + cluster worker
      expect(roots.some((r) => /^node \d+ threads-and-children\.js child$/.test(r))).toBe(true);
      expect(roots.some((r) => /^node \d+ -e function spawnedTask/.test(r))).toBe(true);
      for (const name of ['workerTask', 'childTask', 'clusterTask', 'mainTask', 'spawnedTask']) expect(totalOf(folded, name), name).toBeGreaterThan(5);
      expect(result.stderr).toMatch(/from 4 processes, 6 threads/); // main, fork, node -e, cluster worker; + 2 workers
    });

    it('speedscope output holds one profile per process and thread', async () => {
      const out = output('speedscope.json');
      const result = await startTsprof(['record', '--sampler', sampler, '-o', out, '--', 'node', fixture('programs', 'threads-and-children.js')]).done;
      expect(result.status).toBe(0);
      const names: string[] = JSON.parse(readText(out)).profiles.map((p: { name: string }) => p.name);
      expect(names).toHaveLength(6);
      expect(names.filter((n) => /^worker \d+ \(node \d+\)$/.test(n))).toHaveLength(2);
      expect(names.filter((n) => n.startsWith('node '))).toHaveLength(4);
    });

    it("--no-subprocesses profiles only the command's own process (and its threads)", async () => {
      const out = output();
      const result = await startTsprof([
        'record',
        '--sampler',
        sampler,
        '--no-subprocesses',
        '-o',
        out,
        '--',
        'node',
        fixture('programs', 'threads-and-children.js'),
      ]).done;
      expect(result.status).toBe(0);
      const folded = readText(out);
      // Present, as in the test above (the tasks spin for a wall-clock time, so a loaded machine samples less).
      expect(totalOf(folded, 'mainTask')).toBeGreaterThan(5);
      expect(totalOf(folded, 'workerTask')).toBeGreaterThan(5);
      expect(totalOf(folded, 'childTask')).toBe(0);
      expect(totalOf(folded, 'clusterTask')).toBe(0);
    });

    it('--process-filter keeps only the processes whose command line matches, with their threads', async () => {
      const out = output();
      const result = await startTsprof([
        'record',
        '--sampler',
        sampler,
        '--process-filter',
        'children.js child',
        '-o',
        out,
        '--',
        'node',
        fixture('programs', 'threads-and-children.js'),
      ]).done;
      expect(result.status).toBe(0);
      const folded = readText(out);
      expect(totalOf(folded, 'childTask')).toBeGreaterThan(5);
      for (const other of ['mainTask', 'workerTask', 'clusterTask', 'spawnedTask']) expect(totalOf(folded, other), other).toBe(0);
    });

    it('a worker ended by terminate() keeps its whole profile, final chunk included', async () => {
      const out = output();
      const result = await startTsprof(['record', '--sampler', sampler, '-o', out, '--', 'node', fixture('programs', 'threads-and-children.js'), 'terminate'])
        .done;
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('worker terminated');
      expect(totalOf(readText(out), 'workerTask')).toBeGreaterThan(100);
      expect(result.stderr).not.toMatch(/warning/);
    });

    it('npm run, and a shell script that calls node, are followed to the node process', async () => {
      const project = join(dir, 'npm-project');
      mkdirSync(project, { recursive: true });
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'p', version: '1.0.0', scripts: { start: `node ${fixture('programs', 'hot-function.js')} 100` } }),
      );
      for (const command of [
        ['npm', 'run', 'start', '--silent'],
        ['sh', '-c', `node ${fixture('programs', 'hot-function.js')} 100; exit 6`],
      ]) {
        const out = output();
        const result = await startTsprof(['record', '--sampler', sampler, '-o', out, '--', ...command], { cwd: project }).done;
        expect(result.status, command.join(' ')).toBe(command[0] === 'npm' ? 0 : 6);
        expect(result.stdout).toContain('done true');
        expect(totalOf(readText(out), 'hotLoop'), command.join(' ')).toBeGreaterThan(50);
      }
    });

    it('a program run through tsx appears', async () => {
      const out = output();
      const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
      const result = await startTsprof(['record', '--sampler', sampler, '-o', out, '--', tsx, fixture('programs', 'hot-function.ts')]).done;
      expect(result.status).toBe(0);
      // The hottest function of the program's own file (on a busy machine tsx's loading can outweigh it overall).
      const own = [...selfByLabel(readText(out))].filter(([label]) => label.includes('fixtures/programs/hot-function.ts:'));
      const hottest = own.sort((a, b) => b[1] - a[1])[0]!;
      expect(hottest[0]).toMatch(/^hotLoop \(fixtures\/programs\/hot-function\.ts:\d+\)$/);
      expect(hottest[1]).toBeGreaterThan(20);
    });
  });
});

describe('tsprof record: leaves the program alone', () => {
  it('stdin, stdout, stderr and the exit status pass through byte for byte', async () => {
    const input = Buffer.from('line one\nline two \u00e9\u0000binary\n', 'latin1');
    const plain = spawnSync(process.execPath, [fixture('programs', 'stdio.js'), '7'], { input });
    const out = output();
    const result = await startTsprof(['record', '-o', out, '--', 'node', fixture('programs', 'stdio.js'), '7'], { input }).done;
    expect(result.status).toBe(7);
    expect(Buffer.from(result.stdout, 'latin1')).toEqual(plain.stdout);
    // tsprof's own lines come after the program's stderr, each starting with "tsprof:".
    expect(result.stderr.startsWith(plain.stderr.toString('latin1'))).toBe(true);
    const ours = result.stderr.slice(plain.stderr.length).trimEnd().split('\n');
    for (const line of ours) expect(line).toMatch(/^tsprof: /);
  });

  it('a program that counts its signal listeners (real signal-exit) still dies of SIGTERM after its exit hook, as without tsprof', async () => {
    // signal-exit re-sends the signal only when its listener is the process's only one: the agent's own, which
    // writes the final chunk, must not count.
    const project = installPackages({ 'signal-exit': '4.1.0' });
    const program = join(project, 'signal-exit-app.js');
    writeFileSync(
      program,
      [
        "const { onExit } = require('signal-exit');",
        'onExit((code, signal) => console.log(`exit hook ${code} ${signal}`));',
        'function steadyWork() { let s = 0; for (let i = 0; i < 2e5; i++) s += Math.sqrt(i); return s; }',
        'const giveUp = Date.now() + 30_000;',
        'const tick = () => { steadyWork(); if (Date.now() < giveUp) setImmediate(tick); };',
        'for (let k = 0; k < 300; k++) steadyWork(); // work the profile must show, before the signal',
        'console.log(`ready ${process.pid}`);',
        'tick();',
        '',
      ].join('\n'),
    );
    const plain = spawn(process.execPath, [program], { stdio: ['ignore', 'pipe', 'inherit'] });
    let plainOut = '';
    plain.stdout.on('data', (chunk: Buffer) => {
      plainOut += chunk.toString();
      if (plainOut.includes('ready')) plain.kill('SIGTERM');
    });
    const [, plainSignal] = (await once(plain, 'exit')) as [number | null, string | null];
    expect(plainSignal).toBe('SIGTERM');

    const out = output();
    const recording = startTsprof(['record', '-f', 'folded', '-o', out, '--', 'node', program]);
    process.kill(await recording.ready, 'SIGTERM');
    const result = await recording.done;
    expect(result.status).toBe(143);
    expect(result.stdout.replace(/ready \d+/, 'ready')).toBe(plainOut.replace(/ready \d+/, 'ready'));
    expect(result.stdout).toContain('exit hook null SIGTERM');
    expect(selfByFunction(readText(out)).get('steadyWork')).toBeGreaterThan(5);
    expect(result.stderr).not.toMatch(/warning/);
  });

  it("-o - streams folded text to stdout and moves the program's stdout to stderr", async () => {
    const result = await startTsprof(['record', '-f', 'folded', '-o', '-', '--', 'node', fixture('programs', 'hot-function.js'), '40']).done;
    expect(result.status).toBe(0);
    for (const line of result.stdout.trimEnd().split('\n')) expect(line).toMatch(/^\S.* \d+$/);
    expect(result.stdout).not.toContain('done true');
    expect(result.stderr).toContain('done true');
  });

  it('without -o, writes tsprof-<program>-<date>-<time>.html in the working folder and says so', async () => {
    const cwd = join(dir, 'default-name');
    spawnSync('mkdir', ['-p', cwd]);
    const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'tsprof.js'), 'record', '--', 'node', fixture('programs', 'hot-function.js'), '20'], {
        cwd,
        encoding: 'utf8',
        timeout: 30_000,
      });
      resolve({ status: r.status, stderr: r.stderr });
    });
    expect(result.status).toBe(0);
    const written = readdirSync(cwd);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^tsprof-hot-function-\d{8}-\d{6}\.html$/);
    expect(result.stderr).toContain(`wrote ${written[0]}`);
  });

  it('when tsprof is killed with SIGKILL, the program runs on, unprofiled, and its agents remove the session folder', async () => {
    const recording = startTsprof(['record', '-o', output(), '--', 'node', fixture('programs', 'long-running.js'), 'busy']);
    const pid = await recording.ready;
    const environment = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    const sessionDir = environment.find((entry) => entry.startsWith('TSPROF_SESSION_DIR='))!.slice('TSPROF_SESSION_DIR='.length);
    expect(existsSync(sessionDir)).toBe(true);
    const killed = new Promise((resolve) => recording.child.once('exit', resolve)); // the program holds tsprof's stdout open
    recording.child.kill('SIGKILL');
    await killed;
    await waitFor(() => !existsSync(sessionDir), 10_000, 'the agents to remove the session folder');
    expect(isAlive(pid)).toBe(true);
  });

  it('never replaces a file it named itself: two recordings of one program in one folder keep both profiles', async () => {
    const cwd = join(dir, 'default-names');
    mkdirSync(cwd, { recursive: true });
    const command = ['record', '--', 'node', fixture('programs', 'hot-function.js'), '20'];
    const [first, second] = await Promise.all([startTsprof(command, { cwd }).done, startTsprof(command, { cwd }).done]);
    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    const written = readdirSync(cwd).sort();
    expect(written).toHaveLength(2);
    for (const result of [first, second]) expect(written).toContain(/wrote (\S+)/.exec(result.stderr)![1]);
    // And a name already taken gets the next one.
    const taken = written[0]!;
    const third = spawnSync(process.execPath, [join(repoRoot, 'bin', 'tsprof.js'), ...command], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(third.status).toBe(0);
    expect(readdirSync(cwd)).toHaveLength(3);
    expect(readText(join(cwd, taken)).length).toBeGreaterThan(0);
  });

  it('on a terminal, a status line on the bottom row, never mixed with what the program writes', async () => {
    // `script` runs tsprof on a pseudo-terminal of 24 rows, as a user's shell would. The program prints a
    // line now and then while the status line redraws.
    const out = output();
    const program = 'let n = 0; const t = setInterval(() => { console.log(`tick ${++n}`); if (n === 10) clearInterval(t); }, 400);';
    const tsprof = `${process.execPath} ${join(repoRoot, 'bin', 'tsprof.js')} record -o ${out} -- node -e '${program}'`;
    const onTerminal = ['-qefc', `stty rows 24 cols 120; ${tsprof}`, '/dev/null'];
    const result = spawnSync('script', onTerminal, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status).toBe(0);
    const ESC = '\u001b';
    // The last row is taken out of scrolling, every status drawn there inside one save-and-restore of the
    // cursor, and the whole terminal given back to scrolling at the end.
    expect(result.stdout).toContain(`${ESC}[1;23r`);
    const statuses = [...result.stdout.matchAll(/\u001b7\u001b\[24;1H\u001b\[2K(tsprof: .*?)\u001b8/g)].map((match) => match[1]!);
    // Until the first chunk arrives (a quarter second in) it says it is waiting, then it counts the samples.
    for (const line of statuses) expect(line).toMatch(/^tsprof: recording \d+\.\d s · (waiting for the first samples|[\d,]+ samples?) · 1 process · 1 thread$/);
    expect(statuses.some((line) => /^tsprof: recording \d+\.\d s · [\d,]+ samples? · 1 process · 1 thread$/.test(line))).toBe(true);
    expect(result.stdout).toContain(`${ESC}7${ESC}[24;1H${ESC}[2K${ESC}[r${ESC}8`);
    // Outside those blocks, the program's lines are whole, each on a line of its own.
    const elsewhere = result.stdout
      .replace(/\u001b7.*?\u001b8/g, '')
      .replace(/\u001b\[[\d;]*[A-Za-z]/g, '')
      .replace(/\r/g, '');
    for (let n = 1; n <= 10; n++) expect(elsewhere.split('\n')).toContain(`tick ${n}`);
    expect(elsewhere).toMatch(/^tsprof: [\d,]+ samples? in /m);
  });

  it("a profile that cannot be written is reported, and tsprof still exits with the program's status", async () => {
    const result = await startTsprof(['record', '-o', '/proc/tsprof-cannot-write-here.html', '--', 'node', exitPaths, 'exit', '9']).done;
    expect(result.status).toBe(9);
    expect(result.stderr).toMatch(/tsprof: error: \/proc\/tsprof-cannot-write-here\.html: cannot write/);
  });

  it('--open opens the written page (through xdg-open and $BROWSER, here a script that notes what it was given)', async () => {
    const out = output('html');
    const opened = join(dir, 'opened.txt');
    const browser = join(dir, 'fake-browser.sh');
    writeFileSync(browser, `#!/bin/sh\necho "$@" >> ${opened}\n`, { mode: 0o755 });
    const result = await startTsprof(['record', '--open', '-o', out, '--', 'node', fixture('programs', 'hot-function.js'), '10'], { env: { BROWSER: browser } })
      .done;
    expect(result.status).toBe(0);
    await expect.poll(() => (existsSync(opened) ? readText(opened).trim() : ''), { timeout: 10_000 }).toBe(out);
  });

  it('--open says so when nothing could open the page (a machine without a browser)', async () => {
    const out = output('html');
    const result = await startTsprof(['record', '--open', '-o', out, '--', 'node', fixture('programs', 'hot-function.js'), '10'], {
      env: { BROWSER: 'false', XDG_CURRENT_DESKTOP: '', DISPLAY: '', WAYLAND_DISPLAY: '' },
    }).done;
    expect(result.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(result.stderr).toMatch(
      new RegExp(`^tsprof: warning: could not open ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.+\\); open it in a browser yourself$`, 'm'),
    );
  });

  it('a command that does not exist is a clear error with status 127', async () => {
    const result = await startTsprof(['record', '-o', output(), '--', 'no-such-command-tsprof']).done;
    expect(result.status).toBe(127);
    expect(result.stderr).toBe('tsprof: error: no-such-command-tsprof: command not found\n');
  });

  it('a command that starts no Node process: its status, and a word that there was nothing to profile', async () => {
    const out = output();
    const result = await startTsprof(['record', '-o', out, '--', 'sh', '-c', 'exit 5']).done;
    expect(result.status).toBe(5);
    expect(result.stderr).toMatch(/no Node\.js process ran/);
    expect(existsSync(out)).toBe(false);
  });
});

// Node's permission model: stable from 22.13 and 23.5 (`--permission`); Node 20 knows only the experimental flag.
describe.skipIf(!process.allowedNodeEnvironmentFlags.has('--permission'))('tsprof record -- node --permission', () => {
  const hotFunction = fixture('programs', 'hot-function.js');
  const mayWrite = `--allow-fs-write=${tmpdir()}`;
  const mayRead = [`--allow-fs-read=${repoRoot}`, `--allow-fs-read=${tmpdir()}`];
  // Node 22's permission model refuses the inspector outright; 24 and later allow it with --allow-inspector.
  const inspectorAllowable = process.allowedNodeEnvironmentFlags.has('--allow-inspector');

  it.each([
    [
      [],
      /no Node\.js process ran.* One run under node --permission needs --allow-fs-read=\S+preload --allow-fs-read=\S+ --allow-fs-write=\S+ (--allow-inspector )?--allow-worker\)$/m,
    ],
    [
      [...mayRead, mayWrite],
      inspectorAllowable
        ? /hot-function\.js 20: not profiled: it runs under node --permission, without the options sampling needs \(add --allow-inspector\)/
        : /hot-function\.js 20: not profiled: it runs under node --permission, which refuses the inspector sampling needs \(Node 24 and later/,
    ],
    ...(inspectorAllowable
      ? [[[...mayRead, mayWrite, '--allow-inspector'], /hot-function\.js 20: runs under node --permission without --allow-worker: no helper thread/] as const]
      : []),
  ])('with %j: the program runs as without tsprof, and the summary says in one line what is missing', async (allowed, said) => {
    const args = ['--permission', ...allowed, hotFunction, '20'];
    const plain = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const out = output();
    const result = await startTsprof(['record', '-f', 'folded', '-o', out, '--', 'node', ...args]).done;
    expect(result.status).toBe(plain.status);
    expect(result.stdout).toBe(plain.stdout);
    expect(result.stderr).toMatch(said);
    expect(result.stderr.split('\n').filter((line) => said.test(line))).toHaveLength(1);
    if (allowed.includes('--allow-inspector')) expect(selfByFunction(readText(out)).get('hotLoop')).toBeGreaterThan(10);
  });

  it.skipIf(!inspectorAllowable)('with every option sampling needs, the whole profile and no warning', async () => {
    const out = output();
    const args = ['--permission', ...mayRead, mayWrite, '--allow-inspector', '--allow-worker', hotFunction, '20'];
    const result = await startTsprof(['record', '-f', 'folded', '-o', out, '--', 'node', ...args]).done;
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/tsprof: warning/); // Node's own SecurityWarning for --allow-inspector stays
    expect(selfByFunction(readText(out)).get('hotLoop')).toBeGreaterThan(10);
  });
});

describe('tsprof record --duration', () => {
  it('stops sampling after N seconds, writes the profile, and lets the program go on', async () => {
    const out = output();
    const recording = startTsprof(['record', '--duration', '1', '-o', out, '--', 'node', exitPaths, 'wait']);
    const program = await recording.ready;
    // The profile is written while the program still runs.
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (existsSync(out)) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - started > 10_000) {
          clearInterval(poll);
          reject(new Error('profile not written'));
        }
      }, 50);
    });
    expect(() => process.kill(program, 0)).not.toThrow();
    process.kill(program, 'SIGTERM');
    const result = await recording.done;
    expect(result.status).toBe(143);
    expect(selfByFunction(readText(out)).get('busyWork')).toBeGreaterThan(30);
  });

  it('--kill-after ends the program once the profile is written', async () => {
    const out = output();
    const result = await startTsprof(['record', '--duration', '1', '--kill-after', '-o', out, '--', 'node', exitPaths, 'wait']).done;
    expect(result.status).toBe(143);
    expect(existsSync(out)).toBe(true);
  });
});

describe('tsprof record: where its session files go', () => {
  // A tmpfs of a few KiB stands in for a full $TMPDIR (mounting one needs root; elsewhere this is skipped).
  const small = join(dir, 'small-device');
  const root = process.getuid?.() === 0;
  // Mounted only when the test runs (a filtered run that skips it leaves nothing mounted behind).
  let mounted = false;
  afterAll(() => {
    if (mounted) spawnSync('umount', [small]);
  });

  it.skipIf(!root)('a full temp folder is named as the cause, and --tmp-dir / TSPROF_TMPDIR choose another', async (context) => {
    mkdirSync(small, { recursive: true });
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', small]).status === 0;
    if (!mounted) context.skip(); // a container without the right to mount
    writeFileSync(join(small, 'fill'), Buffer.alloc(12 * 1024)); // leaves room for the session folder only
    const full = await startTsprof(['record', '-o', output(), '--', 'node', fixture('programs', 'hot-function.js'), '60'], { env: { TSPROF_TMPDIR: small } })
      .done;
    expect(full.status).toBe(0);
    expect(full.stdout).toContain('done true');
    expect(full.stderr).toMatch(
      /warning: the folder for tsprof's session files \(.*small-device.*\) is on a full device, .* choose another with --tmp-dir or TSPROF_TMPDIR/,
    );
    expect(full.stderr).not.toMatch(/killed/);

    const out = output();
    const elsewhere = join(dir, 'session-files');
    mkdirSync(elsewhere);
    const chosen = await startTsprof(['record', '--tmp-dir', elsewhere, '-o', out, '--', 'node', fixture('programs', 'hot-function.js'), '60'], {
      env: { TSPROF_TMPDIR: small },
    }).done;
    expect(chosen.status).toBe(0);
    expect(selfByFunction(readText(out)).get('hotLoop')).toBeGreaterThan(20);
    expect(readdirSync(elsewhere)).toEqual([]); // cleaned up after
  });

  it('makes no folder other users may write to unless --other-users asks; planted files in that one cost nothing', async () => {
    const plain = join(dir, 'tmp-plain');
    mkdirSync(plain);
    const seen = new Set<string>();
    const recording = startTsprof(['record', '--tmp-dir', plain, '-o', output(), '--', 'node', exitPaths, 'wait']);
    const pid = await recording.ready;
    for (const name of readdirSync(plain)) seen.add(`${name} ${(statSync(join(plain, name)).mode & 0o777).toString(8)}`);
    process.kill(pid, 'SIGTERM');
    expect((await recording.done).status).toBe(143);
    expect([...seen]).toEqual([expect.stringMatching(/^tsprof-session-\w+ 700$/)]);

    // Asked for: another user (here the test) plants a FIFO and a symlink to /dev/zero among the notes.
    const shared = join(dir, 'tmp-shared');
    mkdirSync(shared);
    const out = output();
    const withNotes = startTsprof(['record', '--other-users', '--tmp-dir', shared, '-o', out, '--', 'node', exitPaths, 'wait']);
    const program = await withNotes.ready;
    const notes = readdirSync(shared).find((name) => name.endsWith('-notes'))!;
    expect((statSync(join(shared, notes)).mode & 0o7777).toString(8)).toBe('1733');
    spawnSync('mkfifo', [join(shared, notes, '1.unprofiled.json')]);
    symlinkSync('/dev/zero', join(shared, notes, '2.unprofiled.json'));
    process.kill(program, 'SIGTERM');
    const result = await withNotes.done;
    expect(result.status).toBe(143);
    expect(selfByFunction(readText(out)).get('busyWork')).toBeGreaterThan(10);
    expect(readdirSync(shared)).toEqual([]);
  });

  it('what the program itself writes into its session folder costs at most its own samples', async () => {
    const out = output();
    // A FIFO and a folder named like chunks, a description of null, a chunk that is a symlink to /dev/zero.
    const program = [
      'const fs = require("fs"), { execFileSync } = require("child_process"), d = process.env.TSPROF_SESSION_DIR;',
      'execFileSync("mkfifo", [`${d}/${process.pid}-0-90-5.cpuprofile`]);',
      'fs.mkdirSync(`${d}/${process.pid}-0-91-5.cpuprofile`);',
      'fs.symlinkSync("/dev/zero", `${d}/${process.pid}-0-92-5-final.cpuprofile`);',
      'fs.writeFileSync(`${d}/99999.process.json`, "null");',
      // Chunks stamped 1e300 µs out, and a day before the recording began (V8's clock: µs since boot).
      'const frame = (name) => ({ functionName: name, scriptId: "0", url: "", lineNumber: -1, columnNumber: -1 });',
      'const nodes = [{ id: 1, callFrame: frame("(root)"), children: [2] }, { id: 2, callFrame: frame("stampedWork") }];',
      'const early = Number(process.hrtime.bigint() / 1000n) - 864e8;',
      'const chunk = (name, startTime, timeDeltas) =>',
      '  fs.writeFileSync(`${d}/${process.pid}-0-${name}.cpuprofile`, JSON.stringify({ nodes, startTime, endTime: -startTime, samples: [2, 2], timeDeltas }));',
      'chunk("93-2", -1e300, [1e300, 1e300]); chunk("94-2", early, [0, 1]);',
      // A child whose sampling rate the program changed: said, not guessed.
      'require("child_process").execFileSync(process.execPath, ["-e", "0"], { env: { ...process.env, TSPROF_INTERVAL_US: "fast" } });',
      'function plantedWork() { let s = 0; for (let i = 0; i < 3e7; i++) s += Math.sqrt(i); return s; }',
      'plantedWork(); process.exitCode = 3;',
    ].join('\n');
    const result = await startTsprof(['record', '-f', 'folded', '-o', out, '--', 'node', '-e', program]).done;
    expect(result.status, result.stderr).toBe(3);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(selfByFunction(readText(out)).get('plantedWork')).toBeGreaterThan(10);
    expect(readText(out)).not.toContain('stampedWork');
    expect(result.stderr).toMatch(/node \d+ -e 0: not profiled: the TSPROF_ variables that tell its agent the rate were changed on the way to it\n/);
    // The summary's duration is the run's, not 1e294 s or a day.
    const seconds = Number(/tsprof: \d+ samples in ([\d.e+]+) s/.exec(result.stderr)![1]);
    expect(seconds).toBeLessThan(60);
  });

  it('a --tmp-dir that cannot hold the session folder is one clear error, exit 2', async () => {
    const result = await startTsprof(['record', '--tmp-dir', join(dir, 'no-such-folder'), '--', 'node', '-e', '0']).done;
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^tsprof: error: .*no-such-folder: cannot create tsprof's session folder there \(no such folder\); choose another with --tmp-dir or TSPROF_TMPDIR\n$/,
    );
  });
});
