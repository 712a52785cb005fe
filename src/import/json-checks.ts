import { ProfileFormatError } from './format-error.js';

/** Small checks for untrusted JSON, each failing with a ProfileFormatError that names the offending field. */

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, what: string): JsonObject {
  if (!isObject(value)) throw new ProfileFormatError(`${what} must be an object`);
  return value;
}

export function expectArray(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new ProfileFormatError(`${what} must be an array`);
  return value;
}

export function expectFinite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ProfileFormatError(`${what} must be a number`);
  return value;
}

export function expectInteger(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ProfileFormatError(`${what} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ProfileFormatError(`${what} must be a string`);
  return value;
}

/** Largest line or column number accepted: V8 and every editor stay far below it. */
export const MAX_POSITION = 2 ** 31 - 1;

/** A short quotation of an untrusted value for an error message. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
