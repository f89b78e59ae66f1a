// The neuron types of an absolute-value model, from its weights (Toy Models of Superposition,
// "Computation in Superposition"): with a ReLU on the hidden layer the neurons are a privileged
// basis, so each neuron can be read off its input weights W1[j, ·].
//   unused:        it can never fire (b1_j + Σ_i |W1[j,i]| ≤ 0), or no path through it carries
//                  weight (max_i |W1[j,i]| · max_i |W2[i,j]| < 0.01);
//   monosemantic:  one feature dominates: every other |W1[j,i]| < 0.1 |W1[j,primary]|;
//   polysemantic:  otherwise (a secondary feature reaches a tenth of the primary's weight: the
//                  paper's [2, −½] motif neuron counts, though its primary holds 94% of Σ W1²).
// The asymmetric superposition motif (a kind of polysemantic neuron): its two largest input
// weights belong to features a and b with opposite signs and 2 |W1[j,b]| ≤ |W1[j,a]| ≤ 10 |W1[j,b]|
// (e.g. 2 and −½); both reach their outputs, b more strongly (reciprocal output weights: W2[b,j] > W2[a,j] > 0,
// e.g. 2 and ½), so a interferes with b much more than b with a; and another neuron k, firing on
// the same side of a (W1[k,a] of W1[j,a]'s sign), inhibits b (W2[b,k] < 0) by at least half the
// interference: |W1[k,a] W2[b,k]| ≥ ½ |W1[j,a] W2[b,j]|.

import type { AbsWeights } from './absComputed.js';

export type NeuronType = 'unused' | 'monosemantic' | 'polysemantic';

/** A secondary input weight of at least this fraction of the primary's makes a neuron polysemantic. */
export const SECONDARY_RATIO = 0.1;
export const ASYMMETRY_RATIO = 2;
export const UNUSED_PATH = 0.01;
/** The inhibiting neuron cancels at least this share of a's interference on b. */
export const INHIBITION_SHARE = 0.5;

export interface NeuronReport {
  type: NeuronType;
  /** The feature with the largest |input weight| (the neuron's primary feature). */
  primary: number;
  /** Its share of Σ_i W1[j,i]² (reported, not used to classify). */
  share: number;
  /** |W1[j, secondary]| / |W1[j, primary]|: the largest other input weight, relative. */
  secondary: number;
  /** For a motif neuron: [a, b, the inhibiting neuron]. */
  motif?: [number, number, number];
}

const w1 = (w: AbsWeights, j: number, i: number) => w.W1[j * w.nFeatures + i];
const w2 = (w: AbsWeights, i: number, j: number) => w.W2[i * w.nHidden + j];

/** Features of neuron j ordered by |W1[j, i]|, largest first. */
function byInputWeight(w: AbsWeights, j: number): number[] {
  return Array.from({ length: w.nFeatures }, (_, i) => i).sort((p, q) => Math.abs(w1(w, j, q)) - Math.abs(w1(w, j, p)) || p - q);
}

/** unused / monosemantic / polysemantic, the primary feature and its share (see the header). */
export function neuronType(w: AbsWeights, j: number): Omit<NeuronReport, 'motif'> {
  const order = byInputWeight(w, j);
  const primary = order[0];
  let sumSquares = 0;
  let reach = w.b1[j];
  let maxOut = 0;
  for (let i = 0; i < w.nFeatures; i++) {
    sumSquares += w1(w, j, i) ** 2;
    reach += Math.abs(w1(w, j, i));
    maxOut = Math.max(maxOut, Math.abs(w2(w, i, j)));
  }
  const share = sumSquares > 0 ? w1(w, j, primary) ** 2 / sumSquares : 0;
  const top = Math.abs(w1(w, j, primary));
  const secondary = top > 0 && order.length > 1 ? Math.abs(w1(w, j, order[1])) / top : 0;
  if (reach <= 0 || top * maxOut < UNUSED_PATH) return { type: 'unused', primary, share, secondary };
  return { type: secondary >= SECONDARY_RATIO ? 'polysemantic' : 'monosemantic', primary, share, secondary };
}

/** The motif at neuron j, as [a, b, inhibiting neuron], or undefined (see the header). */
export function asymmetricMotif(w: AbsWeights, j: number): [number, number, number] | undefined {
  if (w.nFeatures < 2) return undefined;
  const [a, b] = byInputWeight(w, j);
  const inA = w1(w, j, a);
  const inB = w1(w, j, b);
  if (inA * inB >= 0 || Math.abs(inA) < ASYMMETRY_RATIO * Math.abs(inB) || Math.abs(inB) < SECONDARY_RATIO * Math.abs(inA)) return undefined;
  if (!(w2(w, b, j) > w2(w, a, j) && w2(w, a, j) > 0)) return undefined;
  const interference = Math.abs(inA * w2(w, b, j));
  for (let k = 0; k < w.nHidden; k++) {
    if (k === j || w1(w, k, a) * inA <= 0 || w2(w, b, k) >= 0) continue;
    if (Math.abs(w1(w, k, a) * w2(w, b, k)) >= INHIBITION_SHARE * interference) return [a, b, k];
  }
  return undefined;
}

/** Every neuron's report; motif only on polysemantic neurons. */
export function classifyNeurons(w: AbsWeights): NeuronReport[] {
  return Array.from({ length: w.nHidden }, (_, j) => {
    const report: NeuronReport = neuronType(w, j);
    const motif = report.type === 'polysemantic' ? asymmetricMotif(w, j) : undefined;
    return motif ? { ...report, motif } : report;
  });
}

/** Counts of each type, and of motif neurons. */
export function neuronCounts(reports: readonly NeuronReport[]): Record<NeuronType | 'asymmetricMotif', number> {
  const counts = { unused: 0, monosemantic: 0, polysemantic: 0, asymmetricMotif: 0 };
  for (const r of reports) {
    counts[r.type]++;
    if (r.motif) counts.asymmetricMotif++;
  }
  return counts;
}
