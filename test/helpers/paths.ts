import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
