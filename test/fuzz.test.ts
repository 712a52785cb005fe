import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toCpuprofile } from '../src/export/cpuprofile.js';
import { toFolded } from '../src/export/folded.js';
import { pageData } from '../src/export/html.js';
import { aggregate } from '../src/page/aggregate.js';
import { decodeProfile } from '../src/page/decode.js';
import { toSpeedscope } from '../src/export/speedscope.js';
import { importProfile, ProfileFormatError } from '../src/import/index.js';
import { totalWeight, type Profile } from '../src/model/profile.js';
import { fixture } from './helpers/paths.js';
import { pick, seededRandom } from './helpers/random.js';

/**
 * Each importer gets thousands of seeded mutations of its real fixtures: truncation, flipped bytes, numbers
 * out of range, deleted and repeated regions, deep nesting, huge labels. Every one must end in a clean
 * ProfileFormatError or a profile whose tables are consistent (which every writer then renders), never an
 * uncaught exception, a hang, or memory out of proportion to the input.
 */

const WEIRD_NUMBERS = [
  '-1',
  '0',
  '1e308',
  '-1e308',
  '9007199254740993',
  '1.5',
  '-0',
  '4294967296',
  '2147483648',
  '1e-320',
  'NaN',
  'null',
  '"7"',
  '[]',
  '{}',
  'true',
];

function mutate(original: string, random: () => number): string {
  let text = original;
  const rounds = 1 + Math.floor(random() * 3);
  for (let round = 0; round < rounds; round++) {
    const at = Math.floor(random() * text.length);
    switch (Math.floor(random() * 8)) {
      case 0: // truncate
        text = text.slice(0, at);
        break;
      case 1: {
        // flip a few bytes to random printable or control characters
        const chars = [...text];
        for (let i = 0; i < 1 + random() * 8; i++) chars[Math.floor(random() * chars.length)] = String.fromCharCode(Math.floor(random() * 128));
        text = chars.join('');
        break;
      }
      case 2: {
        // a number somewhere becomes something out of range or of the wrong type
        const numbers = [...text.matchAll(/-?\d+(\.\d+)?/g)];
        if (numbers.length > 0) {
          const match = pick(random, numbers);
          text = text.slice(0, match.index) + pick(random, WEIRD_NUMBERS) + text.slice(match.index! + match[0].length);
        }
        break;
      }
      case 3: // delete a region
        text = text.slice(0, at) + text.slice(at + Math.floor(random() * 200));
        break;
      case 4: {
        // repeat a region
        const region = text.slice(at, at + Math.floor(random() * 200));
        text = text.slice(0, at) + region + region + text.slice(at);
        break;
      }
      case 5: {
        // deep nesting at a random place
        const depth = 1000 + Math.floor(random() * 100_000);
        text = text.slice(0, at) + '['.repeat(depth) + ']'.repeat(depth) + text.slice(at);
        break;
      }
      case 6: {
        // a very deep folded stack or a huge label
        const huge = random() < 0.5 ? 'f;'.repeat(20_000 + Math.floor(random() * 50_000)) + 'g 1' : `${'x ('.repeat(50_000)}a:1) 2`;
        text = `${text.slice(0, at)}\n${huge}\n${text.slice(at)}`;
        break;
      }
      default: // swap two structural characters
        text = text.replace(pick(random, ['[', ']', '{', '}', ':', ',', ';', ' ', '\n']), pick(random, ['{', ']', ',', '', ';;', '\t', ' ']));
    }
  }
  return text;
}

/** The invariants every Profile must hold, whatever input it came from. */
function checkConsistent(profile: Profile, inputBytes: number): void {
  const { frames, stacks, samples, threads } = profile;
  expect(threads.length).toBeGreaterThan(0);
  for (let s = 0; s < stacks.length; s++) {
    expect(stacks.prefix[s]!).toBeLessThan(s);
    expect(stacks.prefix[s]!).toBeGreaterThanOrEqual(-1);
    expect(stacks.frame[s]!).toBeLessThan(frames.length);
  }
  for (let i = 0; i < samples.length; i++) {
    expect(samples.stack[i]!).toBeLessThan(stacks.length);
    expect(samples.thread[i]!).toBeLessThan(threads.length);
    expect(Number.isFinite(samples.weight[i]!) && samples.weight[i]! >= 0).toBe(true);
  }
  for (const frame of frames) {
    if (frame.line !== undefined) expect(Number.isInteger(frame.line) && frame.line >= 0).toBe(true);
  }
  // Memory in proportion to the input: tables are never larger than the bytes they were read from.
  expect(samples.length + stacks.length + frames.length).toBeLessThanOrEqual(inputBytes + 16);
}

const targets: [string, number][] = [
  ['hot-function.cpuprofile', 2000],
  ['java-inline.collapsed', 1500],
  ['perf-vertx-stacks.collapsed', 500],
  ['simple-evented.speedscope.json', 1200],
  ['two-sampled.speedscope.json', 1200],
];

describe('importers under seeded mutations', () => {
  for (const [name, count] of targets) {
    it(`${name}: ${count} mutations end in a clean error or a consistent profile`, () => {
      const original = readFileSync(fixture('profiles', name), 'utf8');
      const random = seededRandom(0x7590f ^ name.length);
      let errors = 0;
      let profiles = 0;
      for (let i = 0; i < count; i++) {
        const input = Buffer.from(mutate(original, random));
        let profile: Profile | undefined;
        try {
          profile = importProfile(input, { fileName: name }).profile;
        } catch (error) {
          if (!(error instanceof ProfileFormatError)) throw new Error(`mutation ${i} threw ${(error as Error).stack}`);
          expect(error.message.length).toBeLessThan(300);
          errors++;
        }
        if (profile) {
          profiles++;
          checkConsistent(profile, input.length);
          if (i % 10 === 0) {
            toFolded(profile, { cwd: '/' });
            toSpeedscope(profile);
            // The page's data decodes to the same samples, whatever odd weights and times the input had.
            const data = pageData(profile, { cwd: '/' });
            const page = decodeProfile(data, data.profile!, (text) => new Uint8Array(Buffer.from(text, 'base64')));
            expect(aggregate(page, { threads: null, range: null }).total).toBe(totalWeight(profile));
            toCpuprofile(profile);
          }
        }
      }
      // Both outcomes happen, so the mutations really exercise both paths.
      expect(errors).toBeGreaterThan(0);
      expect(profiles).toBeGreaterThan(0);
      // A hang fails this test by its time limit; how long large and hostile inputs take is measured by
      // bench/hostile-inputs.ts, not asserted here (a busy machine would fail a time bound).
    });
  }
});
