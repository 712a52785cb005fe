export interface ImportOptions {
  /** Keep V8's `(idle)` samples (time the event loop waited). Default false: they are left out. */
  keepIdle?: boolean;
  /** Skip folded lines that do not parse, reporting each through `onWarning`, instead of failing. */
  skipBadLines?: boolean;
  /**
   * Folded stacks: what the line in a label `name (file:line)` is. `start` (tsprof's, the default): where the
   * function starts, so each distinct line is a function. `executing` (py-spy's, which puts the current line
   * on every frame): the line running, so frames are functions by name and file, and the innermost frame's
   * line is the sample's executing line (callers' lines are dropped).
   */
  foldedLines?: 'start' | 'executing';
  /** Receives one message per recoverable problem (such as a skipped line). */
  onWarning?: (message: string) => void;
}
