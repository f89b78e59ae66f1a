// PLACEHOLDER for the package's Node entry ('superposition-lab/node'), only so that this branch
// builds and tests the package shape: the library-API branch's src/node.ts replaces it.

export { runToyExperiment, readRunConfig, type ToyRunOptions, type ToyRunResult } from './experiments/runToy.js';
export { loadToySource, runSaeExperiment, type SaeResult } from './experiments/runSae.js';
export { trainToyParallel } from './train/toyWorkers.js';
