import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const fixture = (...parts: string[]) => join(repoRoot, 'fixtures', ...parts);
export const binPath = join(repoRoot, 'bin', 'tsprof.js');

/** A fresh temporary folder, removed when the test file finishes. */
export function tempDir(prefix = 'tsprof-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A committed profile of this repository's fixtures (`fixtures/<parts>`, recorded in a checkout at /work/main),
 * its file:// URLs moved to this checkout: tsprof reads sources only under the current folder, so a page or a
 * --list of it shows this checkout's fixtures, wherever it is.
 */
export function fixtureHere(...parts: string[]): string {
  const text = readFileSync(fixture(...parts), 'utf8').replaceAll('file:///work/main/', pathToFileURL(repoRoot).href);
  const path = join(tempDir(), parts[parts.length - 1]!);
  writeFileSync(path, text);
  return path;
}

/** fixtureHere for `fixtures/profiles/<name>`. */
export const fixtureProfileHere = (name: string) => fixtureHere('profiles', name);
