import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeOutput } from '../src/cli/io.js';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { binPath, fixture, fixtureProfileHere, repoRoot, tempDir } from './helpers/paths.js';

const dir = tempDir();
const cpuprofile = fixture('profiles', 'hot-function.cpuprofile');

/** Profiles the hot-function fixture with `node --cpu-prof`, here and now, and returns the profile's path. */
function recordHotFunction(): string {
  const profileDir = join(dir, 'cpu-prof');
  const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profileDir, fixture('programs', 'hot-function.js'), '40'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).toBe(0);
  return join(profileDir, readdirSync(profileDir)[0]!);
}
let recorded: string;
beforeAll(() => {
  recorded = recordHotFunction();
});

describe('tsprof convert', () => {
  it('infers the format from the output name and writes each one', () => {
    for (const [name, check] of [
      ['out.html', (text: string) => expect(text).toMatch(/^<!doctype html>/)],
      ['out.folded', (text: string) => expect(text).toMatch(/hotLoop \(.*hot-function\.js:5\) \d+\n/)],
      ['out.speedscope.json', (text: string) => expect(JSON.parse(text).$schema).toContain('speedscope')],
      ['out.cpuprofile', (text: string) => expect(JSON.parse(text).nodes.length).toBeGreaterThan(1)],
    ] as const) {
      const result = runCli(['convert', fixtureProfileHere('hot-function.cpuprofile'), '-o', join(dir, name)]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      check(readFileSync(join(dir, name), 'utf8'));
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes folded text to stdout with -o -, and -f overrides the ending', () => {
    const result = runCli(['convert', recorded, '-o', '-'], { cwd: repoRoot });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(';hotLoop (fixtures/programs/hot-function.js:5) ');
    const html = runCli(['convert', cpuprofile, '-o', '-', '-f', 'html']);
    expect(html.stdout).toMatch(/^<!doctype html>/);
  });

  it('reads stdin with -', () => {
    const result = runCli(['convert', '-', '-o', '-'], { input: readFileSync(fixture('profiles', 'java-inline.collapsed')) });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('java;[unknown];__GI___libc_write 6\n');
  });

  it('refuses an output name it cannot tell the format of', () => {
    const result = runCli(['convert', cpuprofile, '-o', join(dir, 'out.xyz')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/out\.xyz: cannot tell the output format.*-f/);
  });
});

describe('bad input: one line naming the file, exit status 2, no stack trace, nothing overwritten', () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['truncated.cpuprofile', readFileSync(cpuprofile, 'utf8').slice(0, 5000), /truncated\.cpuprofile: the file is not valid JSON/],
    ['no-count.folded', 'main;work 3\nmain;idle\n', /no-count\.folded:2: expected "frame;frame;\.\.\. COUNT", got "main;idle"/],
    ['empty.folded', '', /empty\.folded: the file is empty/],
    ['zero.folded', 'main;work 0\n', /zero\.folded: the profile contains no samples/],
    ['garbage.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0xff, 0xfe, 0x00]), /garbage\.bin: the file (is binary data|contains NUL bytes)/],
    ['other.json', '{"hello": "world"}', /other\.json: the file is JSON but not a V8 \.cpuprofile, V8 \.heapprofile or speedscope profile/],
    [
      'cycle.cpuprofile',
      JSON.stringify({
        nodes: [
          { id: 1, callFrame: { functionName: 'a', url: '' }, children: [2] },
          { id: 2, callFrame: { functionName: 'b', url: '' }, children: [1] },
        ],
      }),
      /cycle\.cpuprofile: the node tree has a cycle/,
    ],
  ];

  for (const [name, content, message] of cases) {
    it(name, () => {
      const input = join(dir, name);
      writeFileSync(input, content);
      const output = join(dir, `kept-${name}.html`);
      writeFileSync(output, 'previous output');
      const result = runCli(['convert', input, '-o', output]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(output, 'utf8')).toBe('previous output');
    });
  }

  it('a missing file', () => {
    const result = runCli(['report', join(dir, 'nope.cpuprofile')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`tsprof: error: ${join(dir, 'nope.cpuprofile')}: no such file or folder\n`);
  });

  it('bad lines can be skipped with a warning', () => {
    const input = join(dir, 'mixed.folded');
    writeFileSync(input, 'a;b 3\nnot a stack\na;c 1\n');
    const result = runCli(['convert', input, '-o', '-', '--skip-bad-lines']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('a;b 3\na;c 1\n');
    expect(result.stderr).toMatch(/warning: .*mixed\.folded: skipped line 2/);
  });

  it('an unknown option or format is a usage error (status 2)', () => {
    expect(runCli(['convert', cpuprofile, '-o', '-', '-f', 'svg']).status).toBe(2);
    expect(runCli(['report', cpuprofile, '--bogus']).status).toBe(2);
  });

  it('a reader that goes away (| head) ends tsprof quietly, with status 0, as other Unix tools', () => {
    const collapsed = fixture('profiles', 'perf-vertx-stacks.collapsed'); // 260 KB of output: more than a pipe holds
    const script = `"${process.execPath}" "${binPath}" convert "${collapsed}" -o - | head -c 100 > /dev/null; echo "status \${PIPESTATUS[0]}" >&2`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(result.stderr).toBe('status 0\n');
  });

  it('a sampling rate V8 cannot deliver is refused, with the limit, before anything runs', () => {
    for (const args of [
      ['record', '-r', '100000', '--', process.execPath, '-e', 'console.log("ran")'],
      ['top', '-r', '10000000', '--', process.execPath, '-e', '0'],
    ]) {
      const result = runCli(args);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n')[0]).toMatch(
        /^tsprof: error: option '-r, --rate <hz>' argument '\d+' is invalid\. expected a whole number of samples per second from 1 to 10,000 \(V8 cannot sample faster\) \(run with --help for usage\)$/,
      );
    }
  });
});

describe('tsprof report', () => {
  it('prints the hottest functions with self %, total %, samples and file:line', () => {
    const result = runCli(['report', recorded, '--top', '3'], { cwd: repoRoot });
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/SELF%\s+TOTAL%\s+SELF SAMPLES\s+TOTAL SAMPLES\s+FUNCTION\s+LOCATION/);
    expect(lines[2]).toMatch(/^\s*\d+\.\d%\s+\d+\.\d%\s+\d+\s+\d+\s+hotLoop\s+fixtures\/programs\/hot-function\.js:5$/);
    expect(lines).toHaveLength(5);
  });

  it('orders by total with --by total', () => {
    const result = runCli(['report', cpuprofile, '--by', 'total', '--top', '5']);
    const totals = result.stdout
      .trimEnd()
      .split('\n')
      .slice(2)
      .map((line) => Number(line.trim().split(/\s+/)[1]!.replace('%', '')));
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });

  it('colours only when asked: no escape codes without a TTY or with NO_COLOR', () => {
    expect(runCli(['report', cpuprofile]).stdout).not.toContain('\u001b[');
    expect(runCli(['report', cpuprofile], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }).stdout).toContain('\u001b[');
  });
});

describe('help and version', () => {
  it('every command has --help with a real example', () => {
    for (const command of ['record', 'convert', 'report']) {
      const result = runCli([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/Examples:\n\s+\$ (node|tsprof) /);
    }
  });

  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(runCli(['--version']).stdout.trim()).toBe(version);
  });
});

