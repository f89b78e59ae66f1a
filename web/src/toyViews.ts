// The toy model's views, live while it trains and final after: the loss curve, the instance
// picker, WᵀW, the feature-norm bars, the feature arrows (m ≤ 2) and the dimensionality scatter,
// and the summary table (live numbers while training; the CLI's table, data-testid="summary",
// once the model's metrics are measured).

import { gramMatrix, toyCorrelation, toySummaryRows, type HistoryRow, type ToyConfig, type ToyMetrics } from 'superposition-lab';
import type { InstanceGeometry, ToySnapshot } from './messages.js';
import { ArrowView } from './views/arrows.js';
import { DimensionalityScatter } from './views/dimensionality.js';
import { drawFeatureBars } from './views/featureBars.js';
import { drawHeatmap } from './views/heatmap.js';
import { LossCurve } from './views/lossCurve.js';
import { renderTable } from './views/tables.js';

export interface ToyShape {
  nFeatures: number;
  nHidden: number;
  sparsity: readonly number[];
  /** The config's correlated sets, if any (named under the arrows). */
  correlation?: ToyConfig['correlation'];
  correlationSet?: number;
}

/** " Sets of anticorrelated features: (0, 1), (2, 3)." for a model with such sets (the first 4 listed); '' otherwise. */
function setsNote(shape: ToyShape): string {
  const correlation = toyCorrelation(shape);
  if (!correlation) return '';
  const k = correlation.setSize;
  const count = shape.nFeatures / k;
  const sets = Array.from({ length: Math.min(4, count) }, (_, s) => `(${Array.from({ length: k }, (_, j) => s * k + j).join(', ')})`);
  return ` Sets of ${correlation.kind} features: ${sets.join(', ')}${count > 4 ? ', …' : ''}.`;
}

