// The data every SAE figure is drawn from: per SAE, its configuration, its recovery metrics and
// the arrays behind them (cosines, matching, firing frequencies, decoder and true directions).

/** One SAE as the plots see it: its spec, its recovery numbers and the arrays behind them. */
export interface SaePlotSae {
  index: number;
  toyInstance: number;
  sparsity: number;
  arch: string;
  dictSize: number;
  l1: number | null;
  k: number | null;
  seed: number;
  mmcs: number;
  mmcsAll: number;
  mcc: number;
  recovered090: number;
  represented: number;
  l0: number;
  trueL0: number;
  deadLatents: number;
  cosines: number[][]; // [feat][latent]
  representedFeatures: number[]; // indices of represented features
  matchedLatent: number[]; // per represented feature (same order): its matched latent, -1 if none
  firingFrequency: number[]; // [latent] fraction of evaluation samples on which the latent fires
  decoder: number[][]; // [latent][hidden] unit decoder directions
  trueFeatures: number[][]; // [feat][hidden] the toy model's columns W_i (not normalised)
}

/** What writeSaePlots draws: the toy model's size and every SAE. */
export interface SaePlotInput {
  nFeatures: number;
  nHidden: number;
  saes: SaePlotSae[];
}

/** An SAE field swept with more than one value, plotted on the x axis of recovery_vs_<field>. */
export type SweptField = 'l1' | 'k' | 'dictSize';
