import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { binPath } from './paths.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/tsprof.js) as a user would, with a time limit, colours off unless asked for. */
export function runCli(args: string[], options: SpawnSyncOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [binPath, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    ...options,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
  });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}
