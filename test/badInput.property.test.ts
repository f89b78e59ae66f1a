// Property-based bad input (fast-check): every generated command line, config file, --set grid
// and weights file either runs (tiny sizes) or is refused with exit 2 and one line naming the
// flag, field or file — never a stack trace, a hang or a file written before the refusal.
// In-process through main(argv) and the validation functions; a few real processes at the end.

import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAE_FLAGS, TOY_FLAGS } from '../src/cli/flags.js';
import { ConfigError } from '../src/config/errors.js';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from '../src/core/safetensors.js';
import { loadExperimentFile } from '../src/experiments/configFile.js';
import { SAE_FIELDS, expandSweep, parseSet } from '../src/experiments/sweep/grid.js';
import { runCli, tempDir } from './helpers/cli.js';
import { isOneLine, runMain } from './helpers/inProcess.js';

/** Flags and fields that set sizes: fixed to tiny values so that every accepted input runs in milliseconds. */
const SIZE_FLAGS = ['--steps', '--num-epochs', '--dataset-size', '--batch-size', '--eval-size', '--sae-steps', '--sae-eval-size', '--sae-batch-size'];
const SIZE_FIELDS = ['steps', 'numEpochs', 'datasetSize', 'batchSize', 'evalSize', 'saeSteps', 'saeEvalSize', 'saeBatchSize', 'historyEvery'];
const TINY = ['--eval-size', '200', '--batch-size', '16', '--workers', '1', '--quiet', '--no-plots'];

const token = fc.constantFrom('0', '1', '2', '3', '0.5', '0.9', '0.99', '-1', '1e9', '1e-3', 'abc', '', ' ', 'NaN', 'Infinity', '1,2', 'relu', 'topk', 'gated', 'adamw', 'cosine', 'mean', 'anthropic', '--');
const toyFlag = fc.constantFrom(...TOY_FLAGS.map((f) => f.name).filter((n) => !SIZE_FLAGS.includes(n)));
const saeFlag = fc.constantFrom(...SAE_FLAGS.map((f) => f.name).filter((n) => !SIZE_FLAGS.includes(n)));
const flagWithValues = (flag: fc.Arbitrary<string>) => fc.tuple(flag, fc.array(token, { maxLength: 3 })).map(([f, values]) => [f, ...values]);
const stray = fc.constantFrom(['--bogus'], ['stray'], ['--sae'], ['--no-plots'], ['-V'], ['--name', 'x/y'], ['--workers', '0']);
const mode = fc.constantFrom(['--steps', '3'], ['--num-epochs', '1', '--dataset-size', '40'], ['--steps', '2', '--num-epochs', '1']);
const toyArgv = fc
  .tuple(fc.array(fc.oneof({ weight: 4, arbitrary: flagWithValues(toyFlag) }, { weight: 2, arbitrary: flagWithValues(saeFlag) }, { weight: 1, arbitrary: stray }), { maxLength: 4 }), mode, fc.boolean())
  .map(([flags, m, sae]) => [...flags.flat(), ...m, ...(sae ? ['--sae', '--sae-steps', '3', '--sae-eval-size', '200', '--sae-batch-size', '16'] : [])]);

/** The outcome of one command on a fresh --out: ran (0, results written), failed visibly (1), or refused in one line with nothing written (2). */
function checkOutcome(r: { status: number | null; stderr: string }, out: string, argv: readonly string[]): void {
  const context = `${argv.join(' ')}\n${r.stderr}`;
  expect(r.stderr, context).not.toMatch(/\n\s+at |Error: .*\n.*\n/);
  if (r.status === 0) return;
  if (r.status === 1) {
    expect(r.stderr, context).toMatch(/diverged|loss became/); // a run that failed, said in one line
    return;
  }
  expect(r.status, context).toBe(2);
  expect(isOneLine(r.stderr), context).toBe(true);
  expect(r.stderr, context).toMatch(/^superposition( reproduce)?: error: .*(--[a-z]|[a-zA-Z]+\.?[a-zA-Z]*(\[\d+\])? |unknown option|argument|too many|config|sweep\.json|\.safetensors)/);
  expect(fs.existsSync(out), `${context}\nwrote ${out}`).toBe(false);
}

