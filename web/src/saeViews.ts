// The SAE's views: the cosine heatmap of the shown SAE (true features × latents, latents in the
// order of the matching so a recovered feature sits on the diagonal), its decoder directions over
// the toy's arrows (through ToyViews), and the SAE table — live numbers while it trains, the
// CLI's columns (data-testid="sae-summary") once every SAE is evaluated.

import { saeSummaryRows, selectColumns, type SaeSpec, type SummaryTable, type TrainedSaes } from 'superposition-lab';
import type { SaeLiveRow, SaeShown, SaeSnapshot } from './messages.js';
import type { ToyViews } from './toyViews.js';
import { drawHeatmap } from './views/heatmap.js';
import { renderTable } from './views/tables.js';

/** The columns of the page's SAE table, in this order. */
export const SAE_COLUMNS = ['sparsity', 'arch', 'dict', 'MMCS', 'MCC', 'recovered@0.9', 'L0', 'dead'];

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Latents in the order of the matching: each feature's matched latent in feature order, then the others. */
export function matchingOrder(matchedLatent: readonly number[], dictSize: number): number[] {
  const first = matchedLatent.filter((latent) => latent >= 0);
  const taken = new Set(first);
  return [...first, ...Array.from({ length: dictSize }, (_, l) => l).filter((l) => !taken.has(l))];
}

/** Live rows in the shape of the final ones (the same formatting): L0 and dead from the last batch. */
function liveTable(specs: readonly SaeSpec[], rows: readonly SaeLiveRow[]): SummaryTable {
  const results = specs.map((spec, s) => ({
    spec,
    evaluation: {
      representedFeatures: [], // not among the page's columns
      represented: { recovered090: rows[s].recovered090, mmcs: rows[s].mmcs, mcc: rows[s].mcc },
      activity: { l0: rows[s].l0, deadLatents: rows[s].dead },
    },
  }));
  return selectColumns(saeSummaryRows(results), SAE_COLUMNS);
}

export class SaeViews {
  private specs: SaeSpec[] = [];
  private shown: SaeShown | null = null;
  private nFeatures = 0;

  constructor(private readonly toyViews: ToyViews) {}

  start(specs: SaeSpec[], nFeatures: number): void {
    this.specs = specs;
    this.nFeatures = nFeatures;
    byId('sae-views').hidden = false;
    const table = byId<HTMLTableElement>('sae-summary');
    table.replaceChildren();
    table.removeAttribute('data-testid');
    this.toyViews.setDecoder(undefined);
  }

  hide(): void {
    byId('sae-views').hidden = true;
    this.shown = null;
    byId<HTMLTableElement>('sae-summary').replaceChildren();
    byId('sae-summary').removeAttribute('data-testid');
  }

  snapshot(snapshot: SaeSnapshot): void {
    this.drawShown(snapshot.shown);
    const table = liveTable(this.specs, snapshot.rows);
    renderTable(byId('sae-summary'), table, null, `SAE step ${snapshot.step.toLocaleString('en-US')}: directions now, L0 and dead latents of the last batch`);
  }

  finish(trained: TrainedSaes, shown: SaeShown): void {
    this.drawShown(shown);
    renderTable(byId('sae-summary'), selectColumns(saeSummaryRows(trained.saes), SAE_COLUMNS), 'sae-summary', 'SAE summary (over the represented features, as the CLI prints it)');
  }

  /** Redraw the cosines at the container's new width (after the window was resized). */
  resize(): void {
    if (this.shown) this.drawShown(this.shown);
  }

  private drawShown(shown: SaeShown): void {
    this.shown = shown;
    const spec = this.specs[shown.sae];
    drawHeatmap(byId<HTMLCanvasElement>('cosines'), {
      values: shown.cosines,
      rows: this.nFeatures,
      cols: shown.dictSize,
      colOrder: matchingOrder(shown.matchedLatent, shown.dictSize),
      rowLabel: 'feature',
      colLabel: `latent (SAE ${shown.sae}, instance ${spec?.toyInstance ?? 0})`,
    });
    this.toyViews.setDecoder({ Wdec: shown.Wdec, dictSize: shown.dictSize, toyInstance: spec?.toyInstance ?? 0 });
  }
}
