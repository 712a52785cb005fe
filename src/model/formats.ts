/**
 * Every profile format tsprof reads or writes, in one table: its name (as `-f` takes it), the file endings
 * that name it, the ending tsprof gives the files it writes, and whether it can be read, written or both.
 * Everything that needs these facts asks here: detecting an input by its name, choosing an output by its
 * name, record's default file name, the files a folder of runs holds, the messages that list them.
 *
 * The reader of each readable format is in import/index.ts (`READERS`) and the writer of each writable one in
 * cli/output-formats.ts (`WRITERS`), each a table typed by these names: a format added here and not there
 * does not compile. Adding a format: its line here, its importer or writer, and its entry in those tables.
 */

import type { WeightUnit } from './profile.js';

interface FormatFacts {
  /** What the format is, for messages and help. */
  description: string;
  /** Endings that name it. */
  endings: readonly string[];
  /** Endings that name it only as an output (`-o x.json`): an input ending so is read by its content. */
  outputEndings?: readonly string[];
  /** The ending tsprof gives files it writes in this format. */
  written: string;
  reads: boolean;
  writes: boolean;
  /** What its weights can be, when not anything: a .cpuprofile holds CPU samples, a .heapprofile bytes. */
  holds?: readonly WeightUnit[];
}

export const FORMATS = {
  html: { description: 'flamegraph page', endings: ['.html', '.htm'], written: '.html', reads: false, writes: true },
  folded: { description: 'folded stacks', endings: ['.folded', '.collapsed', '.stacks', '.txt'], written: '.folded', reads: true, writes: true },
  speedscope: {
    description: 'speedscope JSON',
    endings: ['.speedscope.json', '.speedscope'],
    outputEndings: ['.json'],
    written: '.speedscope.json',
    reads: true,
    writes: true,
  },
  cpuprofile: {
    description: 'V8 .cpuprofile',
    endings: ['.cpuprofile'],
    written: '.cpuprofile',
    reads: true,
    writes: true,
    holds: ['samples', 'microseconds'],
  },
  heapprofile: {
    description: 'V8 .heapprofile (sampled allocations, bytes)',
    endings: ['.heapprofile'],
    written: '.heapprofile',
    reads: true,
    writes: true,
    holds: ['bytes'],
  },
  pprof: { description: 'pprof (profile.proto)', endings: ['.pb.gz', '.pb', '.pprof'], written: '.pb.gz', reads: true, writes: true },
} as const satisfies Record<string, FormatFacts>;

export type FormatName = keyof typeof FORMATS;
/** Formats tsprof writes (`-f`). */
export type OutputFormat = { [F in FormatName]: (typeof FORMATS)[F]['writes'] extends true ? F : never }[FormatName];
/** Formats tsprof reads. */
export type InputFormat = { [F in FormatName]: (typeof FORMATS)[F]['reads'] extends true ? F : never }[FormatName];

const names = Object.keys(FORMATS) as FormatName[];
export const OUTPUT_FORMATS = names.filter((name) => FORMATS[name].writes) as OutputFormat[];
export const INPUT_FORMATS = names.filter((name) => FORMATS[name].reads) as InputFormat[];
/** The formats a profile whose weights are `unit` can be written in. */
export function outputFormatsFor(unit: WeightUnit): OutputFormat[] {
  return OUTPUT_FORMATS.filter((name) => formatHolds(name, unit));
}

export function formatHolds(format: FormatName, unit: WeightUnit): boolean {
  const facts: FormatFacts = FORMATS[format];
  return facts.holds === undefined || facts.holds.includes(unit);
}

/** Formats a CPU recording can be written in. */
export const CPU_OUTPUT_FORMATS = outputFormatsFor('samples');

/** The format a file name names, among those read (`input`) or written (`output`); the longest ending wins. */
export function formatOfName(fileName: string, direction: 'input' | 'output'): FormatName | undefined {
  const lower = fileName.toLowerCase();
  let best: { name: FormatName; length: number } | undefined;
  for (const name of names) {
    const facts = FORMATS[name];
    if (direction === 'input' ? !facts.reads : !facts.writes) continue;
    const endings = direction === 'output' && 'outputEndings' in facts ? [...facts.endings, ...facts.outputEndings] : facts.endings;
    for (const ending of endings) if (lower.endsWith(ending) && ending.length > (best?.length ?? 0)) best = { name, length: ending.length };
  }
  return best?.name;
}

/** JSON files of any name may hold a profile (.cpuprofile or speedscope): their content says which. */
const JSON_ENDING = '.json';

/** Whether a file's name says it may hold a profile tsprof reads (the files of a folder of runs). */
export function mayHoldProfile(fileName: string): boolean {
  return formatOfName(fileName, 'input') !== undefined || fileName.toLowerCase().endsWith(JSON_ENDING);
}

/** The endings of the files tsprof reads, for messages: `.folded, .collapsed, ..., .json`. */
export function readableEndings(): string[] {
  return [...INPUT_FORMATS.flatMap((name) => [...FORMATS[name].endings]), JSON_ENDING];
}