/** Above this many multiply-adds a Gram matrix is left to the worker, not computed on the page's thread. */
const MAIN_THREAD_GRAM = 2e6;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class ToyViews {
  private shape: ToyShape = { nFeatures: 0, nHidden: 0, sparsity: [] };
  private W: Float32Array = new Float32Array(0); // [inst, hidden, feat]
  private geometry: InstanceGeometry[] = [];
  private gram: Float64Array | null = null; // [feat, feat] of the selected instance
  private metrics: ToyMetrics | null = null;
  // The last SAE shown, drawn over the features whenever its toy instance is the one selected.
  private decoder: { Wdec: Float32Array; dictSize: number; toyInstance: number } | undefined;
  private readonly loss = new LossCurve(byId('loss-curve'));
  private readonly scatter = new DimensionalityScatter(byId('dimensionality'));
  private readonly arrows = new ArrowView(byId<HTMLCanvasElement>('arrows'));
  selected = 0;

  constructor(private readonly onSelect: (instance: number) => void) {
    byId<HTMLSelectElement>('instance').addEventListener('change', (event) => this.select(Number((event.target as HTMLSelectElement).value)));
  }

  /** Start over for a model of this shape, with its history so far. */
  start(shape: ToyShape, history: readonly HistoryRow[] = []): void {
    this.startInstances(shape);
    this.startLoss(history);
  }

  /** start() but for the loss curve: the instance picker, the scatter and the summary, cleared. */
  startInstances(shape: ToyShape): void {
    this.snapshots++;
    this.shape = shape;
    this.metrics = null;
    this.gram = null;
    this.geometry = [];
    this.decoder = undefined;
    const picker = byId<HTMLSelectElement>('instance');
    picker.replaceChildren(...shape.sparsity.map((s, k) => new Option(`instance ${k}: S = ${s}`, String(k))));
    // The sparsest instance first: where superposition shows (the pentagon of the intro preset).
    this.selected = shape.sparsity.reduce((best, s, k) => (s > shape.sparsity[best] ? k : best), 0);
    picker.value = String(this.selected);
    this.onSelect(this.selected);
    byId('arrows-view').hidden = shape.nHidden > 2;
    byId('arrows-sets').textContent = setsNote(shape);
    this.scatter.reset(shape.sparsity, shape.nFeatures);
    byId<HTMLTableElement>('summary').replaceChildren();
    byId('summary').removeAttribute('data-testid');
  }

  /**
   * The rest of start(): the loss curve, new for the shape's instances, with the history so far.
   * The costliest view to build on a cold page (tens of ms), so a training gives it a task of its own.
   */
  startLoss(history: readonly HistoryRow[] = []): void {
    this.loss.reset(this.shape.sparsity);
    this.loss.add(history);
    this.loss.draw();
  }

  /**
   * Draw a snapshot of the training: each view in a task of its own (the loss curve now, the
   * instance's views and then the scatter and table after it), so that with many instances no single
   * task holds the main thread for the sum of them (a long task over 100 ms is what the page avoids).
   */
  snapshot(snapshot: ToySnapshot): void {
    this.W = snapshot.W;
    if (snapshot.geometry) this.geometry = snapshot.geometry;
    if (snapshot.gram && snapshot.selected === this.selected) this.gram = snapshot.gram;
    this.loss.add(snapshot.newHistory);
    this.loss.draw();
    const drawn = ++this.snapshots;
    // A later snapshot or the end of training supersedes what is still waiting.
    setTimeout(() => {
      if (drawn !== this.snapshots) return;
      this.drawInstance();
      setTimeout(() => {
        if (drawn === this.snapshots) this.drawSummary(snapshot);
      }, 0);
    }, 0);
  }

  /** Snapshots drawn (and finish or start), so that a view's task knows when it is stale. */
  private snapshots = 0;

  /** The scatter and the summary table of a snapshot. */
  private drawSummary(snapshot: ToySnapshot): void {
    if (this.geometry.length > 0) {
      this.scatter.draw(this.geometry);
      const instances = this.geometry.map((g, k) => ({ sparsity: this.shape.sparsity[k], finalLoss: snapshot.losses[k], represented: g.represented, dimensionsPerFeature: g.dimensionsPerFeature }));
      renderTable(byId('summary'), toySummaryRows({ instances }, this.shape.nFeatures), null, `Step ${snapshot.step.toLocaleString('en-US')}: loss of the last batch`);
    }
  }

  /** Draw a finished (or imported) model with its metrics; the summary table becomes the CLI's. */
  finish(W: Float32Array, metrics: ToyMetrics, history: readonly HistoryRow[] = []): void {
    this.snapshots++;
    this.W = W;
    this.metrics = metrics;
    this.geometry = metrics.instances;
    this.gram = null;
    if (history.length > 0) {
      this.loss.reset(this.shape.sparsity);
      this.loss.add(history);
      this.loss.draw();
    }
    this.drawInstance();
    this.scatter.draw(this.geometry);
    renderTable(byId('summary'), toySummaryRows(metrics, this.shape.nFeatures), 'summary', 'Summary (loss on the evaluation set, as the CLI prints it)');
  }

  /** Show an SAE's decoder directions over the features of its toy instance (undefined: none). */
  setDecoder(decoder: { Wdec: Float32Array; dictSize: number; toyInstance: number } | undefined): void {
    this.decoder = decoder;
    this.drawArrows();
  }

  /** Fit every view to its container again (after the window was resized). */
  resize(): void {
    this.loss.resize();
    this.scatter.resize();
    this.drawInstance();
  }

  select(instance: number): void {
    this.selected = instance;
    byId<HTMLSelectElement>('instance').value = String(instance);
    const { nFeatures: n, nHidden: m } = this.shape;
    this.gram = null;
    if (n * n * m <= MAIN_THREAD_GRAM && this.W.length > 0) this.gram = Float64Array.from(gramMatrix(this.W, instance, m, n).flat());
    this.onSelect(instance);
    this.drawInstance();
  }

  private drawInstance(): void {
    const k = this.selected;
    const n = this.shape.nFeatures;
    const gram = this.metrics ? Float64Array.from(this.metrics.instances[k].gram.flat()) : this.gram;
    if (gram) drawHeatmap(byId<HTMLCanvasElement>('gram'), { values: gram, rows: n, cols: n, rowLabel: 'feature i', colLabel: 'feature j' });
    const geometry = this.geometry[k];
    if (geometry) drawFeatureBars(byId<HTMLCanvasElement>('bars'), geometry.featureNorms, geometry.interference);
    this.drawArrows();
  }

  private drawArrows(): void {
    const { nFeatures: n, nHidden: m } = this.shape;
    if (m > 2 || this.W.length === 0) return;
    const decoder = this.decoder?.toyInstance === this.selected ? this.decoder : undefined;
    this.arrows.update(this.W.subarray(this.selected * m * n, (this.selected + 1) * m * n), m, n, decoder);
  }
}
