/**
 * A plain-text table: the header row, a rule of dashes, then the rows, each column padded to its
 * widest cell and two spaces apart.
 */
export function renderTextTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, col) => Math.max(title.length, ...rows.map((row) => (row[col] ?? "").length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((width, col) => (cells[col] ?? "").padEnd(width))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}
