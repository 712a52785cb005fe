import { basename, extname } from 'node:path';
import { FORMATS, formatHolds, type OutputFormat } from '../model/formats.js';

/**
 * The file name `record` uses when -o is absent: `tsprof-<program>-<YYYYMMDD>-<HHMMSS>.<ext>`, where the
 * program is the script Node runs (`node app.js` -> app), else the command's own name (`npm` -> npm); the
 * `attempt`th name (`...-<HHMMSS>-2.<ext>`) when the first ones are taken.
 */
export function defaultOutputName(command: readonly string[], format: OutputFormat, now: Date, attempt = 1): string {
  const program = basename(command[0] ?? 'node');
  const script = /^node(js)?(\.exe)?$/.test(program) ? command.slice(1).find((arg) => !arg.startsWith('-')) : undefined;
  const name = basename(script ?? program, extname(script ?? program)).replace(/[^\w.-]+/g, '_') || 'profile';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `tsprof-${name}-${stamp}${attempt > 1 ? `-${attempt}` : ''}${FORMATS[format].written}`;
}

/**
 * Where record --heap writes the memory profile: beside the CPU profile, `.heap` before its ending
 * (`app.html` -> `app.heap.html`), in the same format where that format holds bytes, else as a .heapprofile
 * (`app.cpuprofile` -> `app.heap.heapprofile`); the `attempt`th name (`app-2.heap.html`) when the first ones are taken.
 */
export function heapOutputName(cpuOutput: string, cpuFormat: OutputFormat, attempt = 1): { path: string; format: OutputFormat } {
  const format = formatHolds(cpuFormat, 'bytes') ? cpuFormat : 'heapprofile';
  const facts = FORMATS[cpuFormat];
  const endings = [...facts.endings, ...('outputEndings' in facts ? facts.outputEndings : [])].sort((a, b) => b.length - a.length);
  const ending = endings.find((candidate) => cpuOutput.toLowerCase().endsWith(candidate));
  const stem = ending ? cpuOutput.slice(0, -ending.length) : cpuOutput;
  const heapEnding = format === cpuFormat && ending ? cpuOutput.slice(-ending.length) : FORMATS[format].written;
  return { path: `${stem}${attempt > 1 ? `-${attempt}` : ''}.heap${heapEnding}`, format };
}
