import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { readProfileInput, writeOutput, type ProfileInputOptions } from '../io.js';
import { chooseOutputFormat, type OutputFormat } from '../format-names.js';
import { renderProfile } from '../output-formats.js';
import { checkOutputFolder } from '../output-folder.js';
import { UserError } from '../errors.js';
import { importedSources, profileTakenAt } from '../source-lines.js';

export interface ConvertOptions extends ProfileInputOptions {
  output: string;
  format?: OutputFormat;
  /** Folded stacks labelled with the executing line of each innermost frame. */
  lines?: boolean;
  /** The page: the source of hot functions, from the current folder or `--sources DIR`; `--no-sources` leaves it out. */
  sources?: string | boolean;
}

/** `tsprof convert <input> -o <output>`: read any supported profile (file or address), write it in another format. */
export async function convertCommand(input: string, options: ConvertOptions, warn: (message: string) => void): Promise<void> {
  const format = chooseOutputFormat(options.output, options.format);
  checkOutputFolder(options.output);
  const { profile, fetched, name } = await readProfileInput(input, options, warn);
  const title = profile.meta.command ?? (fetched || input === '-' ? name : basename(input));
  const recordedAt = input === '-' ? undefined : fetched ? new Date() : statSync(input).mtime;
  if (options.lines && format !== 'folded') throw new UserError(`--lines: only for folded stacks (-f folded), not ${format}`);
  const context = {
    cwd: process.cwd(),
    title,
    outputName: options.output,
    ...(recordedAt ? { recordedAt } : {}),
    ...(options.lines ? { lines: true } : {}),
  };
  const takenAt = profileTakenAt(profile, recordedAt?.getTime());
  const sources =
    options.sources === false || format !== 'html'
      ? false
      : importedSources(
          {
            fetched,
            cwd: context.cwd,
            ...(typeof options.sources === 'string' ? { sourcesDir: options.sources } : {}),
            ...(takenAt !== undefined ? { takenAt } : {}),
          },
          warn,
        );
  writeOutput(options.output, renderProfile(profile, format, { ...context, sources }));
  for (const note of sources ? sources.notes() : []) warn(note);
}
