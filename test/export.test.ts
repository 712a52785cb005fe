import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { functionTable } from '../src/analyze/report.js';
import { toCpuprofile } from '../src/export/cpuprofile.js';
import { toFolded } from '../src/export/folded.js';
import { fillTemplate, jsonForScriptBlock, pageData, PRUNE_SHARE, toHtml } from '../src/export/html.js';
import type { PageData } from '../src/export/page-data.js';
import { aggregate, functionTotals, graphTree } from '../src/page/aggregate.js';
import { decodeProfile, type DecodedProfile } from '../src/page/decode.js';
import { loadPageAssets } from '../src/export/html-assets.js';
import { importFolded } from '../src/import/folded.js';
import { toSpeedscope } from '../src/export/speedscope.js';
import { importProfile } from '../src/import/index.js';
import { ProfileBuilder } from '../src/model/builder.js';
import { counted, formatCount } from '../src/model/format-count.js';
import { totalWeight, type Profile } from '../src/model/profile.js';
import { dumpProfile } from './helpers/dump.js';
import { fixture, repoRoot } from './helpers/paths.js';
import { seededRandom } from './helpers/random.js';

const load = (name: string) => importProfile(readFileSync(fixture('profiles', name)), { fileName: name }).profile;
const fixtures = [
  'hot-function.cpuprofile',
  'perf-vertx-stacks.collapsed',
  'java-inline.collapsed',
  'simple-evented.speedscope.json',
  'two-sampled.speedscope.json',
];
const reimport = (text: string, fileName: string) => importProfile(Buffer.from(text), { fileName }).profile;

/** Per-thread totals by stack text: what every format must preserve. */
function weightsByStack(profile: Profile): Record<string, number> {
  const result: Record<string, number> = {};
  for (const line of dumpProfile(profile).split('\n')) {
    const match = /^\s+([\d.]+)\s{2}(.*)$/.exec(line);
    // Writers name nameless frames "(anonymous)"; perf's folded output has a few.
    const stack = match?.[2]!
      .split(' > ')
      .map((frame) => (frame === '' || frame.startsWith('@') ? `(anonymous)${frame}` : frame))
      .join(' > ');
    if (match) result[stack!] = (result[stack!] ?? 0) + Number(match[1]);
  }
  return result;
}

/** The folder the committed fixture was recorded in, whatever folder this checkout is in. */
function recordedRoot(profile: Profile): string {
  const file = profile.frames.find((f) => f.name === 'hotLoop')!.file!;
  return fileURLToPath(new URL('../../', file));
}

describe('counts in messages and page headers', () => {
  it('are grouped by thousands exactly as en-US writes them', () => {
    const random = seededRandom(7);
    const counts = [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, -4321, 2 ** 53, 1234.6];
    for (let i = 0; i < 200; i++) counts.push(Math.floor(random() * 10 ** Math.floor(random() * 16)));
    for (const count of counts) expect(formatCount(count)).toBe(Math.round(count).toLocaleString('en-US'));
  });

  it('name their noun in the singular for exactly one', () => {
    expect(counted(1, 'sample')).toBe('1 sample');
    expect(counted(0, 'sample')).toBe('0 samples');
    expect(counted(2048, 'sample')).toBe('2,048 samples');
    expect(counted(1, 'process', 'processes')).toBe('1 process');
    expect(counted(3, 'process', 'processes')).toBe('3 processes');
  });
});

