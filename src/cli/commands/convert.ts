import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { readProfileFile, writeOutput } from '../io.js';
import { chooseOutputFormat, type OutputFormat } from '../format-names.js';
import { renderProfile } from '../output-formats.js';

export interface ConvertOptions {
  output: string;
  format?: OutputFormat;
  idle?: boolean;
  skipBadLines?: boolean;
  /** Map compiled frames back to their sources (default true). */
  sourceMaps?: boolean;
}

/** `tsprof convert <input> -o <output>`: read any supported profile, write it in another format. */
export function convertCommand(input: string, options: ConvertOptions, warn: (message: string) => void): void {
  const format = chooseOutputFormat(options.output, options.format);
  const { profile } = readProfileFile(input, {
    keepIdle: options.idle ?? false,
    skipBadLines: options.skipBadLines ?? false,
    sourceMaps: options.sourceMaps ?? true,
    onWarning: (message) => warn(`${input}: ${message}`),
  });
  const title = profile.meta.command ?? (input === '-' ? 'stdin' : basename(input));
  const recordedAt = input === '-' ? undefined : statSync(input).mtime;
  writeOutput(options.output, renderProfile(profile, format, { cwd: process.cwd(), title, outputName: options.output, ...(recordedAt ? { recordedAt } : {}) }));
}
