/**
 * superposition-lab's Node entry (`import … from 'superposition-lab/node'`): what needs the file
 * system or worker threads — results folders as the CLI writes them, config files (JSON or YAML),
 * sweeps, plots (PNG and SVG), the worker pool — and, re-exported, everything of the main entry,
 * so one import serves a Node script. The plotting libraries load only when a plot is written.
 *
 * @example
 * import { resolveToyConfig, runToyExperiment } from 'superposition-lab/node';
 * const { metrics } = await runToyExperiment(resolveToyConfig({ sparsity: [0.9] }), { outDir: 'results/s09', plots: true });
 *
 * @module superposition-lab/node
 */

import type { SaePlotInput, SweptField } from './report/sae/input.js';
import type { ToyPlotInput } from './report/toyPlots.js';

export * from './index.js';

// Results folders: a run → config.json, metrics.json, history.csv, weights.safetensors, plots/.
export {
  InterruptedError,
  hasCheckpoint,
  readRunConfig,
  runToyExperiment,
  type ProgressReporter,
  type ToyRunOptions,
  type ToyRunResult,
} from './experiments/runToy.js';
export { MissingRunError, loadToySource, runSaeExperiment, type SaeResult, type SaeRunOptions } from './experiments/runSae.js';
export { isFreshDir, writeFileAtomic } from './experiments/store.js';

// Config files and sweeps.
export { loadConfigFile, loadExperimentFile } from './experiments/configFile.js';
export { expandSweep, packRuns, parseSet, type SweepRun, type SweepSet } from './experiments/sweep/grid.js';
export { runSweep, type SweepOptions } from './experiments/sweep/run.js';
export { readRunsJsonl, type RunRecord } from './experiments/sweep/store.js';
export { sweepSummary, writeSweepSummary, type SummaryValue, type SweepSummary } from './experiments/sweep/summary.js';

// Worker threads: the instances of a model shared over a pool, byte-identical to one thread.
export { trainToyParallel } from './train/toyWorkers.js';
export type { TrainCallbacks } from './train/trainToy.js';

// Plots: vega-lite → SVG → PNG. Loaded on the first call, so importing this entry stays quick.
export type { SaePlotInput, SaePlotSae, SweptField } from './report/sae/input.js';
export type { ToyPlotInput, ToyPlotInstance } from './report/toyPlots.js';

/**
 * Render the toy-model plots (feature norms, WᵀW per instance, loss curves, data distribution,
 * summary) into `plotsDir` as .svg and .png; returns the base names in write order.
 */
export async function writeToyPlots(plotsDir: string, input: ToyPlotInput): Promise<string[]> {
  const plots = await import('./report/toyPlots.js');
  return plots.writeToyPlots(plotsDir, input);
}

/**
 * Render the SAE plots (cosines, recovery vs sparsity, recovery vs each swept field, firing
 * frequency, and feature arrows when m = 2) into `plotsDir` as .svg and .png; returns the base names.
 */
export async function writeSaePlots(plotsDir: string, input: SaePlotInput, sweptFields: SweptField[] = []): Promise<string[]> {
  const plots = await import('./report/saePlots.js');
  return plots.writeSaePlots(plotsDir, input, sweptFields);
}
