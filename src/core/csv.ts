// CSV as text: the format of history.csv and a sweep's summary.csv. Text in, text out (no file
// access), so a browser writes the same bytes as the CLI.

/**
 * CSV with the given columns, one line per row, values as String() prints them; a header line first.
 *
 * @example toCsv([{ step: 0, loss: 0.5 }], ['step', 'loss']) // → 'step,loss\n0,0.5\n'
 */
export function toCsv(rows: readonly Record<string, number | string>[], columns: readonly string[]): string {
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((c) => String(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}
