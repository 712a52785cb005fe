export interface ImportOptions {
  /** Keep V8's `(idle)` samples (time the event loop waited). Default false: they are left out. */
  keepIdle?: boolean;
  /** Skip folded lines that do not parse, reporting each through `onWarning`, instead of failing. */
  skipBadLines?: boolean;
  /** Receives one message per recoverable problem (such as a skipped line). */
  onWarning?: (message: string) => void;
}
