// The dimensionality scatter of the paper's §3: every feature's dimensionality
// D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)² against 1/(1 − S) of its instance (log scale), with each
// instance's dimensions per feature m/‖W‖_F² as a line, and dashed lines at the fractions where
// the paper finds features sticking (1, 3/4, 2/3, 1/2, 2/5, 1/3). Points are coloured by feature.

import uPlot from 'uplot';
import type { InstanceGeometry } from '../messages.js';
import { availableWidth } from './canvas.js';
import { css, viridis } from './colours.js';

const FRACTIONS: readonly [number, string][] = [
  [1, '1'],
  [3 / 4, '3/4'],
  [2 / 3, '2/3'],
  [1 / 2, '1/2'],
  [2 / 5, '2/5'],
  [1 / 3, '1/3'],
];
const MAX_FEATURES = 40;

function drawFractions(u: uPlot): void {
  const { ctx, bbox } = u;
  const ratio = window.devicePixelRatio || 1;
  ctx.save();
  ctx.setLineDash([4 * ratio, 4 * ratio]);
  ctx.strokeStyle = '#999';
  ctx.fillStyle = '#555';
  ctx.font = `${11 * ratio}px system-ui, sans-serif`;
  for (const [value, label] of FRACTIONS) {
    const y = u.valToPos(value, 'y', true);
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    ctx.fillText(label, bbox.left + bbox.width - 26 * ratio, y - 3 * ratio);
  }
  ctx.restore();
}

export class DimensionalityScatter {
  private plot: uPlot | null = null;
  private order: number[] = []; // instances by increasing 1/(1 − S)
  private xs: number[] = [];
  private features: number[] = []; // feature of each point series

  constructor(private readonly container: HTMLElement) {}

  reset(sparsity: readonly number[], nFeatures: number): void {
    this.order = sparsity.map((_, k) => k).sort((a, b) => sparsity[a] - sparsity[b]);
    this.xs = this.order.map((k) => 1 / (1 - sparsity[k]));
    const every = Math.ceil(nFeatures / MAX_FEATURES);
    this.features = Array.from({ length: nFeatures }, (_, i) => i).filter((i) => i % every === 0);
    this.plot?.destroy();
    const last = Math.max(1, nFeatures - 1);
    const points = this.features.map((i) => ({
      label: `feature ${i}`,
      stroke: css(viridis((0.9 * i) / last)),
      paths: () => null,
      points: { show: true, size: 7, width: 1, stroke: '#222', fill: css(viridis((0.9 * i) / last)) },
    }));
    this.plot = new uPlot(
      {
        width: availableWidth(this.container, 260, 900),
        height: 240,
        scales: { x: { time: false, distr: 3 }, y: { range: [0, 1.1] } },
        axes: [{ label: '1/(1 − S)' }, { label: 'dimensionality', size: 50 }],
        legend: { show: false },
        series: [{}, { label: 'dims/feature', stroke: '#222', width: 1.5, points: { show: false } }, ...points],
        hooks: { draw: [drawFractions] },
      },
      [this.xs, this.xs.map(() => null), ...this.features.map(() => this.xs.map(() => null))],
      this.container,
    );
  }

  /** Fit the container's width again (after the window was resized). */
  resize(): void {
    this.plot?.setSize({ width: availableWidth(this.container, 260, 900), height: 240 });
  }

  draw(geometry: readonly InstanceGeometry[]): void {
    if (!this.plot) return;
    const perFeature = this.features.map((i) => this.order.map((k) => geometry[k].dimensionality[i]));
    this.plot.setData([this.xs, this.order.map((k) => geometry[k].dimensionsPerFeature), ...perFeature]);
  }
}
