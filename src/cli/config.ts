import type { RecordPidOptions } from './commands/record-pid.js';
import type { RecordOptions } from './commands/record.js';
import type { TopOptions } from './commands/top.js';
import { UserError } from './errors.js';
import { parseOutputFormat, recordingFormat } from './format-names.js';
import { CPU_OUTPUT_FORMATS, FORMATS, formatOfName } from '../model/formats.js';
import { DEFAULT_HEAP_INTERVAL_BYTES } from '../model/sampling.js';
import type { HeapSettings } from '../preload/agent-protocol.cjs';

/**
 * The commands that run or attach to programs (record, top), configured as data: commander's options in,
 * one plain, validated object out, so that every rule about which options go together is here, once, and
 * is tested without starting a process (test/config.test.ts).
 */

/** What commander gives `record`: its options as a started command takes them, --pid, and -f's name. */
export type RecordArguments = Omit<RecordOptions, 'format' | 'heap'> & {
  pid?: number;
  format?: string;
  heap?: HeapSettings['kind'];
  heapInterval?: number;
};

export type RecordConfig = { target: 'pid'; pid: number; options: RecordPidOptions } | { target: 'command'; command: string[]; options: RecordOptions };

const BOTH_TARGETS = 'give either --pid or a command after --, not both';

export function recordConfig(command: string[], args: RecordArguments): RecordConfig {
  const { format: formatName, pid, heap: heapKind, heapInterval, ...rest } = args;
  const format = formatName !== undefined ? parseOutputFormat(formatName, CPU_OUTPUT_FORMATS) : undefined;
  // A CPU recording named for a memory-only format (x.heapprofile) is refused before anything runs.
  const named = args.output !== undefined && args.output !== '-' ? formatOfName(args.output, 'output') : undefined;
  if (!format && named && !CPU_OUTPUT_FORMATS.includes(named)) {
    throw new UserError(`${args.output}: a CPU recording is not written as ${FORMATS[named].description}; choose one of ${CPU_OUTPUT_FORMATS.join(', ')}`);
  }
  if (heapInterval !== undefined && heapKind === undefined) throw new UserError('--heap-interval: only with --heap');
  if (heapKind !== undefined && args.output === '-') {
    throw new UserError('--heap writes the memory profile beside the CPU profile, in a file of its own: give -o a file name, not -');
  }
  const heap = heapKind !== undefined ? { heap: { kind: heapKind, intervalBytes: heapInterval ?? DEFAULT_HEAP_INTERVAL_BYTES } } : {};
  // The one place a recording's format is worked out: before anything runs, so an unknown ending costs nothing.
  const writtenAs = recordingFormat(args.output, format);
  if (rest.lines && writtenAs !== 'folded') throw new UserError(`--lines: only for folded stacks (-f folded), not ${writtenAs}`);
  if (pid === undefined) return { target: 'command', command, options: { ...rest, ...heap, format: writtenAs } };
  if (command.length > 0) throw new UserError(BOTH_TARGETS);
  const spawnOnly = [
    rest.killAfter && '--kill-after',
    !rest.subprocesses && '--no-subprocesses',
    rest.processFilter !== undefined && '--process-filter',
    rest.sampler !== 'inspector' && '--sampler',
    rest.tmpDir !== undefined && '--tmp-dir',
    rest.otherUsers && '--other-users',
  ].filter(Boolean);
  if (spawnOnly.length > 0) throw new UserError(`${spawnOnly.join(', ')}: only for a command that tsprof starts, not with --pid`);
  const { rate, output, duration, idle, open, sourceMaps, lines, sources } = rest;
  return {
    target: 'pid',
    pid,
    options: {
      rate,
      sourceMaps,
      ...heap,
      ...(output !== undefined ? { output } : {}),
      ...(duration !== undefined ? { duration } : {}),
      ...(idle ? { idle } : {}),
      ...(lines ? { lines } : {}),
      ...(sources === false ? { sources } : {}),
      ...(open ? { open } : {}),
      format: writtenAs,
    },
  };
}

/** `top` watches a process (--pid) or a command it starts, never both, never neither. */
export function topConfig(command: string[], options: TopOptions): { command: string[]; options: TopOptions } {
  if (options.pid !== undefined && command.length > 0) throw new UserError(BOTH_TARGETS);
  if (options.pid === undefined && command.length === 0) throw new UserError('give --pid PID, or the command to run after --, e.g. tsprof top -- node app.js');
  return { command, options };
}
