/**
 * Vega-lite specs for the sparse-autoencoder (SAE) experiments: how well each SAE's decoder
 * directions recover the toy model's true feature directions W_i (docs/sae.md, "Recovery metrics").
 *
 * One file per figure in sae/ (cosineHeatmap, recoveryVsSparsity, recoveryVsSweep,
 * firingFrequency, featureArrows; shared.ts and recoveryMetrics.ts hold the pieces they share).
 * Every `*Spec` function is pure: it turns a `SaePlotInput` (sae/input.ts) into a vega-lite spec
 * with inline data and no I/O (aggregation over seeds and histogram binning happen there, in
 * TypeScript, so the numbers in a spec can be checked directly). `writeSaePlots` renders all of them.
 */
import type { TopLevelSpec } from 'vega-lite';
import { writePlot } from './render.js';
import { cosineHeatmapSpec } from './sae/cosineHeatmap.js';
import { featureArrowsSpec } from './sae/featureArrows.js';
import { firingFrequencySpec } from './sae/firingFrequency.js';
import type { SaePlotInput, SweptField } from './sae/input.js';
import { recoveryVsSparsitySpec } from './sae/recoveryVsSparsity.js';
import { recoveryVsSweepSpec } from './sae/recoveryVsSweep.js';

/**
 * Renders every SAE plot into `plotsDir` (as .svg and .png) and returns the base names in write
 * order: cosines, recovery_vs_sparsity, recovery_vs_<field> per swept field, firing_frequency,
 * and arrows when m = 2.
 */
export async function writeSaePlots(plotsDir: string, input: SaePlotInput, sweptFields: SweptField[]): Promise<string[]> {
  const plots: [string, TopLevelSpec][] = [
    ['cosines', cosineHeatmapSpec(input)],
    ['recovery_vs_sparsity', recoveryVsSparsitySpec(input)],
    ...[...new Set(sweptFields)].map((field): [string, TopLevelSpec] => [`recovery_vs_${field}`, recoveryVsSweepSpec(input, field)]),
    ['firing_frequency', firingFrequencySpec(input)],
  ];
  const arrows = featureArrowsSpec(input);
  if (arrows) plots.push(['arrows', arrows]);
  const written: string[] = [];
  for (const [name, spec] of plots) {
    await writePlot(plotsDir, name, spec);
    written.push(name);
  }
  return written;
}
