// Records the profiles that tests only read (fixtures/recordings/), once, as a user would with `tsprof record`:
// the diff tests then check the statistics on the same real recordings on every Node, in-process speed,
// instead of recording fifteen runs each time (and on each Node, whose JIT spreads shares differently).
// `npm run build && node scripts/record-fixtures.mjs` rewrites them all; say which Node made them in the commit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'fixtures', 'recordings');
const tsprof = join(root, 'bin', 'tsprof.js');
const program = (name) => join(root, 'fixtures', 'programs', name);

function record(output, rate, args) {
  mkdirSync(dirname(output), { recursive: true });
  execFileSync(process.execPath, [tsprof, 'record', '-r', String(rate), '-o', output, '--', process.execPath, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

// fixtures/programs/regression.js: computeScore 30% slower with --slow (60% with --slow=60). Four runs a side
// of different lengths at one rate; one more plain run; three runs a side at the default rate.
const regression = join(out, 'regression');
rmSync(regression, { recursive: true, force: true });
for (let run = 1; run <= 4; run++) {
  record(join(regression, 'before', `run${run}.cpuprofile`), 1000, [program('regression.js'), '2']);
  record(join(regression, 'after', `run${run}.cpuprofile`), 1000, [program('regression.js'), '3', '--slow']);
}
record(join(regression, 'again.cpuprofile'), 1000, [program('regression.js'), '3']);
for (let run = 1; run <= 3; run++) {
  record(join(regression, 'before-500', `run${run}.cpuprofile`), 500, [program('regression.js'), '2']);
  record(join(regression, 'after-500', `run${run}.cpuprofile`), 500, [program('regression.js'), '2', '--slow=60']);
}

// fixtures/programs/threads-and-children.js twice: every thread and process has other pids.
const threads = join(out, 'threads');
rmSync(threads, { recursive: true, force: true });
for (const name of ['one', 'two']) {
  for (const ending of ['cpuprofile', 'folded']) record(join(threads, `${name}.${ending}`), 500, [program('threads-and-children.js')]);
}

// fixtures/programs/split-lines.js: splitWork's own time 80/20 on two lines. Once at 2,000 Hz (about 2,000
// samples of splitWork: the split's sampling error about a point); three runs a side with the LINE-20 loop
// three times as long after (diff --lines).
const lines = join(out, 'lines');
rmSync(lines, { recursive: true, force: true });
record(join(lines, 'split.cpuprofile'), 2000, [program('split-lines.js')]);
for (let run = 1; run <= 3; run++) {
  record(join(lines, 'before', `run${run}.cpuprofile`), 500, [program('split-lines.js'), '400', '1']);
  record(join(lines, 'after', `run${run}.cpuprofile`), 500, [program('split-lines.js'), '400', '3']);
}
