/**
 * A problem the user can fix (bad input, a missing file, a wrong option): printed as one line, no stack
 * trace, exit status 2. Anything else that reaches main() is a bug in tsprof.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