describe('property: command lines', () => {
  it('toy commands (flags, SAE flags, stray words): run, or one line with exit 2 and nothing written', async () => {
    const base = tempDir('prop-toy');
    let k = 0;
    await fc.assert(
      fc.asyncProperty(toyArgv, async (args) => {
        const out = path.join(base, `out-${k++}`);
        const argv = [...args, ...TINY, '--out', out];
        const r = await runMain(argv);
        checkOutcome(r, out, argv);
        if (r.status === 0 && !argv.includes('-V')) expect(fs.existsSync(path.join(out, 'metrics.json')), argv.join(' ')).toBe(true);
      }),
      { numRuns: 80, seed: 15 }, // with this seed 15 of 80 run, 65 are refused
    );
  }, 180_000);

  it('sweeps: --set grids of known, unknown and size-free fields with any tokens', async () => {
    const base = tempDir('prop-sweep');
    const fields = fc.constantFrom(...['sparsity', 'seed', 'nHidden', 'nFeatures', 'lr', 'model', 'importance', 'colour', 'arch', 'l1', 'k', 'dictSize', 'saeSeeds', 'bandwidth', 'sparsity ', '1x', ''].filter((f) => !SIZE_FIELDS.includes(f)));
    const set = fc.tuple(fields, fc.array(fc.constantFrom('0', '1', '2', '0.5', '0.9', '-1', 'abc', '', 'relu', 'topk', '3'), { minLength: 0, maxLength: 3 })).map(([f, vs]) => ['--set', `${f}=${vs.join(',')}`]);
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(set, { maxLength: 2 }), fc.array(flagWithValues(toyFlag), { maxLength: 2 }), async (sets, flags) => {
        const out = path.join(base, `out-${k++}`);
        const argv = ['sweep', ...sets.flat(), ...flags.flat(), '--steps', '2', '--eval-size', '100', '--batch-size', '8', '--workers', '1', '--quiet', '--out', out];
        checkOutcome(await runMain(argv), out, argv);
      }),
      { numRuns: 25, seed: 15 }, // about 1 in 8 runs (a sweep with its summary plot), the rest are refused
    );
  }, 180_000);
});

