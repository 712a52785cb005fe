import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { ChalkInstance } from 'chalk';
import { TSPROF_VERSION } from '../version.js';
import { UserError } from './errors.js';
import { recordConfig, topConfig, type RecordArguments } from './config.js';
import { AttachError } from '../attach/attach-error.js';
import { CPU_OUTPUT_FORMATS } from '../model/formats.js';
import { DIFF_FORMAT_NAMES, OUTPUT_FORMATS, parseOutputFormat, REPORT_FORMAT_NAMES, type DiffFormatName, type ReportFormatName } from './format-names.js';
import { colorsFor, visible } from './terminal.js';
import type { ProfileInputOptions } from './io.js';
import { DEFAULT_RATE_HZ, MAX_HEAP_INTERVAL_BYTES, MAX_RATE_HZ } from '../model/sampling.js';
import { formatCount } from '../model/format-count.js';

/**
 * The command line: parses argv, runs one command, and is the one place that prints errors and sets the
 * exit status (0 done, 2 the user's input or options are wrong, 1 a bug in tsprof). Commands are loaded
 * only when chosen.
 */
export async function main(argv: string[]): Promise<void> {
  const stderrColors = colorsFor(process.stderr);
  // Messages quote file names, frames and command lines: control characters in them are shown, not obeyed.
  const warn = (message: string) => process.stderr.write(`${stderrColors.yellow('tsprof: warning:')} ${visible(message)}\n`);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // The reader of a pipe went away (`tsprof ... | head`): what is left to write goes nowhere, quietly, as
    // with other Unix tools; the command finishes and exits as usual.
    if (error.code !== 'EPIPE') throw error;
    process.stdout.destroy();
  });

  const program = buildProgram(warn, stderrColors);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof UserError || error instanceof AttachError) {
      process.stderr.write(`${stderrColors.red('tsprof: error:')} ${visible(error.message)}\n`);
      process.exitCode = error instanceof UserError ? error.exitCode : 2;
      return;
    }
    process.stderr.write(`${stderrColors.red('tsprof: internal error (a bug in tsprof, please report it):')}\n${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a number above 0');
  return number;
}

function nonNegativeNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError('expected a number of 0 or more');
  return number;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return number;
}

/** Commander's error text in one line: `unknown command 'reocrd' (did you mean record?)`. */
function oneLineUsageError(text: string): string {
  return text
    .replace(/^error: /, '')
    .trim()
    .replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ');
}

/** A sampling rate V8 can deliver: a whole number of samples per second up to MAX_RATE_HZ. */
function samplingRate(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > MAX_RATE_HZ) {
    throw new InvalidArgumentError(`expected a whole number of samples per second from 1 to ${formatCount(MAX_RATE_HZ)} (V8 cannot sample faster)`);
  }
  return number;
}

/** A number of bytes, as `--heap-interval` takes it: `65536`, `64k`, `1m` (KiB and MiB). */
function byteCount(value: string): number {
  const match = /^(\d+)\s*(k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
  const bytes = match ? Number(match[1]) * (match[2] ? (match[2][0]!.toLowerCase() === 'k' ? 1024 : 1024 * 1024) : 1) : NaN;
  if (!(bytes >= 1 && bytes <= MAX_HEAP_INTERVAL_BYTES)) throw new InvalidArgumentError(`expected a number of bytes from 1 to 1g, e.g. 65536, 64k or 1m`);
  return bytes;
}

/** The options of every command that reads profile files (convert, report, diff). */
function withProfileInputOptions(command: Command): Command {
  return command
    .option('--idle', "keep V8's (idle) samples (time the event loop waited)")
    .option('--skip-bad-lines', 'skip folded lines that do not parse, with a warning, instead of failing')
    .addOption(
      new Option(
        '--folded-lines <which>',
        "folded input: the line in a label is where the function starts (start, tsprof's) or the line that was running (executing, py-spy's)",
      ).choices(['start', 'executing']),
    )
    .option('--no-source-maps', 'show compiled JavaScript frames as they ran, not mapped back to their sources')
    .option(
      '-H, --header <header>',
      'for inputs that are http(s) addresses: a request header, "Name: value" (repeatable; TSPROF_TOKEN is sent as a bearer token)',
      (value: string, all: string[] = []) => [...all, value],
    );
}

export function buildProgram(warn: (message: string) => void, stderrColors: ChalkInstance): Command {
  const program = new Command('tsprof')
    .description('Sampling profiler and flamegraph tool for Node.js and TypeScript')
    .version(TSPROF_VERSION, '-V, --version')
    .exitOverride()
    .enablePositionalOptions()
    // Usage errors in one line, with the hint, as every other error of tsprof's.
    .configureOutput({ outputError: (text, write) => write(`tsprof: error: ${oneLineUsageError(text)} (run with --help for usage)\n`) })
    .addHelpText(
      'after',
      `
Examples:
  $ tsprof record -- node app.js                  # a flamegraph page of every process and thread it starts
  $ tsprof record -o - -f folded -- npm test | flamegraph.pl > test.svg
  $ tsprof top --pid 4242                         # what a running process does now
  $ tsprof report app.cpuprofile                  # the hottest functions of any profile
  $ tsprof diff before/ after/ --fail-on-regression 10
  $ tsprof convert app.cpuprofile -o app.speedscope.json

Run tsprof <command> --help for a command's options.`,
    );

  program
    .command('record')
    .description('run a command and profile every Node.js process and worker thread it starts')
    .argument('[command...]', 'the command to run, after --')
    .passThroughOptions()
    .option('-p, --pid <pid>', 'profile this running Node.js process instead of starting a command', positiveInteger)
    .option('-r, --rate <hz>', `samples per second, up to ${formatCount(MAX_RATE_HZ)}`, samplingRate, DEFAULT_RATE_HZ)
    .option('-o, --output <file>', 'file to write (- for folded text on stdout); default: tsprof-<program>-<date>-<time>.html')
    .addOption(new Option('-f, --format <format>', 'output format (default: from the output file name, else html)').choices(CPU_OUTPUT_FORMATS))
    .option('-d, --duration <seconds>', 'stop sampling after this many seconds and write the profile; the command goes on', positiveNumber)
    .option('--kill-after', 'with --duration: send the command SIGTERM once the profile is written')
    .option('--idle', "keep V8's (idle) samples (time the event loop waited)")
    .option('--open', 'open the written file (the flamegraph page) when done')
    .option('--no-subprocesses', 'profile only the process the command starts, not the processes it starts')
    .option('--process-filter <text>', 'keep only the processes whose command line (or pid) contains this text')
    .addOption(
      new Option('--sampler <sampler>', "what drives V8's profiler: node:inspector, or the optional v8-profiler-next addon")
        .choices(['inspector', 'v8-profiler-next'])
        .default('inspector'),
    )
    .option('--no-source-maps', 'show compiled JavaScript frames as they ran, not mapped back to TypeScript (or other) sources')
    .option('--tmp-dir <dir>', "folder for tsprof's session files while recording (default: $TSPROF_TMPDIR, else the system's temp folder)")
    .option(
      '--other-users',
      'let processes of the command that run as another user say they were not profiled (tsprof then makes a folder any user may write to)',
    )
    .addOption(
      new Option(
        '--heap [which]',
        'profile memory too, written beside the CPU profile (x.heap.html): every sampled allocation (allocated, the default: GC pressure) ' +
          'or what is still in use at the end (inuse: leaks)',
      )
        .choices(['allocated', 'inuse'])
        .preset('allocated'),
    )
    .option('--heap-interval <bytes>', 'with --heap: sample one allocation per this many bytes allocated, on average (default 512k)', byteCount)
    .option('--lines', "folded stacks: label each stack's innermost frame with the line that was executing (a tower per line in flamegraph.pl)")
    .option('--no-sources', "the page: leave out the source of the hot functions (the panel's hot lines), for a page that will be shared")
    .addHelpText(
      'after',
      `
Examples:
  $ tsprof record -- node app.js                         # writes tsprof-app-<date>-<time>.html
  $ tsprof record -r 1000 -o build.html -- npm run build
  $ tsprof record -f folded -o - -- node app.js | flamegraph.pl > app.svg
  $ tsprof record --duration 30 -o server.html -- tsx src/server.ts
  $ tsprof record --pid 4242 --duration 30               # a running process, through its inspector
  $ tsprof record --heap -- node app.js                  # also writes tsprof-app-<date>-<time>.heap.html

The profile is written however the command ends (exit, exception, Ctrl-C, SIGTERM); tsprof exits with the
command's own status, or 128 + the signal that ended it. The command's output is left as it is, except with
-o -, where its stdout goes to stderr so the pipe carries only the profile.

With --pid, tsprof opens the process's inspector (SIGUSR1, on 127.0.0.1 only), samples every thread until
--duration, Ctrl-C or the process's end, and closes the inspector again (one that was open already stays open).`,
    )
    .action(async (command: string[], options: RecordArguments) => {
      const config = recordConfig(command, options);
      if (config.target === 'pid') {
        const { recordPidCommand } = await import('./commands/record-pid.js');
        process.exitCode = await recordPidCommand(config.pid, config.options, { colors: stderrColors, warn });
        return;
      }
      const { recordCommand } = await import('./commands/record.js');
      process.exitCode = await recordCommand(config.command, config.options, { colors: stderrColors, warn });
    });

  program
    .command('top')
    .description('live view of the hottest functions of a running Node.js process or of a command, like py-spy top')
    .argument('[command...]', 'the command to run, after --')
    .passThroughOptions()
    .option('-p, --pid <pid>', 'watch this running Node.js process', positiveInteger)
    .option('-r, --rate <hz>', `samples per second, up to ${formatCount(MAX_RATE_HZ)}`, samplingRate, DEFAULT_RATE_HZ)
    .addOption(new Option('--by <column>', 'order by own time (self) or inclusive time (total)').choices(['self', 'total']).default('self'))
    .option('-w, --window <seconds>', 'how many of the last seconds the view sums', positiveInteger, 5)
    .option('-d, --duration <seconds>', 'stop after this many seconds', positiveNumber)
    .addHelpText(
      'after',
      `
Examples:
  $ tsprof top --pid 4242
  $ tsprof top -- node server.js
  $ tsprof top --pid 4242 --duration 10 > snapshots.txt   # no terminal: a plain snapshot every second

On a terminal: full screen, refreshed every second; s sorts by self, t by total, q or Ctrl-C quits (which
ends a command tsprof started as Ctrl-C would; an attached process goes on running). While the screen is
up the keyboard is tsprof's, so a started command reads an empty stdin.`,
    )
    .action(async (command: string[], options: { pid?: number; rate: number; by: 'self' | 'total'; window: number; duration?: number }) => {
      const config = topConfig(command, options);
      const { topCommand } = await import('./commands/top.js');
      process.exitCode = await topCommand(config.command, config.options, { colors: colorsFor(process.stdout), warn });
    });

  program
    .command('dump')
    .description('print the JavaScript stack each thread of a running Node.js process is in right now')
    .requiredOption('-p, --pid <pid>', 'the Node.js process', positiveInteger)
    .addHelpText(
      'after',
      `
Examples:
  $ tsprof dump --pid 4242        # where is it stuck?

One frame per line, innermost first; a thread waiting in the event loop is reported as idle. The process
goes on running; an inspector tsprof had to open (SIGUSR1, on 127.0.0.1) is closed again.`,
    )
    .action(async (options: { pid: number }) => {
      const { dumpCommand } = await import('./commands/dump.js');
      await dumpCommand(options.pid, colorsFor(process.stdout), warn);
    });

  withProfileInputOptions(
    program
      .command('diff')
      .description('compare two profiles: which functions got slower or faster, and is it beyond sampling noise')
      .argument('<before>', 'profile (or folder of profiles: several runs) of the old version')
      .argument('<after>', 'profile (or folder of profiles) of the new version')
      .addOption(
        new Option(
          '-f, --format <format>',
          'table, folded (stack before after, for flamegraph.pl), html (differential flamegraph), json or markdown (for a pull request or CI summary) ' +
            '(default: from -o, else table)',
        ).choices(DIFF_FORMAT_NAMES),
      )
      .option('-o, --output <file>', 'file to write (- for stdout)', '-')
      .option(
        '--fail-on-regression <percent>',
        "exit with status 1 when a function's share of own time grew significantly by more than this many percent",
        nonNegativeNumber,
      )
      .option(
        '--min-share <percent>',
        'leave out functions with less than this share of the samples in both profiles (table and --fail-on-regression)',
        nonNegativeNumber,
        0.5,
      )
      .option('-n, --top <count>', 'rows per table (regressed and improved functions are always shown)', positiveInteger, 15)
      .option('--no-normalize', 'folded: keep raw counts instead of scaling the before counts to the after total')
      .option('--lines', 'compare own time by the line that was executing, so a regression points at its line (table, json, markdown)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ tsprof diff before.cpuprofile after.cpuprofile
  $ tsprof diff runs/v1.4/ runs/v1.5/                   # folders: several runs per version, pooled
  $ tsprof diff -f folded before.folded after.folded | flamegraph.pl > diff.svg
  $ tsprof diff before.cpuprofile after.cpuprofile -o diff.html   # red: grew, blue: shrank
  $ tsprof diff base.cpuprofile pr.cpuprofile --fail-on-regression 10 --min-share 1   # a CI gate
  $ tsprof diff base/ pr/ -f markdown >> "$GITHUB_STEP_SUMMARY"                       # a CI job summary
  $ tsprof diff base.cpuprofile pr.cpuprofile --lines                                 # which line got slower

Shares of the samples are compared, so profiles of different lengths compare fairly (record both at the
same rate: V8's sampler can shift shares between rates). A function is regressed or improved only when the
change is beyond noise: a two-proportion test whose variance allows for bursts and for the spread between
runs, corrected for testing every function at once (Holm, 5% chance of any false finding). Folders of 3 or
more runs per side find much smaller changes than one run each.`,
    )
    .action(
      async (
        before: string,
        after: string,
        options: {
          format?: string;
          output: string;
          failOnRegression?: number;
          minShare: number;
          top: number;
          normalize: boolean;
          lines?: boolean;
        } & ProfileInputOptions,
      ) => {
        const { diffCommand } = await import('./commands/diff.js');
        const { format, ...rest } = options;
        process.exitCode = await diffCommand(
          before,
          after,
          { ...rest, ...(format ? { format: format as DiffFormatName } : {}) },
          { colors: colorsFor(process.stdout), stderrColors, warn },
        );
      },
    );

  withProfileInputOptions(
    program
      .command('report')
      .description('print the hottest functions of a profile')
      .argument('<input>', 'profile to read: .cpuprofile, speedscope JSON, folded stacks or pprof (- for stdin)')
      .option('-n, --top <count>', 'how many functions (or lines) to show', positiveInteger, 20)
      .option('--lines', 'the hottest lines instead of functions: own time by the line that was executing, with its source')
      .option('--list <regex>', "each matching function's source with the own time of each line (as go tool pprof -list)")
      .option('--sources <dir>', 'with --lines or --list: read source files under this folder (default: the current folder; no other file is read)')
      .addOption(new Option('--by <column>', 'order by own time (self) or inclusive time (total)').choices(['self', 'total']).default('self'))
      .addOption(
        new Option('-f, --format <format>', 'table, or markdown (for a pull request, a CI job summary or an assistant: with the hottest paths)')
          .choices(REPORT_FORMAT_NAMES)
          .default('table'),
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ tsprof report app.cpuprofile
  $ tsprof report app.cpuprofile --by total --top 10
  $ tsprof report app.cpuprofile -f markdown >> "$GITHUB_STEP_SUMMARY"
  $ tsprof report app.cpuprofile --lines                  # which line of the hot function costs the time
  $ tsprof report app.cpuprofile --list '^parse'          # the source of each parse... function, cost per line`,
    )
    .action(
      async (
        input: string,
        options: {
          format: ReportFormatName;
          top: number;
          by: 'self' | 'total';
          lines?: boolean;
          list?: string;
          sources?: string;
        } & ProfileInputOptions,
      ) => {
        const { reportCommand } = await import('./commands/report.js');
        await reportCommand(input, options, colorsFor(process.stdout), warn);
      },
    );

  withProfileInputOptions(
    program
      .command('convert')
      .description('convert a profile to another format (flamegraph HTML, folded, speedscope, cpuprofile, pprof)')
      .argument('<input>', 'profile to read: .cpuprofile, speedscope JSON, folded stacks or pprof (- for stdin)')
      .requiredOption('-o, --output <file>', 'file to write (- for stdout); required')
      .addOption(new Option('-f, --format <format>', 'output format (default: from the output file name)').choices(OUTPUT_FORMATS))
      .option('--lines', "folded stacks: label each stack's innermost frame with the line that was executing (a tower per line in flamegraph.pl)")
      .option('--sources <dir>', "the page: read the hot functions' source files under this folder (default: the current folder; no other file is read)")
      .option('--no-sources', "the page: leave out the source of the hot functions (the panel's hot lines), for a page that will be shared"),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ node --cpu-prof --cpu-prof-name=app.cpuprofile app.js
  $ tsprof convert app.cpuprofile -o app.html          # flamegraph page, opens offline
  $ tsprof convert app.cpuprofile -o - | flamegraph.pl > app.svg
  $ tsprof convert py-spy.folded -o profile.speedscope.json`,
    )
    .action(
      async (
        input: string,
        options: {
          output: string;
          format?: string;
          lines?: boolean;
          sources?: string | false;
        } & ProfileInputOptions,
      ) => {
        const { convertCommand } = await import('./commands/convert.js');
        const { format, ...rest } = options;
        await convertCommand(input, { ...rest, ...(format ? { format: parseOutputFormat(format) } : {}) }, warn);
      },
    );

  return program;
}
