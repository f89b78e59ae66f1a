// Colour scales readable with colour-vision deficiencies: viridis for magnitudes (dark = none,
// yellow = most) and ColorBrewer's PuOr for signed values (purple < 0 < orange, white at 0).

/** Stops of a scale as [r, g, b] bytes, evenly spaced over [0, 1]. */
type Stops = readonly (readonly [number, number, number])[];

const hex = (text: string) => [1, 3, 5].map((at) => parseInt(text.slice(at, at + 2), 16)) as unknown as readonly [number, number, number];

const VIRIDIS: Stops = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'].map(hex);
const PUOR: Stops = ['#2d004b', '#542788', '#8073ac', '#b2abd2', '#d8daeb', '#f7f7f7', '#fee0b6', '#fdb863', '#e08214', '#b35806', '#7f3b08'].map(hex);

/** The scale's colour at t ∈ [0, 1] (clamped), linearly between stops. */
function at(stops: Stops, t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/** Viridis at t ∈ [0, 1]. */
export function viridis(t: number): [number, number, number] {
  return at(VIRIDIS, t);
}

/** PuOr at v ∈ [−1, 1]: purple for −1, white for 0, orange for 1. */
export function diverging(v: number): [number, number, number] {
  return at(PUOR, (v + 1) / 2);
}

export function css([r, g, b]: readonly number[]): string {
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}
