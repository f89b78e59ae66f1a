// The summary tables as HTML: the cells come from the library's summary rows (the digits the
// CLI prints); live tables while training carry no data-testid, the final ones `summary` and
// `sae-summary`.

import type { SummaryTable } from 'superposition-lab';

/** Replace the table's content with a header row and the rows; set (or remove) its data-testid and caption. */
export function renderTable(table: HTMLTableElement, { header, rows }: SummaryTable, testId: string | null, caption: string): void {
  table.replaceChildren();
  table.createCaption().textContent = caption;
  const head = table.createTHead().insertRow();
  for (const name of header) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const cells of rows) {
    const row = body.insertRow();
    for (const cell of cells) row.insertCell().textContent = cell;
  }
  if (testId === null) table.removeAttribute('data-testid');
  else table.dataset.testid = testId;
}
