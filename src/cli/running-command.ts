import { constants } from 'node:os';
import { createSessionDir, SessionDirError } from '../record/session.js';
import { startTarget, type RunningTarget, type TargetExit } from '../record/spawn.js';
import { UserError } from './errors.js';

/** Starting the command `record` and `top` run, and the status tsprof ends with. */

/** A session folder for the recording's files; one that cannot be made is the user's error. */
export function sessionDirOrUserError(base?: string, options: { notesForOtherUsers?: boolean } = {}): string {
  try {
    return createSessionDir(base, options);
  } catch (error) {
    if (error instanceof SessionDirError) throw new UserError(error.message);
    throw error;
  }
}

/** Starts the command; one that cannot start is the user's error, with the statuses a shell uses (127, 126). */
export async function startCommand(command: string[], env: NodeJS.ProcessEnv, options: Parameters<typeof startTarget>[2]): Promise<RunningTarget> {
  try {
    return await startTarget(command, env, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `${command[0]}: command not found` : `${command[0]}: cannot start (${(error as Error).message})`,
      code === 'ENOENT' ? 127 : 126,
    );
  }
}

/** The status tsprof ends with: the command's own, or 128 + the number of the signal that ended it. */
export function exitStatus(exit: TargetExit): number {
  if (exit.code !== null) return exit.code;
  const number = exit.signal ? constants.signals[exit.signal] : undefined;
  return number !== undefined ? 128 + number : 1;
}
