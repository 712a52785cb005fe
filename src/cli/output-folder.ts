import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors.js';

/**
 * Refuses an output whose folder does not exist, before any work is done for it (a recording, a fetch), with
 * one message whichever command. Small and apart from io.ts, so that `record` checks before it loads the
 * writers.
 */
export function checkOutputFolder(path: string): void {
  if (path === '-') return;
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) throw new UserError(`${path}: the folder ${folder} does not exist`);
}