describe('the Node it runs on', () => {
  /** Runs the CLI with process.versions.node reading `version`, as that Node would report it. */
  const asNode = (version: string) => {
    const preload = join(dir, `node-version-${version}.cjs`);
    writeFileSync(preload, `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} });\n`);
    return runCli(['--version'], { env: { NODE_OPTIONS: `--require ${preload}` } });
  };

  it("an older Node than package.json's engines names gets one line and status 2", () => {
    const result = asNode('18.20.4');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('tsprof: needs Node 20, 22, 24 and 26; this is Node 18.20.4\n');
  });

  it('a version between the supported ones runs, with a one-line warning', () => {
    const result = asNode('25.1.0');
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('tsprof: warning: tested on Node 20, 22, 24 and 26, not on 25.1.0\n');
  });

  it('each supported Node runs it without a word', () => {
    const result = runCli(['--version']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });
});

describe('a real profile of a real program', () => {
  it('node --cpu-prof of the hot-function fixture: hotLoop has the largest self share in report and folded', () => {
    const profile = recorded;
    expect(existsSync(profile)).toBe(true);

    const report = runCli(['report', profile, '--top', '1']);
    expect(report.stdout.trimEnd().split('\n')[2]).toMatch(/\s+hotLoop\s/);

    const folded = runCli(['convert', profile, '-o', '-']).stdout.trimEnd().split('\n');
    const selfByLeaf = new Map<string, number>();
    for (const line of folded) {
      const stack = line.slice(0, line.lastIndexOf(' '));
      const leaf = stack.slice(stack.lastIndexOf(';') + 1);
      selfByLeaf.set(leaf, (selfByLeaf.get(leaf) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    const [hottest] = [...selfByLeaf].sort((a, b) => b[1] - a[1]);
    expect(hottest![0]).toMatch(/^hotLoop \(.*hot-function\.js:5\)$/);
    const all = [...selfByLeaf.values()].reduce((a, b) => a + b, 0);
    expect(hottest![1] / all).toBeGreaterThan(0.5);
  });
});

describe('profile data never drives the terminal', () => {
  // A title escape (ESC ] 0 ... BEL; folded text cannot carry its semicolon), a screen clear (ESC [ 2 J), a backspace, a carriage return and a
  // right-to-left override, in frame names and paths.
  const hostile = ['evil\u001b]0:pwned\u0007 (a.js:1)', 'clear\u001b[2J (/tmp/x\u0008y.js:2)', 'cr\rover (b.js:3)', 'rtl\u202egnp.exe (c.js:4)'];
  const controls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('report, diff and their warnings show control characters as escapes', () => {
    const dir = tempDir();
    const before = join(dir, 'before.folded');
    const after = join(dir, 'after.folded');
    writeFileSync(before, hostile.map((frame, i) => `main;${frame} ${10 + i}`).join('\n') + '\n');
    writeFileSync(after, hostile.map((frame, i) => `main;${frame} ${10 + 40 * i}`).join('\n') + '\nmain;bad\u001b[31mline\n');
    const report = runCli(['report', before]);
    expect(report.status).toBe(0);
    expect(report.stdout).not.toMatch(controls);
    expect(report.stdout).toContain('evil\\x1b]0:pwned\\x07');
    expect(report.stdout).toContain('rtl\\u202egnp.exe');
    const diff = runCli(['diff', before, after, '--skip-bad-lines']);
    expect(diff.status).toBe(0);
    expect(diff.stdout + diff.stderr).not.toMatch(controls);
    expect(diff.stdout).toContain('clear\\x1b[2J');
    expect(diff.stderr).toContain('skipped line 5');
  });
});

describe('writing outputs', () => {
  it('a file that convert replaces keeps its permissions (a private 600 output stays private)', () => {
    const dir = tempDir();
    const output = join(dir, 'private.folded');
    writeFileSync(output, 'old\n', { mode: 0o600 });
    chmodSync(output, 0o600);
    const result = runCli(['convert', fixture('profiles', 'hot-function.cpuprofile'), '-o', output]);
    expect(result.status, result.stderr).toBe(0);
    expect(statSync(output).mode & 0o777).toBe(0o600);
    expect(readFileSync(output, 'utf8')).toMatch(/hotLoop/);
  });

  it('a name tsprof chose is never replaced: the next free one is claimed, also by two writers at once', () => {
    const dir = tempDir();
    const name = (n: number) => join(dir, n === 1 ? 'p.html' : `p-${n}.html`);
    writeFileSync(name(1), 'someone else\n');
    const written = [writeOutput(name(1), 'a', { alternatives: name }), writeOutput(name(1), 'b', { alternatives: name })];
    expect(written).toEqual([name(2), name(3)]);
    expect(readFileSync(name(1), 'utf8')).toBe('someone else\n');
    expect(readdirSync(dir).sort()).toEqual(['p-2.html', 'p-3.html', 'p.html']);
  });
});

describe('diff reads only regular files from a folder', () => {
  it('a FIFO and a link to /dev/zero in a folder of runs are left out with a warning naming them', () => {
    const dir = tempDir();
    const runs = join(dir, 'runs');
    mkdirSync(runs);
    writeFileSync(join(runs, 'run1.folded'), 'main;work 10\nmain;other 5\n');
    symlinkSync('/dev/zero', join(runs, 'zero.folded'));
    expect(spawnSync('mkfifo', [join(runs, 'pipe.folded')]).status).toBe(0);
    const other = join(dir, 'other.folded');
    writeFileSync(other, 'main;work 12\nmain;other 5\n');
    const result = runCli(['diff', runs, other], { timeout: 20_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/left out 2 entries that are not a regular file: pipe\.folded, zero\.folded/);
  });
});

describe('what tsprof writes, tsprof reads; what makes no sense is refused', () => {
  it('folded counts beyond 2^53 are refused in one line, not shown as NaN%', () => {
    const dir = tempDir();
    const file = join(dir, 'huge.folded');
    writeFileSync(file, 'main;a 1e308\nmain;b 1e308\n');
    const result = runCli(['report', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tsprof: error: \S+huge\.folded:1: .*beyond 2\^53\n$/);
  });

  it('a NUL in a frame name: the folded output of it reads back', () => {
    const dir = tempDir();
    const profile = JSON.parse(readFileSync(fixture('profiles', 'hot-function.cpuprofile'), 'utf8')) as { nodes: { callFrame: { functionName: string } }[] };
    const hot = profile.nodes.find((node) => node.callFrame.functionName === 'hotLoop')!;
    hot.callFrame.functionName = 'hot\u0000Loop';
    const input = join(dir, 'nul.cpuprofile');
    writeFileSync(input, JSON.stringify(profile));
    const folded = join(dir, 'nul.folded');
    expect(runCli(['convert', input, '-o', folded]).status).toBe(0);
    const report = runCli(['report', folded]);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toContain('hot\uFFFDLoop');
  });
});

describe('text that is not all UTF-8', () => {
  it('a folded file with a Latin-1 byte is read, the byte shown as U+FFFD and counted in a warning', () => {
    const dir = tempDir();
    const file = join(dir, 'latin1.folded');
    writeFileSync(file, Buffer.concat([Buffer.from('main;caf'), Buffer.from([0xe9]), Buffer.from(' (a.js:1) 5\nmain;ok \ufffd 3\n')]));
    const result = runCli(['report', file]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/caf\uFFFD\s+a\.js:1/);
    expect(result.stderr).toMatch(/latin1\.folded: 1 byte sequence is not UTF-8 and read as U\+FFFD/);
  });
});

describe('deep stacks that V8 did not record', () => {
  it('a 400-frame folded stack survives .cpuprofile and back unchanged (never marked as a truncated V8 stack)', () => {
    const dir = tempDir();
    const folded = join(dir, 'deep.folded');
    writeFileSync(folded, `${Array.from({ length: 400 }, (_, i) => `frame${i}`).join(';')} 5\n`);
    const cpuprofile = join(dir, 'deep.cpuprofile');
    const back = join(dir, 'back.folded');
    expect(runCli(['convert', folded, '-o', cpuprofile]).status).toBe(0);
    const again = runCli(['convert', cpuprofile, '-o', back]);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe('');
    expect(readFileSync(back, 'utf8')).toBe(readFileSync(folded, 'utf8'));
  });
});

describe('bounded memory for any folded input', () => {
  it('a line of 100,001 frames is refused in one line naming the limit', () => {
    const file = join(tempDir(), 'too-deep.folded');
    writeFileSync(file, `${Array.from({ length: 100_001 }, (_, i) => `f${i % 10}`).join(';')} 1\n`);
    const result = runCli(['report', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tsprof: error: \S+too-deep\.folded: a stack is deeper than 100,000 frames\n$/);
  });
});

describe('outputs that grow with depth times stacks', () => {
  it('a 20,000-deep recursion sampled at every depth: folded, pprof and speedscope are refused in one line, .cpuprofile and the page are written', () => {
    const dir = tempDir();
    const depth = 20_000;
    const nodes = [{ id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, children: [2] }];
    for (let id = 2; id <= depth + 1; id++) {
      nodes.push({
        id,
        callFrame: { functionName: 'recurse', scriptId: '1', url: 'file:///app.js', lineNumber: 1, columnNumber: 0 },
        children: id <= depth ? [id + 1] : [],
      });
    }
    const samples = nodes.slice(1).map((node) => node.id);
    const input = join(dir, 'recursion.cpuprofile');
    writeFileSync(input, JSON.stringify({ nodes, startTime: 0, endTime: samples.length, samples, timeDeltas: samples.map(() => 1) }));
    for (const output of ['x.folded', 'x.pb.gz', 'x.speedscope.json']) {
      const result = runCli(['convert', input, '-o', join(dir, output)]);
      expect(result.status, output).toBe(2);
      expect(result.stderr).toMatch(
        /^tsprof: error: \S+x\.\S+: \w+ output would hold 200,010,000 frames \(20,000 sampled stacks, up to 20,000 deep\); write \.cpuprofile or the HTML page/,
      );
      expect(existsSync(join(dir, output))).toBe(false);
    }
    for (const output of ['x.cpuprofile', 'x.html']) expect(runCli(['convert', input, '-o', join(dir, output)]).status, output).toBe(0);
  });
});
