export interface ExportOptions {
  /** Paths inside this folder are shown relative to it (folded labels, the report, the page). */
  cwd: string;
}