describe('property: --set grids and config files, through the validation functions', () => {
  it('parseSet + expandSweep: runs = the product of the toy sets, or one ConfigError line naming the set or run', () => {
    const text = fc.tuple(fc.constantFrom('sparsity', 'seed', 'nHidden', 'lr', 'arch', 'l1', 'k', 'steps', 'bogus', 'importance', ''), fc.array(fc.oneof(token, fc.double({ noNaN: false }).map(String)), { maxLength: 4 })).map(([f, vs]) => `${f}=${vs.join(',')}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(text, fc.string()), { maxLength: 3 }), (texts) => {
        try {
          const sets = texts.map(parseSet);
          const runs = expandSweep({}, sets);
          const toyProduct = sets.filter((s) => !SAE_FIELDS.includes(s.field)).reduce((p, s) => p * s.values.length, 1);
          expect(runs.length).toBe(toyProduct);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(ConfigError);
          const message = (error as Error).message;
          expect(message.split('\n')).toHaveLength(1);
          expect(message).toMatch(/^(--set |run |--[a-z]|sae\.|[a-zA-Z]+(\[\d+\])? \(--)/);
        }
      }),
      { numRuns: 500, seed: 15 },
    );
  });

  it('config files, JSON and YAML (well-formed, odd values, or cut short): accepted, or one ConfigError line naming the file', () => {
    const dir = tempDir('prop-config');
    const value = fc.oneof(fc.constantFrom(20, 5, 0.9, [0.5, 0.9], 'relu', 'adamw', 0, -1, 1e9, null, true, [], {}), fc.jsonValue({ maxDepth: 2 }));
    const fieldName = fc.constantFrom('nFeatures', 'nHidden', 'sparsity', 'importanceDecay', 'importance', 'featureProbability', 'model', 'steps', 'numEpochs', 'lr', 'optimizer', 'seed', 'sae', 'colour', '__proto__', 'historyEvery');
    const config = fc.dictionary(fieldName, value, { maxKeys: 4 });
    let k = 0;
    fc.assert(
      fc.property(config, fc.constantFrom('json', 'yaml'), fc.option(fc.nat(), { nil: undefined }), (object, format, cut) => {
        let text = format === 'json' ? JSON.stringify(object, null, 2) : stringify(object);
        if (cut !== undefined) text = text.slice(0, cut % (text.length + 1));
        const file = path.join(dir, `c${k++}.${format}`);
        fs.writeFileSync(file, text);
        try {
          expandSweep(loadExperimentFile(file), []);
        } catch (error) {
          expect(error, `${text}\n${String(error)}`).toBeInstanceOf(ConfigError);
          const message = (error as Error).message;
          expect(message.split('\n'), message).toHaveLength(1);
          expect(message.startsWith(file) || /^(--[a-z]|[a-zA-Z]+(\[\d+\])? \(--|sae\.)/.test(message), message).toBe(true);
        }
      }),
      { numRuns: 400, seed: 15 },
    );
  });
});

describe('property: the safetensors reader', () => {
  const valid = encodeSafetensors(
    { W: { shape: [1, 2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, b: { shape: [1, 3], data: new Float64Array(3) } },
    { format: 'superposition-lab' },
  );
  const decodesOrRefuses = (bytes: Uint8Array) => {
    try {
      const { tensors } = decodeSafetensors(bytes);
      for (const tensor of Object.values(tensors)) expect(tensor.data.length).toBe(tensor.shape.reduce((a, b) => a * b, 1));
    } catch (error) {
      expect(error, String(error)).toBeInstanceOf(SafetensorsError);
      expect((error as Error).message.split('\n')).toHaveLength(1);
    }
  };

  it('arbitrary bytes', () => fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrRefuses), { numRuns: 2000, seed: 15 }));

  it('a valid file cut short, with bytes changed, or with any JSON as its header', () => {
    const cut = fc.nat(valid.length).map((n) => valid.subarray(0, n));
    const flipped = fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
      const bytes = valid.slice();
      for (const [at, v] of edits) bytes[at] = v;
      return bytes;
    });
    const header = fc.oneof(fc.jsonValue(), fc.record({ W: fc.record({ dtype: fc.constantFrom('F32', 'F64', 'I8'), shape: fc.array(fc.integer({ min: -2, max: 1e12 }), { maxLength: 3 }), data_offsets: fc.array(fc.integer({ min: -8, max: 1e12 }), { maxLength: 3 }) }, { requiredKeys: [] }) }));
    const withHeader = header.map((h) => {
      const json = Buffer.from(JSON.stringify(h) ?? 'null');
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(json.length));
      return new Uint8Array(Buffer.concat([length, json, Buffer.alloc(64)]));
    });
    fc.assert(fc.property(fc.oneof(cut, flipped, withHeader), decodesOrRefuses), { numRuns: 2000, seed: 15 });
  });

  describe('through sae --from', () => {
    let run: string;
    beforeAll(async () => {
      run = path.join(tempDir('prop-sae-src'), 'run');
      const r = await runMain(['--sparsity', '0.9', '--steps', '20', ...TINY, '--out', run]);
      expect(r.status, r.stderr).toBe(0);
    }, 60_000);

    it('damaged weights: SAEs train, or one line naming the file, exit 2, nothing written', async () => {
      const weights = fs.readFileSync(path.join(run, 'weights.safetensors'));
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.nat(weights.length), fc.tuple(fc.nat(weights.length - 1), fc.integer({ min: 0, max: 255 }))), async (damage) => {
          const bytes = typeof damage === 'number' ? weights.subarray(0, damage) : Uint8Array.from(weights).fill(damage[1], damage[0], damage[0] + 1);
          fs.writeFileSync(path.join(run, 'weights.safetensors'), bytes);
          const out = path.join(run, 'sae-test');
          const argv = ['sae', '--from', run, '--out', out, '--sae-steps', '3', '--sae-eval-size', '100', '--sae-batch-size', '8', '--quiet', '--no-plots'];
          const r = await runMain(argv);
          checkOutcome(r, out, argv);
          fs.rmSync(out, { recursive: true, force: true });
        }),
        { numRuns: 40, seed: 15 },
      );
      fs.writeFileSync(path.join(run, 'weights.safetensors'), weights);
    }, 120_000);
  });
});

describe('property: real processes (a sample)', () => {
  it('a dozen generated command lines through bin/superposition.js: run, or one line, exit 2, nothing written', () => {
    const base = tempDir('prop-real');
    fc.sample(toyArgv, { numRuns: 12, seed: 15 }).forEach((args, k) => {
      const out = path.join(base, `out-${k}`);
      const argv = [...args, ...TINY, '--out', out];
      checkOutcome(runCli(argv), out, argv);
    });
  }, 120_000);
});