describe('folded writer', () => {
  const profile = load('hot-function.cpuprofile');
  const text = toFolded(profile, { cwd: recordedRoot(profile) });
  const lines = text.trimEnd().split('\n');

  it('writes sorted "frame;frame count" lines with integer counts, one space and no trailing blanks', () => {
    expect(lines).toEqual([...lines].sort());
    for (const line of lines) expect(line).toMatch(/^\S(.*\S)? \d+$/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('labels frames "name (path:line)", relative to the working directory, node: internals as they are', () => {
    expect(text).toContain(';hotLoop (fixtures/programs/hot-function.js:5) ');
    expect(text).toMatch(/\(node:internal\/[^)]+:\d+\)/);
    expect(text).toContain('(anonymous)');
  });

  it('keeps every sample', () => {
    const total = lines.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    expect(total).toBe(profile.samples.length);
  });

  it("parses line by line with flamegraph.pl's own grammar, run by perl, with no line mistaken for a differential", () => {
    // flamegraph.pl reads `my ($stack, $samples) = (/^(.*)\s+?(\d+(?:\.\d*)?)$/)` and, when the stack part
    // still ends in a number, treats the line as a two-column differential. Neither must misread tsprof's lines.
    const script = String.raw`
      while (<STDIN>) { chomp; my ($stack, $samples) = (/^(.*)\s+?(\d+(?:\.\d*)?)$/);
        if (!defined $samples) { $ignored++; next } $differential++ if $stack =~ /^(.*)\s+?(\d+(?:\.\d*)?)$/;
        $total += $samples; $frames += scalar(split(";", $stack)); }
      print(($total // 0) . " " . ($ignored // 0) . " " . ($differential // 0) . " " . ($frames // 0) . "\n");`;
    const result = spawnSync('perl', ['-e', script], { input: text, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const [total, ignored, differential, frameCount] = result.stdout.trim().split(' ').map(Number);
    expect({ total, ignored, differential }).toEqual({ total: profile.samples.length, ignored: 0, differential: 0 });
    expect(frameCount).toBe(lines.reduce((sum, line) => sum + line.slice(0, line.lastIndexOf(' ')).split(';').length, 0));
  });

  it('gives each thread a root frame and keeps ";" out of labels', () => {
    const builder = new ProfileBuilder('samples');
    const a = builder.addThread({ name: 'node 1 app.js' });
    const b = builder.addThread({ name: 'worker 1' });
    builder.addSample(builder.stackOf([builder.internFrame({ name: 'x;y' })]), 2, { thread: a });
    builder.addSample(builder.stackOf([builder.internFrame({ name: 'z' })]), 1, { thread: b });
    expect(toFolded(builder.build(), { cwd: '/' })).toBe('node 1 app.js;x,y 2\nworker 1;z 1\n');
  });

  for (const name of fixtures) {
    it(`${name}: folded -> import keeps every stack's weight`, () => {
      const original = load(name);
      const again = reimport(toFolded(original, { cwd: repoRoot }), 'x.folded');
      const total = (p: Profile) => Math.round(p.samples.weight.reduce((s, w) => s + w, 0));
      expect(total(again)).toBe(total(original));
    });
  }

  it('folded -> folded is stable', () => {
    const once = readFileSync(fixture('profiles', 'perf-vertx-stacks.collapsed'), 'utf8');
    const twice = toFolded(reimport(once, 'x.folded'), { cwd: repoRoot });
    expect(twice).toBe(toFolded(reimport(twice, 'x.folded'), { cwd: repoRoot }));
    // perf's output has a few frames that are blank; writers name them "(anonymous)".
    const named = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => {
          const count = line.slice(line.lastIndexOf(' ') + 1);
          const frames = line.slice(0, line.lastIndexOf(' ')).trimEnd().split(';');
          return `${frames.map((f) => f.trim() || '(anonymous)').join(';')} ${count}`;
        })
        .sort();
    expect(named(twice)).toEqual(named(once));
  });
});

describe('speedscope writer', () => {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('speedscope/dist/release/file-format-schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile({ ...schema, $ref: '#/definitions/FileFormat.File' });

  for (const name of fixtures) {
    it(`${name}: output is valid against speedscope's published schema`, () => {
      const json = JSON.parse(toSpeedscope(load(name)));
      const valid = validate(json);
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    });

    it(`${name}: speedscope -> model keeps every stack's weight (round trip)`, () => {
      const original = load(name);
      const again = reimport(toSpeedscope(original), 'x.speedscope.json');
      if (original.samples.time) {
        // Timestamped samples become microsecond durations (the time until the next sample), so counts turn
        // into times: the same stacks, and the same hottest function.
        for (const stack of Object.keys(weightsByStack(again))) expect(weightsByStack(original)).toHaveProperty([stack]);
        expect(functionTable(again)[0]!.frame).toEqual(functionTable(original)[0]!.frame);
      } else {
        expect(weightsByStack(again)).toEqual(weightsByStack(original));
      }
    });
  }

  it('speedscope -> model -> speedscope is equal', () => {
    for (const name of ['two-sampled.speedscope.json', 'simple-evented.speedscope.json']) {
      const once = toSpeedscope(load(name));
      expect(toSpeedscope(reimport(once, 'x.speedscope.json'))).toBe(once);
    }
  });

  it('writes one profile per thread, with microsecond weights for timestamped samples', () => {
    const json = JSON.parse(toSpeedscope(load('two-sampled.speedscope.json')));
    expect(json.profiles.map((p: { name: string }) => p.name)).toEqual(['one', 'two']);
    const timed = JSON.parse(toSpeedscope(load('hot-function.cpuprofile')));
    expect(timed.profiles[0].unit).toBe('microseconds');
  });
});

describe('cpuprofile writer', () => {
  it('writes 0-based lines again, and re-imports to the same profile', () => {
    const original = load('hot-function.cpuprofile');
    const text = toCpuprofile(original);
    const json = JSON.parse(text);
    const hot = json.nodes.find((n: { callFrame: { functionName: string } }) => n.callFrame.functionName === 'hotLoop');
    expect(hot.callFrame.lineNumber).toBe(original.frames.find((f) => f.name === 'hotLoop')!.line! - 1);
    const again = reimport(text, 'x.cpuprofile');
    expect(weightsByStack(again)).toEqual(weightsByStack(original));
    expect(json.samples.length).toBe(json.timeDeltas.length);
  });

  for (const name of fixtures) {
    it(`${name}: keeps the share of every stack`, () => {
      const original = load(name);
      const again = reimport(toCpuprofile(original), 'x.cpuprofile');
      const share = (p: Profile) => {
        const weights = weightsByStack(p);
        const all = Object.values(weights).reduce((a, b) => a + b, 0);
        return Object.fromEntries(Object.entries(weights).map(([k, v]) => [k.replace(/^\S+ > /, ''), Math.round((1000 * v) / all)]));
      };
      if (original.threads.length === 1) expect(share(again)).toEqual(share(original));
      else expect(again.samples.length).toBeGreaterThan(0);
    });
  }
});

describe('HTML writer', () => {
  it('escapes JSON so that no frame name can end the script block', () => {
    const json = jsonForScriptBlock({ name: '</script><script>alert(1)</script>&\u2028' });
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual({ name: '</script><script>alert(1)</script>&\u2028' });
  });

  it('merges frames narrower than the pruning share into their callers in the graph only: the table still counts them', () => {
    const builder = new ProfileBuilder('samples');
    const main = builder.internFrame({ name: 'main' });
    builder.addSample(builder.stackOf([main, builder.internFrame({ name: 'big' })]), 100_000);
    for (let i = 0; i < 500; i++) builder.addSample(builder.stackOf([main, builder.internFrame({ name: `tiny${i}` })]), 1);
    const page = decodedPage(builder.build());
    const all = aggregate(page, { threads: null, range: null });
    const graph = graphTree(page, all, PRUNE_SHARE);
    expect(graph.pruned).toEqual({ nodes: 500, weight: 500 });
    expect(graph.root.value).toBe(100_500); // the root still counts everything
    expect(graph.root.children[0]!.children.map((child) => child.name)).toEqual(['big']);
    const totals = functionTotals(page, all);
    expect(totals.self[page.functionName.indexOf('tiny0')]).toBe(1);
  });

  it("the page's data holds the whole profile: its function table equals tsprof report's, sample times and threads kept", () => {
    const recursive = importFolded('main;a;b;a;b;c 5\nmain;a;a;a 3\nmain;b;a 2\n');
    const profiles = [...['hot-function.cpuprofile', 'two-sampled.speedscope.json', 'perf-vertx-stacks.collapsed', 'go-cpu.pb.gz'].map(load), recursive];
    for (const profile of profiles) {
      const page = decodedPage(profile);
      const all = aggregate(page, { threads: null, range: null });
      expect(all.total).toBeCloseTo(totalWeight(profile), 6);
      const totals = functionTotals(page, all);
      for (const row of functionTable(profile)) {
        expect(totals.self[row.frameId]).toBeCloseTo(row.self, 6);
        expect(totals.total[row.frameId]).toBeCloseTo(row.total, 6);
      }
      expect(page.threads.map((thread) => thread.name)).toEqual(profile.threads.map((thread) => thread.name));
      if (profile.samples.time) expect(Array.from(page.sampleTime!)).toEqual(Array.from(profile.samples.time, Math.round));
      else expect(page.sampleTime).toBeNull();
    }
  });
});

/** pageData as the page reads it, decoded the page's way (base64 by Node instead of atob). */
function decodedPage(profile: Profile): DecodedProfile {
  const data = JSON.parse(jsonForScriptBlock(pageData(profile, { cwd: '/' }))) as PageData;
  return decodeProfile(data, data.profile!, (text) => new Uint8Array(Buffer.from(text, 'base64')));
}

describe('filling the page template', () => {
  it('text from the profile that looks like a marker stays text: it never receives the script, the data or the styles', () => {
    const template = '<title>{{TITLE}}</title><style>/*{{CSS}}*/</style><script>/*{{SCRIPT}}*/</script><script type="json">{{DATA}}</script>';
    const page = fillTemplate(template, {
      '{{TITLE}}': 'record -- node {{DATA}}.js /*{{CSS}}*/',
      '/*{{CSS}}*/': 'body{}',
      '{{DATA}}': '{"frame":"/*{{SCRIPT}}*/ $& $1"}',
      '/*{{SCRIPT}}*/': 'drawTheGraph()',
    });
    expect(page).toBe(
      '<title>record -- node {{DATA}}.js /*{{CSS}}*/</title><style>body{}</style><script>drawTheGraph()</script><script ' +
        'type="json">{"frame":"/*{{SCRIPT}}*/ $& $1"}</script>',
    );
  });

  it('a recorded page whose frame and title carry markers still draws its graph', () => {
    const html = toHtml(importFolded('main;/*{{SCRIPT}}*/ 5\nmain;{{DATA}} 3\n'), loadPageAssets(), { title: '{{DATA}} /*{{SCRIPT}}*/', cwd: '/' });
    const [, title] = /<title>(.*?)<\/title>/s.exec(html)!;
    expect(title).toBe('{{DATA}} /*{{SCRIPT}}*/ · tsprof');
    // The bundled script is in the page once, and the data block is whole JSON naming both frames.
    const data = /<script type="application\/json" id="profile-data">(.*?)<\/script>/s.exec(html);
    expect(data, 'data block').not.toBeNull();
    expect(JSON.stringify(JSON.parse(data![1]!))).toContain('/*{{SCRIPT}}*/');
  });
});

describe('functionTable on recursive stacks', () => {
  it('gives each function the self and total that walking every sample gives (each sample counted once)', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 20; round++) {
      const builder = new ProfileBuilder('samples');
      const frames = Array.from({ length: 6 }, (_, i) => builder.internFrame({ name: `f${i}`, file: '/r.js', line: i + 1 }));
      const stacks: number[][] = [];
      for (let n = 0; n < 200; n++) {
        const stack = Array.from({ length: 1 + Math.floor(random() * 12) }, () => frames[Math.floor(random() * frames.length)]!);
        stacks.push(stack);
        builder.addSample(builder.stackOf(stack), 1 + Math.floor(random() * 3));
      }
      const profile = builder.build({});
      const expected = new Map<number, { self: number; total: number }>();
      for (let i = 0; i < profile.samples.length; i++) {
        const ids = stacks[i]!;
        const w = profile.samples.weight[i]!;
        const leaf = expected.get(ids.at(-1)!) ?? { self: 0, total: 0 };
        leaf.self += w;
        expected.set(ids.at(-1)!, leaf);
        for (const id of new Set(ids)) {
          const entry = expected.get(id) ?? { self: 0, total: 0 };
          entry.total += w;
          expected.set(id, entry);
        }
      }
      const rows = functionTable(profile);
      expect(rows.length).toBe(expected.size);
      for (const row of rows) expect({ self: row.self, total: row.total }).toEqual(expected.get(row.frameId));
    }
  });
});
