import { visible } from './terminal.js';

/**
 * Rows of cells as aligned text columns, for the report and diff tables: the first `rightAligned` columns
 * right-aligned (numbers), the others left-aligned, the `capped` column cut to `cap` characters with an
 * ellipsis, and the last column never padded (it is the longest: a file path).
 */
export function alignColumns(cellsOfRows: readonly string[][], options: { rightAligned: number; capped: number; cap: number }): string[] {
  const rows = cellsOfRows.map((cells) => cells.map(visible)); // names and paths come from profiles
  const columns = rows[0]?.length ?? 0;
  const widths = Array.from({ length: columns }, (_, i) => rows.reduce((widest, cells) => Math.max(widest, cells[i]!.length), 0));
  widths[options.capped] = Math.min(widths[options.capped]!, options.cap);
  return rows.map((cells) =>
    cells
      .map((cell, i) => {
        if (i < options.rightAligned) return cell.padStart(widths[i]!);
        if (i === columns - 1) return cell;
        return truncate(cell, widths[i]!).padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd(),
  );
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
