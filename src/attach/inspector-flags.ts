import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { isLoopbackHost } from './listening-ports.js';

/**
 * What a running Node process was told about its inspector, read from its command line and its NODE_OPTIONS
 * (in /proc): whether the inspector is open from the start (`--inspect`, `--inspect-brk`, `--inspect-wait`),
 * on which host and port SIGUSR1 would open it (`--inspect-port`), and whether SIGUSR1 may (`--disable-sigusr1`). tsprof reads this before it sends
 * SIGUSR1, so that it never opens an inspector on an address other than the loopback.
 */
export interface InspectorFlags {
  /** The inspector was opened at startup. */
  openAtStart: boolean;
  /** The host it listens (or would listen) on; Node's default is 127.0.0.1. */
  host: string;
  /** The port it listens (or would listen) on; 0 = any free port; Node's default is 9229. */
  port: number;
  /**
   * The process rewrote its command line (`process.title`, as pm2 and many servers set it): its options
   * cannot be read, so where SIGUSR1 would open the inspector is unknown.
   */
  commandLineRewritten?: boolean;
  /** `--disable-sigusr1` (Node 22.14+ and 23.7+): SIGUSR1 does nothing, so it cannot open the inspector. */
  sigusr1Disabled?: boolean;
}

/** Options that open the inspector at start; their `[host:]port` comes only after `=`. */
const OPENING_FLAGS = ['--inspect', '--inspect-brk', '--inspect-wait'];
/** Options that set where SIGUSR1 opens it; their value comes after `=` or as the next argument. */
const PORT_FLAGS = ['--inspect-port', '--debug-port'];
/** Node options that take the next argument as their value, so that value is not the script. */
const OPTIONS_WITH_VALUE = new Set([
  ...PORT_FLAGS,
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-e',
  '--eval',
  '-p',
  '--print',
  '--title',
  '--input-type',
  '-C',
  '--conditions',
]);

export function readInspectorFlags(pid: number, procRoot = '/proc'): InspectorFlags {
  const argv = readNulSeparated(`${procRoot}/${pid}/cmdline`);
  const environment = readNulSeparated(`${procRoot}/${pid}/environ`);
  const nodeOptions = environment.find((entry) => entry.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length) ?? '';
  // NODE_OPTIONS first: options on the command line win over it, as in Node.
  const flags = parseInspectorFlags([...nodeOptions.split(/\s+/).filter(Boolean), ...nodeOptionsOf(argv.slice(1))]);
  // Where the script begins depends on every option Node knows; should an option with a value unknown here
  // hide an inspector option behind it, a host beyond the loopback anywhere on the command line still counts.
  const anywhere = parseInspectorFlags(argv.slice(1));
  const checked = isLoopbackHost(flags.host) && !isLoopbackHost(anywhere.host) ? { ...flags, host: anywhere.host, port: anywhere.port } : flags;
  return commandLineRewritten(pid, argv, procRoot) ? { ...checked, commandLineRewritten: true } : checked;
}

/** Node's command line starts with the program Node runs as; after `process.title = ...` it does not. */
function commandLineRewritten(pid: number, argv: string[], procRoot: string): boolean {
  let executable: string;
  try {
    executable = basename(readlinkSync(`${procRoot}/${pid}/exe`));
  } catch {
    return false; // a fake /proc in tests, or gone: the command line is all there is
  }
  return argv.length === 0 || basename(argv[0]!.trimEnd()) !== executable;
}

/** The options given to Node itself: everything before the script (or the end of `-e code`). */
function nodeOptionsOf(args: string[]): string[] {
  const options: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') break;
    options.push(arg);
    if (OPTIONS_WITH_VALUE.has(arg)) {
      if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') break;
      i++;
    }
  }
  return options;
}

export function parseInspectorFlags(options: string[]): InspectorFlags {
  const flags: InspectorFlags = { openAtStart: false, host: '127.0.0.1', port: 9229 };
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    const equals = option.indexOf('=');
    const name = equals === -1 ? option : option.slice(0, equals);
    let value = equals === -1 ? undefined : option.slice(equals + 1);
    if (name === '--disable-sigusr1') flags.sigusr1Disabled = true;
    const opens = OPENING_FLAGS.includes(name);
    if (!opens && !PORT_FLAGS.includes(name)) continue;
    if (opens) flags.openAtStart = true;
    else if (value === undefined && i + 1 < options.length) value = options[++i]; // `--inspect-port 0.0.0.0:0`
    if (value !== undefined) Object.assign(flags, parseHostPort(value, flags));
  }
  return flags;
}

/** `9230`, `0.0.0.0`, `0.0.0.0:9230` or `[::1]:9230`, as Node reads them. */
function parseHostPort(value: string, current: InspectorFlags): { host: string; port: number } {
  if (/^\d+$/.test(value)) return { host: current.host, port: Number(value) };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] !== undefined ? Number(bracketed[2]) : current.port };
  const colon = value.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(value.slice(colon + 1)) && !value.slice(0, colon).includes(':')) {
    return { host: value.slice(0, colon), port: Number(value.slice(colon + 1)) };
  }
  return { host: value, port: current.port };
}

function readNulSeparated(path: string): string[] {
  try {
    return readFileSync(path, 'latin1').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}
