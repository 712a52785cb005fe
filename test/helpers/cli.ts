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

/**
 * `tsprof report`'s self share (percent) per function name, hottest first, the first row of each name kept.
 * Amounts may be sample counts, times (`12.5ms`) or bytes (`3.2 MiB`).
 */
export function reportSelfShares(input: string, top = 50): Map<string, number> {
  const result = runCli(['report', input, '-n', String(top)]);
  if (result.status !== 0) throw new Error(`tsprof report ${input} failed: ${result.stderr}`);
  const amount = String.raw`[\d.]+(?:ms| [KMGT]?i?B)?`;
  const row = new RegExp(String.raw`^\s*([\d.]+)%\s+[\d.]+%\s+${amount}\s+${amount}\s+(\S+)`);
  const shares = new Map<string, number>();
  for (const line of result.stdout.split('\n').slice(2)) {
    const match = row.exec(line);
    if (match && !shares.has(match[2]!)) shares.set(match[2]!, Number(match[1]));
  }
  return shares;
}
