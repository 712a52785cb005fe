import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Text from a profile or a command line, made safe to print: control characters (C0, DEL, C1) and the
 * Unicode marks that reorder text on screen become visible escapes (`\x1b`, `\u202e`), so a frame name can
 * neither move the cursor, retitle the terminal, clear the screen nor hide what follows it.
 */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Colour only for a terminal, never when NO_COLOR is set (https://no-color.org); FORCE_COLOR turns it on
 * regardless, for tests and CI logs.
 */
export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const enabled = forced || (Boolean(stream.isTTY) && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb');
  return new Chalk({ level: enabled ? 1 : 0 });
}
