// One Node measurement for `npm run bench:web`, in its own process, started cold as the page's
// worker is: a workload of bench/web.ts trained from step 0 through the CLI's one-thread loop
// (createToyTraining + trainStep), timing only the steps — the definition the page's status uses
// (steps / milliseconds spent in steps). Prints one JSON line: { stepsPerSecond, steps }.
//   node --max-semi-space-size=2 --import tsx bench/webNode.ts <W1|W2>

import { resolveToyConfig } from '../src/config/toy.js';
import { createToyTraining, trainStep } from '../src/train/trainToy.js';
import { WEB_WORKLOADS } from './webWorkloads.js';

const workload = WEB_WORKLOADS.find((w) => w.name === process.argv[2]);
if (!workload) throw new Error(`unknown workload ${process.argv[2]}: W1 or W2`);
const training = createToyTraining(resolveToyConfig(workload.config));
const steps = training.config.totalSteps;
const start = performance.now();
for (let s = 0; s < steps; s++) trainStep(training);
const ms = performance.now() - start;
process.stdout.write(`${JSON.stringify({ stepsPerSecond: steps / (ms / 1000), steps })}\n`);
