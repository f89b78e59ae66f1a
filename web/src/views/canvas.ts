// A canvas sized for the device's pixel ratio: drawing code works in CSS pixels.

/** The canvas's 2-D context, its backing store resized to width × height CSS pixels at the device's pixel ratio. */
export function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const context = canvas.getContext('2d')!;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return context;
}

/** Measured content widths, kept until the window is resized: measuring forces a layout, which a live redraw must not pay. */
const widths = new WeakMap<HTMLElement, number>();
window.addEventListener('resize', () => {
  for (const element of measured) widths.delete(element);
});
const measured = new Set<HTMLElement>();

/** The width available to a view: its container's content box (padding excluded), within [min, max]. */
export function availableWidth(element: HTMLElement, min: number, max: number): number {
  let content = widths.get(element);
  if (content === undefined || content <= 0) {
    const style = getComputedStyle(element);
    content = element.clientWidth - parseFloat(style.paddingLeft || '0') - parseFloat(style.paddingRight || '0');
    widths.set(element, content);
    measured.add(element);
  }
  return Math.max(min, Math.min(max, Math.floor(content > 0 ? content : max)));
}
