import type { WeightUnit } from './profile.js';

/**
 * How a weight is shown, by what it counts: one place for the report, markdown, the page and the summary.
 * Bytes in binary units (KiB, MiB, GiB), as Chrome DevTools and `go tool pprof` show heap profiles.
 */
export function formatWeight(value: number, unit: WeightUnit): string {
  if (unit === 'microseconds') return `${(value / 1000).toFixed(1)}ms`;
  if (unit === 'bytes') return formatBytes(value);
  return String(Math.round(value));
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The column heading for a weight: `SAMPLES`, `TIME` or `BYTES`. */
export function weightHeading(unit: WeightUnit): string {
  return unit === 'microseconds' ? 'TIME' : unit === 'bytes' ? 'BYTES' : 'SAMPLES';
}
