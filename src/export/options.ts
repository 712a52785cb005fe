export interface ExportOptions {
  /** Paths inside this folder are shown relative to it (folded labels, the report, the page). */
  cwd: string;
  /**
   * Folded stacks: label each stack's innermost frame with the line that was executing (`name (file:line)`),
   * so that flamegraph.pl draws a tower per line, as py-spy's --lines does. Default: one frame per function.
   */
  lines?: boolean;
}
