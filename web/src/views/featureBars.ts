// Feature-norm bars of one instance, as the paper draws them: one bar per feature, its length
// ‖W_i‖, its colour how much the feature shares its direction, Σ_{j≠i}(Ŵ_i·W_j)² on viridis
// (dark: alone in its dimension; yellow: in superposition), clamped at 1.

import { availableWidth, prepareCanvas } from './canvas.js';
import { css, viridis } from './colours.js';

export function drawFeatureBars(canvas: HTMLCanvasElement, norms: readonly number[], interference: readonly number[]): void {
  const n = norms.length;
  const width = availableWidth(canvas.parentElement!, 200, 400);
  const barHeight = Math.max(2, Math.min(18, Math.floor(320 / n)));
  const labelled = barHeight >= 10;
  const left = labelled ? 34 : 8;
  const top = 4;
  const context = prepareCanvas(canvas, width, top + n * barHeight + 40);
  canvas.title = 'bar: ‖W_i‖; colour: interference Σ_{j≠i}(Ŵ_i·W_j)², viridis from 0 (dark) to 1 or more (yellow)';
  const scale = Math.max(1.2, ...norms);
  const plotWidth = width - left - 12;
  context.font = '11px system-ui, sans-serif';
  context.textBaseline = 'middle';
  for (let i = 0; i < n; i++) {
    const y = top + i * barHeight;
    context.fillStyle = css(viridis(Math.min(1, interference[i])));
    context.fillRect(left, y + 1, (norms[i] / scale) * plotWidth, barHeight - 2);
    if (labelled) {
      context.fillStyle = '#222';
      context.fillText(String(i), 6, y + barHeight / 2);
    }
  }
  // The represented threshold ‖W_i‖ = 0.5 and ‖W_i‖ = 1.
  const axisY = top + n * barHeight + 4;
  context.strokeStyle = '#666';
  context.fillStyle = '#222';
  context.textBaseline = 'top';
  for (const value of [0, 0.5, 1]) {
    const x = left + (value / scale) * plotWidth;
    context.beginPath();
    context.moveTo(x, top);
    context.lineTo(x, axisY);
    context.setLineDash(value === 0 ? [] : [3, 3]);
    context.stroke();
    context.fillText(String(value), x - 4, axisY + 2);
  }
  context.setLineDash([]);
  context.fillText('‖W_i‖', left + plotWidth - 34, axisY + 2);
  // Legend: the colour scale of interference.
  const legendY = axisY + 20;
  context.fillStyle = '#222';
  context.fillText('interference 0', left, legendY);
  const barLeft = left + 84;
  for (let p = 0; p < 100; p++) {
    context.fillStyle = css(viridis(p / 99));
    context.fillRect(barLeft + p, legendY, 1, 10);
  }
  context.fillStyle = '#222';
  context.fillText('≥ 1', barLeft + 104, legendY);
}
