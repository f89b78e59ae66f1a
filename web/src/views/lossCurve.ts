// The loss curve: each instance's training loss against the step (uPlot, log scale), from the
// history rows (every 100 steps, history.csv's) as they arrive. At most 20 instances are drawn,
// evenly chosen, so a 4096-instance grid stays cheap to redraw.

import uPlot from 'uplot';
import type { HistoryRow } from 'superposition-lab';
import { availableWidth } from './canvas.js';
import { css, viridis } from './colours.js';

const MAX_SERIES = 20;

export class LossCurve {
  private plot: uPlot | null = null;
  private steps: number[] = [];
  private losses: number[][] = []; // [series][point]
  private drawn: number[] = []; // instance of each series
  private labels: string[] = []; // of each series, as the plot shows them
  private dirty = false;

  constructor(private readonly container: HTMLElement) {}

  /**
   * Start over for a model with these sparsities (one series per drawn instance). The plot of the
   * same series is kept and emptied: building a uPlot is the costliest step of a training's start.
   */
  reset(sparsity: readonly number[]): void {
    const every = Math.ceil(sparsity.length / MAX_SERIES);
    const drawn = sparsity.map((_, k) => k).filter((k) => k % every === 0);
    const labels = drawn.map((k) => `S = ${sparsity[k]}`);
    this.drawn = drawn;
    this.steps = [];
    this.losses = drawn.map(() => []);
    this.dirty = false;
    if (this.plot && labels.join('\n') === this.labels.join('\n')) {
      this.plot.setData([[], ...drawn.map(() => [])]);
      return;
    }
    this.labels = labels;
    this.plot?.destroy();
    const last = Math.max(1, drawn.length - 1);
    this.plot = new uPlot(
      {
        width: availableWidth(this.container, 260, 900),
        height: 220,
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [{ label: 'step' }, { label: 'loss', size: 70 }],
        legend: { show: drawn.length <= 10, live: false },
        series: [{ label: 'step' }, ...labels.map((label, s) => ({ label, stroke: css(viridis((0.9 * s) / last)), width: 1.5 }))],
      },
      [[], ...drawn.map(() => [])],
      this.container,
    );
  }

  /** Rows of history.csv: step, instance, sparsity, loss (in step order). */
  add(rows: readonly HistoryRow[]): void {
    for (const row of rows) {
      const series = this.drawn.indexOf(row.instance);
      if (series < 0) continue;
      if (this.steps[this.steps.length - 1] !== row.step) {
        this.steps.push(row.step);
        for (const values of this.losses) values.push(NaN);
      }
      this.losses[series][this.steps.length - 1] = row.loss > 0 ? row.loss : NaN;
    }
    this.dirty ||= rows.length > 0;
  }

  /** Fit the container's width again (after the window was resized). */
  resize(): void {
    this.plot?.setSize({ width: availableWidth(this.container, 260, 900), height: 220 });
  }

  /** Redraw if rows came since the last redraw. */
  draw(): void {
    if (!this.plot || !this.dirty) return;
    this.dirty = false;
    this.plot.setData([this.steps, ...this.losses]);
  }
}
