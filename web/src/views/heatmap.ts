// A heatmap of a matrix on a canvas, one cell per entry, on the diverging scale over [−1, 1]
// (values beyond are clamped), with a colour bar. Used for WᵀW and for the SAE's cosines. Cells
// are written as pixels of a small image and scaled up without smoothing: cheap for any n.

import { availableWidth, prepareCanvas } from './canvas.js';
import { css, diverging } from './colours.js';

export interface HeatmapData {
  values: Float64Array; // [row, col]
  rows: number;
  cols: number;
  /** Row of the underlying matrix for each displayed row, and column for each displayed column (default: in order). */
  rowOrder?: readonly number[];
  colOrder?: readonly number[];
  rowLabel: string;
  colLabel: string;
}

const cellImage = document.createElement('canvas');

function paintCells(data: HeatmapData): void {
  const { values, rows, cols } = data;
  cellImage.width = cols;
  cellImage.height = rows;
  const context = cellImage.getContext('2d')!;
  const image = context.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    const row = data.rowOrder?.[r] ?? r;
    for (let c = 0; c < cols; c++) {
      const col = data.colOrder?.[c] ?? c;
      const [red, green, blue] = diverging(values[row * cols + col]);
      const o = 4 * (r * cols + c);
      image.data[o] = red;
      image.data[o + 1] = green;
      image.data[o + 2] = blue;
      image.data[o + 3] = 255;
    }
  }
  context.putImageData(image, 0, 0);
}

function colourBar(context: CanvasRenderingContext2D, x: number, y: number, height: number): void {
  for (let p = 0; p < height; p++) {
    context.fillStyle = css(diverging(1 - (2 * p) / (height - 1)));
    context.fillRect(x, y + p, 12, 1);
  }
  context.fillStyle = '#222';
  context.font = '11px system-ui, sans-serif';
  context.textBaseline = 'middle';
  for (const [value, offset] of [['1', 0], ['0', height / 2], ['−1', height]] as const) context.fillText(value, x + 16, y + offset);
}

/** Draw the matrix into the canvas, as large as its container allows (up to 360 CSS pixels square). */
export function drawHeatmap(canvas: HTMLCanvasElement, data: HeatmapData): void {
  const width = availableWidth(canvas.parentElement!, 200, 400);
  const side = width - 60;
  // Square cells where they fit; a wide matrix (more latents than features) gets flatter rows.
  const height = Math.max(120, side * Math.min(1, data.rows / data.cols));
  const context = prepareCanvas(canvas, width, height + 24);
  paintCells(data);
  context.imageSmoothingEnabled = false;
  const left = 18;
  context.drawImage(cellImage, left, 0, side, height);
  context.strokeStyle = '#888';
  context.strokeRect(left, 0, side, height);
  colourBar(context, left + side + 8, 6, Math.min(height, 160) - 12);
  context.fillStyle = '#222';
  context.font = '12px system-ui, sans-serif';
  context.textBaseline = 'top';
  context.fillText(`${data.colLabel} →`, left, height + 6);
  context.save();
  context.translate(2, 0);
  context.rotate(Math.PI / 2);
  context.textBaseline = 'bottom';
  context.fillText(`${data.rowLabel} →`, 0, 0);
  context.restore();
}
