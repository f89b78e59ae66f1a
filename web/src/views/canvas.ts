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

/** The width available to a view: its container's content box (padding excluded), within [min, max]. */
export function availableWidth(element: HTMLElement, min: number, max: number): number {
  const style = getComputedStyle(element);
  const content = element.clientWidth - parseFloat(style.paddingLeft || '0') - parseFloat(style.paddingRight || '0');
  return Math.max(min, Math.min(max, Math.floor(content > 0 ? content : max)));
}
