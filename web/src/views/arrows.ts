// The feature directions W_i of one instance drawn as arrows in the plane of its m = 2 hidden
// dimensions (on a line when m = 1), coloured by feature index (viridis: feature 0, the most
// important, darkest), and an SAE's decoder directions as dashed lines over them. When W changes
// the arrows glide to their new place over ~200 ms instead of jumping.

import { availableWidth, prepareCanvas } from './canvas.js';
import { css, viridis } from './colours.js';

const TWEEN_MS = 200;

/** Columns of a [rows, cols] matrix (rows ≤ 2) as points (x, y); y = 0 when there is one row. */
function columnsAsPoints(M: Float32Array, rows: number, cols: number): Float64Array {
  const points = new Float64Array(2 * cols); // [col, xy]
  for (let c = 0; c < cols; c++) {
    points[2 * c] = M[c];
    points[2 * c + 1] = rows > 1 ? M[cols + c] : 0;
  }
  return points;
}

export class ArrowView {
  private shown: Float64Array = new Float64Array(0); // [feat, xy] as drawn now
  private from: Float64Array = new Float64Array(0); // [feat, xy] where the glide started
  private target: Float64Array = new Float64Array(0); // [feat, xy] where it ends
  private decoder: Float64Array | null = null; // [latent, xy]
  private start = 0;
  private frame = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** Move to instance W [hidden, feat] (hidden ≤ 2), with an SAE's decoder [hidden, latent] or none. */
  update(W: Float32Array, nHidden: number, nFeatures: number, decoder?: { Wdec: Float32Array; dictSize: number }): void {
    const target = columnsAsPoints(W, nHidden, nFeatures);
    this.decoder = decoder ? columnsAsPoints(decoder.Wdec, nHidden, decoder.dictSize) : null;
    this.from = this.shown.length === target.length ? Float64Array.from(this.shown) : target;
    this.target = target;
    this.start = performance.now();
    if (this.frame === 0) this.frame = requestAnimationFrame((time) => this.tick(time));
  }

  private tick(time: number): void {
    const t = Math.min(1, (time - this.start) / TWEEN_MS);
    const ease = t * (2 - t);
    this.shown = this.target.map((value, i) => this.from[i] + ease * (value - this.from[i]));
    this.draw();
    this.frame = t < 1 ? requestAnimationFrame((next) => this.tick(next)) : 0;
  }

  private draw(): void {
    const size = availableWidth(this.canvas.parentElement!, 200, 360);
    const context = prepareCanvas(this.canvas, size, size);
    const centre = size / 2;
    let reach = 1;
    for (let i = 0; i < this.shown.length; i += 2) reach = Math.max(reach, Math.hypot(this.shown[i], this.shown[i + 1]));
    const scale = (centre - 18) / reach;
    context.strokeStyle = '#ccc';
    context.beginPath();
    context.moveTo(0, centre);
    context.lineTo(size, centre);
    context.moveTo(centre, 0);
    context.lineTo(centre, size);
    context.stroke();
    if (this.decoder) this.drawDecoder(context, centre, scale);
    const n = this.shown.length / 2;
    context.lineWidth = 2.5;
    context.font = '11px system-ui, sans-serif';
    for (let i = 0; i < n; i++) {
      const x = centre + scale * this.shown[2 * i];
      const y = centre - scale * this.shown[2 * i + 1];
      const colour = css(viridis(n === 1 ? 0 : (0.85 * i) / (n - 1)));
      arrow(context, centre, centre, x, y, colour);
      if (n <= 20) {
        context.fillStyle = '#222';
        context.fillText(String(i), x + (x >= centre ? 4 : -12), y + (y >= centre ? 12 : -4));
      }
    }
    context.lineWidth = 1;
  }

  private drawDecoder(context: CanvasRenderingContext2D, centre: number, scale: number): void {
    const decoder = this.decoder!;
    context.save();
    context.setLineDash([5, 4]);
    context.strokeStyle = '#d55e00';
    context.lineWidth = 1.5;
    for (let l = 0; l < decoder.length; l += 2) {
      context.beginPath();
      context.moveTo(centre, centre);
      context.lineTo(centre + scale * decoder[l], centre - scale * decoder[l + 1]);
      context.stroke();
    }
    context.restore();
  }
}

function arrow(context: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, colour: string): void {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const head = Math.min(9, 0.4 * Math.hypot(x1 - x0, y1 - y0));
  context.strokeStyle = colour;
  context.fillStyle = colour;
  context.beginPath();
  context.moveTo(x0, y0);
  context.lineTo(x1, y1);
  context.stroke();
  context.beginPath();
  context.moveTo(x1, y1);
  context.lineTo(x1 - head * Math.cos(angle - 0.4), y1 - head * Math.sin(angle - 0.4));
  context.lineTo(x1 - head * Math.cos(angle + 0.4), y1 - head * Math.sin(angle + 0.4));
  context.closePath();
  context.fill();
}
