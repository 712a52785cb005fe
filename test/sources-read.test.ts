import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/paths.js';
import { startTsprof } from './helpers/record.js';
import { serveFolders } from './helpers/static-server.js';

/**
 * A profile names the files its frames ran in, and tsprof shows their lines (the page's hot lines, report
 * --lines and --list): a hostile profile must not make it read, and publish, anything but the program's own
 * files (issue 25, S1.1).
 */

const PASSWD_LINE = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;
const LEFT_OUT_HINT = "(only the program's own files are; --sources DIR reads another folder)";

/** A .cpuprofile whose frames ran in `files` (file:// URLs or paths), each sampled on its line 1. */
function profileNaming(files: string[]): string {
  const nodes = [
    {
      id: 1,
      callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 },
      hitCount: 0,
      children: files.map((_, i) => i + 2),
    },
    ...files.map((url, i) => ({
      id: i + 2,
      callFrame: { functionName: `fromFile${i}`, scriptId: String(i + 1), url, lineNumber: 0, columnNumber: 0 },
      hitCount: 2,
      positionTicks: [{ line: 1, ticks: 2 }],
    })),
  ];
  const samples = files.flatMap((_, i) => [i + 2, i + 2]);
  return JSON.stringify({ nodes, startTime: 0, endTime: samples.length * 1000, samples, timeDeltas: samples.map(() => 1000) });
}

/** A project folder with one source file of its own, and a profile naming it and `others`. */
function project(others: string[]): { dir: string; profile: string; own: string } {
  const dir = join(tempDir(), 'app');
  mkdirSync(dir);
  const own = join(dir, 'own.js');
  writeFileSync(own, 'function ownWork() { return 42; } // OWN-SOURCE\n');
  const profile = join(dir, 'app.cpuprofile');
  writeFileSync(profile, profileNaming([pathToFileURL(own).href, ...others]));
  return { dir, profile, own };
}

describe("sources: only the program's own files are read", () => {
  it("report --list and --lines show the project's file, not /etc/passwd, /proc/self/environ or /proc/self/pagemap, and say so in one line", () => {
    // /proc/self/pagemap says it holds 0 bytes, and reads for ever.
    const { dir, profile } = project(['file:///etc/passwd', '/proc/self/environ', '/proc/self/pagemap']);
    for (const args of [['--list', '.'], ['--lines'], ['--lines', '-f', 'markdown']]) {
      const result = runCli(['report', profile, ...args], { cwd: dir, env: { TSPROF_TOKEN: 'secret-token-value' } });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('OWN-SOURCE');
      expect(result.stdout).not.toContain(PASSWD_LINE);
      expect(result.stdout).not.toContain('secret-token-value');
      expect(result.stderr).toBe(`tsprof: warning: sources: 1 file outside ${dir} and 2 files in /proc, /sys or /dev not read ${LEFT_OUT_HINT}\n`);
    }
    expect(runCli(['report', profile, '--list', 'fromFile1'], { cwd: dir }).stdout).toContain("(source not read: not one of the program's files)");
  });

  it('a symlink in the project to a file outside it, a FIFO and a binary file are not read (and the FIFO never blocks)', () => {
    const { dir, profile: _unused } = project([]);
    symlinkSync('/etc/passwd', join(dir, 'link.js'));
    execFileSync('mkfifo', [join(dir, 'pipe.js')]);
    writeFileSync(join(dir, 'binary.js'), Buffer.from([0x66, 0x00, 0x6f, 0x0a]));
    const profile = join(dir, 'links.cpuprofile');
    writeFileSync(profile, profileNaming(['link.js', 'pipe.js', 'binary.js'].map((name) => join(dir, name))));
    const result = runCli(['report', profile, '--lines'], { cwd: dir, timeout: 20_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(PASSWD_LINE);
    expect(result.stderr).toMatch(/sources: 1 file outside .* not read/);
  });

  it("the page: the project's source in, /etc/passwd out unless --sources names /etc; none for a profile fetched from an address", async () => {
    const { dir, profile } = project(['file:///etc/passwd']);
    const page = join(dir, 'page.html');
    const result = runCli(['convert', profile, '-o', page], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^tsprof: warning: sources: 1 file outside .* not read/);
    expect(readFileSync(page, 'utf8')).toContain('OWN-SOURCE');
    expect(readFileSync(page, 'utf8')).not.toContain(PASSWD_LINE);
    // Asked for explicitly, another folder is read.
    expect(runCli(['convert', profile, '-o', page, '--sources', '/etc'], { cwd: dir }).status).toBe(0);
    expect(readFileSync(page, 'utf8')).toContain(PASSWD_LINE.split(':')[0]!);

    const server = await serveFolders({ '/': dir });
    try {
      const fetched = await startTsprof(['convert', `${server.origin}/app.cpuprofile`, '-o', page], { cwd: dir }).done;
      expect(fetched.status, fetched.stderr).toBe(0);
      expect(fetched.stderr).toBe('tsprof: warning: sources: not read for a profile fetched from an address (its files are those of another machine)\n');
      expect(readFileSync(page, 'utf8')).not.toContain('OWN-SOURCE');
    } finally {
      await server.close();
    }
  });

  it('a source changed after the profile was taken is named, in report --list and on the page', () => {
    const { dir, profile, own } = project([]);
    const page = join(dir, 'page.html');
    expect(runCli(['report', profile, '--list', 'fromFile0'], { cwd: dir }).stderr).toBe(''); // unchanged: nothing to say
    // Edited a minute after the profile file was written (an imported .cpuprofile says no time of its own).
    const later = new Date(statSync(profile).mtimeMs + 60_000);
    utimesSync(own, later, later);
    const changed = 'tsprof: warning: sources: 1 file changed after the profile was taken (own.js): the lines shown may not be those that ran\n';
    for (const args of [
      ['report', profile, '--list', 'fromFile0'],
      ['report', profile, '--lines'],
      ['convert', profile, '-o', page],
    ]) {
      const result = runCli(args, { cwd: dir });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toBe(changed);
    }
  });
});
