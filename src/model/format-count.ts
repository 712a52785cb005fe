/**
 * A whole number with its thousands grouped, as `toLocaleString('en-US')` writes it (1,234,567), without
 * loading ICU's number formatting, whose first use costs about 9 ms of CPU in every tsprof command.
 */
export function formatCount(count: number): string {
  return String(Math.round(count)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
