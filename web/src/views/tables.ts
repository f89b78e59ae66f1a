// The summary tables as HTML: the cells come from the library's summary rows (the digits the
// CLI prints); live tables while training carry no data-testid, the final ones `summary` and
// `sae-summary`.

import type { SummaryTable } from 'superposition-lab';

/** Whether the table already has this header and this many rows: then only cell texts change. */
function sameShape(table: HTMLTableElement, header: readonly string[], rows: number): boolean {
  const head = table.tHead?.rows[0];
  return !!head && head.cells.length === header.length && [...head.cells].every((cell, c) => cell.textContent === header[c]) && table.tBodies[0]?.rows.length === rows;
}

/** Set a text only where it changed: a live table then costs the page no new layout of its rows. */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/**
 * Show a header row and the rows, with the caption; set (or remove) the data-testid. A table of
 * the same shape is updated cell by cell, a new one built.
 */
export function renderTable(table: HTMLTableElement, { header, rows }: SummaryTable, testId: string | null, caption: string): void {
  if (testId === null) table.removeAttribute('data-testid');
  if (sameShape(table, header, rows.length)) {
    setText(table.caption!, caption);
    rows.forEach((cells, r) => cells.forEach((cell, c) => setText(table.tBodies[0].rows[r].cells[c], cell)));
    if (testId !== null) table.dataset.testid = testId;
    return;
  }
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
  if (testId !== null) table.dataset.testid = testId;
}
