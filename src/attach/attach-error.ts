/**
 * Attaching to a process failed in a way its user can act on (no such process, another user's, an inspector
 * that belongs to someone else): one line, which the CLI prints as its error (exit status 2).
 */
export class AttachError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttachError';
  }
}
