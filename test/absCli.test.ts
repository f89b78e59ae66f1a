// `superposition --model abs`: the results folder (config, metrics per instance, W1 b1 W2 b2 with
// their shapes, history, plots), the same numbers for the same seed, training that lowers the
// loss, and a one-line error (exit 2) for what does not apply to the abs model.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../src/core/safetensors.js';
import { resolveToyConfig } from '../src/config/toy.js';
import { absTrainStep, createAbsTraining, evaluateAbsLoss } from '../src/train/trainAbs.js';
import { runCli, tempDir } from './helpers/cli.js';

const RUN = ['--model', 'abs', '--sparse-dim', '8', '--dense-dim', '4', '--sparsity', '0', '0.9', '--steps', '200', '--batch-size', '64', '--eval-size', '2000', '--quiet'];

describe('superposition --model abs', () => {
  const dir = tempDir('abs-cli');

  it('writes config, metrics per instance, W1/b1/W2/b2 with shapes, history and plots; the same seed gives the same bytes', () => {
    const a = path.join(dir, 'a');
    const result = runCli([...RUN, '--out', a]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/computed/);
    for (const f of ['config.json', 'metrics.json', 'history.csv', 'weights.safetensors', 'plots/neuron_weights.svg', 'plots/neuron_weights.png', 'plots/features_computed.svg'])
      expect(fs.existsSync(path.join(a, f)), f).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(a, 'config.json'), 'utf8')).model).toBe('abs');
    const metrics = JSON.parse(fs.readFileSync(path.join(a, 'metrics.json'), 'utf8'));
    expect(metrics.instances).toHaveLength(2);
    for (const inst of metrics.instances) {
      expect(inst.finalLoss).toBeGreaterThan(0);
      expect(inst.relativeErrors).toHaveLength(8);
      expect(inst.featuresComputed).toBe(inst.computedFeatures.length);
      const c = inst.neuronCounts;
      expect(c.monosemantic + c.polysemantic + c.unused).toBe(4);
      expect(inst.neurons).toHaveLength(4);
    }
    const { tensors } = decodeSafetensors(fs.readFileSync(path.join(a, 'weights.safetensors')));
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]))).toEqual({ W1: [2, 4, 8], b1: [2, 4], W2: [2, 8, 4], b2: [2, 8] });
    const b = path.join(dir, 'b');
    expect(runCli([...RUN, '--out', b, '--no-plots']).status).toBe(0);
    for (const f of ['metrics.json', 'history.csv', 'weights.safetensors']) expect(fs.readFileSync(path.join(b, f)), f).toEqual(fs.readFileSync(path.join(a, f)));
  });

  it('one-line errors, exit 2: --sae, --workers, --resume and sae --from an abs run', () => {
    const a = path.join(dir, 'a');
    // An interrupted abs run leaves config.json only.
    const stopped = path.join(dir, 'stopped');
    fs.mkdirSync(stopped);
    fs.copyFileSync(path.join(a, 'config.json'), path.join(stopped, 'config.json'));
    const cases: [string[], RegExp][] = [
      [['--resume', stopped], /--model abs runs are not checkpointed/],
      [[...RUN, '--sae', '--out', path.join(dir, 'x')], /--sae .*--model abs/],
      [[...RUN, '--workers', '2', '--out', path.join(dir, 'x')], /--workers: --model abs trains on one thread/],
      [['sae', '--from', a], /a --model abs run/],
      [['--model', 'cube'], /Allowed choices are relu, linear, abs/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('training lowers the evaluation loss, in steps and in epochs mode', () => {
    for (const mode of [{ steps: 300 }, { numEpochs: 10, datasetSize: 4000 }]) {
      const config = resolveToyConfig({ model: 'abs', nFeatures: 10, nHidden: 6, sparsity: [0.5, 0.95], batchSize: 128, lr: 3e-3, evalSize: 4000, ...mode });
      const training = createAbsTraining(config);
      const before = evaluateAbsLoss(training);
      while (training.step < config.totalSteps) absTrainStep(training);
      const after = evaluateAbsLoss(training);
      after.forEach((loss, k) => expect(loss, `${JSON.stringify(mode)} instance ${k}`).toBeLessThan(0.7 * before[k]));
    }
  });
});
