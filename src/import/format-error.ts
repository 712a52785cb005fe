/**
 * A profile file that cannot be read: the message says what is wrong in words a user can act on, and `line`
 * (1-based) says where, for text formats. The CLI adds the file name.
 */
export class ProfileFormatError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ProfileFormatError';
  }
}
