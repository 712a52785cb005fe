/**
 * How the flamegraph page's big integer columns (stack table, samples, times) travel in its JSON block:
 * unsigned LEB128 varints, signed values zigzag-coded first, then base64. A million samples of plain JSON
 * numbers cost 8 to 12 bytes each; this costs 1 to 4. The writer (Node) and the page (browser) both use this
 * module, so the encoding is written once; base64 is left to each side (Buffer there, atob here).
 */

/** The largest value a varint here holds: 8 bytes of 7 bits. */
export const MAX_VARINT = 2 ** 53 - 1;

/** `values` (integers from 0 to MAX_VARINT; anything else throws) as varints. */
export function encodeVarints(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    let value = values[i]!;
    if (!(Number.isInteger(value) && value >= 0 && value <= MAX_VARINT)) throw new RangeError(`cannot encode ${value} as a varint`);
    while (value >= 0x80) {
      bytes[at++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    bytes[at++] = value;
  }
  return bytes.subarray(0, at);
}

/** The integers of encodeVarints, `count` of them. */
export function decodeVarints(bytes: Uint8Array, count: number): Float64Array {
  const values = new Float64Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = bytes[at++]!;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte & 0x80);
    values[i] = value;
  }
  return values;
}

/** Signed integers as unsigned ones, small in magnitude staying small: 0, -1, 1, -2 become 0, 1, 2, 3. */
export function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

/** Each value as its difference from the one before, zigzag-coded (sorted or nearly sorted columns). */
export function deltas(values: ArrayLike<number>): number[] {
  const out = new Array<number>(values.length);
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    out[i] = zigzag(values[i]! - previous);
    previous = values[i]!;
  }
  return out;
}

/** The values deltas() was given, in place. */
export function undoDeltas(values: Float64Array): Float64Array {
  let previous = 0;
  for (let i = 0; i < values.length; i++) previous = values[i] = previous + unzigzag(values[i]!);
  return values;
}
