/**
 * A mistake the user can fix (bad file, bad option, missing workspace). The CLI prints its message alone,
 * without a stack trace, and exits non-zero; anything else is a bug and keeps its stack.
 */
export class PortraitError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'PortraitError';
  }
}
