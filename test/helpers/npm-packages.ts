import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real packages from npm for tests that profile real programs: installed once into a folder under the
 * system's temp folder, keyed by the package list, and reused by later runs (never committed).
 */
export function installPackages(packages: Record<string, string>): string {
  const key = createHash('sha256').update(JSON.stringify(packages)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'tsprof-npm-cache', key);
  if (existsSync(join(dir, 'node_modules', '.installed'))) return dir;
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ private: true, dependencies: packages }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: staging, stdio: 'pipe', timeout: 240_000 });
  writeFileSync(join(staging, 'node_modules', '.installed'), '');
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test file installed it meanwhile
  }
  return dir;
}
