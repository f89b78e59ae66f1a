// Damaged files: each is one line naming the file and the reason, exit 2, with nothing already
// written lost — or a warning and a recovery where recovering is right (runs.jsonl, a deleted
// run folder). In-process through main(argv) where that is enough; one real sweep for recovery.

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../src/core/safetensors.js';
import { runCli, tempDir } from './helpers/cli.js';
import { isOneLine, runMain } from './helpers/inProcess.js';

/** A finished toy run (tiny) to damage copies of. */
let source: string;
beforeAll(async () => {
  source = path.join(tempDir('damaged-src'), 'run');
  const r = await runMain(['--sparsity', '0.9', '--steps', '30', '--workers', '1', '--no-plots', '--quiet', '--out', source]);
  expect(r.status, r.stderr).toBe(0);
}, 60_000);

/** A copy of the finished run with weights.safetensors replaced by `weights`. */
function runWithWeights(weights: Uint8Array | string): string {
  const dir = path.join(tempDir('damaged'), 'run');
  fs.cpSync(source, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'weights.safetensors'), weights);
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  const files = fs.readdirSync(dir, { recursive: true }).map(String).sort();
  return Object.fromEntries(files.map((f) => [f, fs.statSync(path.join(dir, f)).isFile() ? fs.readFileSync(path.join(dir, f), 'base64') : 'dir']));
}

describe('sae --from a damaged weights.safetensors', () => {
  const weights = () => fs.readFileSync(path.join(source, 'weights.safetensors'));
  const nanWeights = () => {
    const W = new Float32Array(1 * 5 * 20).fill(0.1);
    W[7] = NaN;
    return encodeSafetensors({ W: { shape: [1, 5, 20], data: W }, b: { shape: [1, 20], data: new Float32Array(20) } });
  };
  const cases: [string, () => Uint8Array | string, RegExp][] = [
    ['empty', () => '', /weights\.safetensors is damaged: the file is empty; train the toy model again/],
    ['truncated in the data', () => weights().subarray(0, weights().length - 10), /is damaged: the file is truncated: tensor \w+ ends at byte \d+, the file has \d+/],
    ['truncated in the header', () => weights().subarray(0, 40), /is damaged: the file is truncated: its header needs \d+ bytes, the file has 40/],
    ['a foreign file (text)', () => '# a README, not weights\n'.repeat(20), /is damaged: not a safetensors file \(its first 8 bytes give a header length of \d+\)/],
    ['a foreign safetensors file', () => encodeSafetensors({ X: { shape: [2], data: new Float32Array(2) } }), /weights\.safetensors has no tensor W, not the W \[1,5,20\] its config\.json describes — is it from another run\?/],
    ['another run\'s weights', () => encodeSafetensors({ W: { shape: [1, 3, 20], data: new Float32Array(60) } }), /has a W of shape \[1,3,20\], not the W \[1,5,20\]/],
    ['a header that is JSON but not an object', () => { const h = Buffer.from('[1,2]   '); const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(h.length)); return Buffer.concat([b, h]); }, /not a safetensors file \(its header is not a JSON object\)/],
    ['NaN weights', nanWeights, /the toy model's weights W hold NaN \(instance 0, sparsity 0\.9\), so no SAE can learn from them; the toy run diverged or the file was changed/],
  ];
  for (const [name, make, message] of cases) {
    it(`${name}: one line naming the file and the reason, exit 2, nothing written`, async () => {
      const dir = runWithWeights(make());
      const before = snapshot(dir);
      const r = await runMain(['sae', '--from', dir, '--sae-steps', '5', '--quiet', '--no-plots']);
      expect(r.status).toBe(2);
      expect(isOneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/sae-lr/); // NaN weights are not the SAE's learning rate
      expect(snapshot(dir)).toEqual(before);
    });
  }
});

describe('--resume with a damaged checkpoint', () => {
  /** An interrupted-looking run: config.json (no metrics) plus the given checkpoint files. */
  function interrupted(files: Record<string, string | Uint8Array>): string {
    const dir = path.join(tempDir('damaged-ckpt'), 'run');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(source, 'config.json'), path.join(dir, 'config.json'));
    for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), data);
    return dir;
  }
  const meta = { step: 10, adamSteps: { W: 10, b: 10 }, dataRngs: [[1, 2, 3, 4, null]], shuffleRngs: [[1, 2, 3, 4, null]], history: [], tensors: 'checkpoint-10.safetensors' };
  const cases: [string, Record<string, string | Uint8Array>, RegExp][] = [
    ['checkpoint.json truncated', { 'checkpoint.json': '{"step": 10, "adamSt' }, /checkpoint\.json is damaged: it is not valid JSON; to start this run again from step 0, delete .*checkpoint\.json and the checkpoint-\*\.safetensors beside it/],
    ['checkpoint.json of another shape', { 'checkpoint.json': JSON.stringify({ ...meta, dataRngs: [] }) }, /checkpoint\.json is damaged: its fields do not describe a checkpoint of this run/],
    ['tensor file missing', { 'checkpoint.json': JSON.stringify(meta) }, /checkpoint\.json is damaged: it names checkpoint-10\.safetensors, which is missing/],
    ['tensor file truncated', { 'checkpoint.json': JSON.stringify(meta), 'checkpoint-10.safetensors': encodeSafetensors({ W: { shape: [1, 5, 20], data: new Float32Array(100) } }).subarray(0, 200) }, /checkpoint-10\.safetensors is damaged: the file is truncated/],
    ['tensor of the wrong size', { 'checkpoint.json': JSON.stringify(meta), 'checkpoint-10.safetensors': encodeSafetensors({ W: { shape: [3], data: new Float32Array(3) } }) }, /checkpoint-10\.safetensors is damaged: checkpoint tensor W is missing or has the wrong size/],
  ];
  for (const [name, files, message] of cases) {
    it(`${name}: one line, exit 2, the folder unchanged`, async () => {
      const dir = interrupted(files);
      const before = snapshot(dir);
      const r = await runMain(['--resume', dir, '--quiet', '--workers', '1']);
      expect(r.status).toBe(2);
      expect(isOneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(message);
      expect(snapshot(dir)).toEqual(before);
    });
  }
});

describe('a damaged sweep folder', () => {
  /** A finished 3-run sweep (tiny), copied per test. */
  let sweep: string;
  beforeAll(async () => {
    sweep = path.join(tempDir('damaged-sweep-src'), 'sweep');
    const r = await runMain(['sweep', '--set', 'seed=0,1,2', '--sparsity', '0.9', '--steps', '30', '--workers', '1', '--quiet', '--out', sweep]);
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);
  const copy = () => {
    const dir = path.join(tempDir('damaged-sweep'), 'sweep');
    fs.cpSync(sweep, dir, { recursive: true });
    return dir;
  };
  const records = (dir: string) => fs.readFileSync(path.join(dir, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

  it('a corrupt sweep.json: one line naming it, exit 2, nothing changed', async () => {
    for (const text of ['{"version": "0.1.0", "base": {', '[]', '{"base": {}, "sets": [{"field": 3}]}']) {
      const dir = copy();
      fs.writeFileSync(path.join(dir, 'sweep.json'), text);
      const before = snapshot(dir);
      const r = await runMain(['sweep', '--resume', dir, '--quiet']);
      expect(r.status).toBe(2);
      expect(isOneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(/sweep\.json is damaged: (it is not valid JSON|it has no "base" object and "sets" list); it holds the definition of the sweep/);
      expect(snapshot(dir)).toEqual(before);
    }
  });

  it('a truncated or garbage last line of runs.jsonl, and a deleted runs/<id>/: a warning each, that run redone, the others kept', () => {
    const dir = copy();
    const [first, second, third] = records(dir);
    const firstWeights = fs.readFileSync(path.join(dir, first.dir, 'weights.safetensors'));
    // second: its folder deleted; third: its line cut in half; then a garbage line.
    fs.rmSync(path.join(dir, second.dir), { recursive: true });
    const lines = fs.readFileSync(path.join(dir, 'runs.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(dir, 'runs.jsonl'), `${lines[0]}\n${lines[1]}\n${lines[2].slice(0, 50)}\n\u0000\u0000garbage\n`);
    const r = runCli(['sweep', '--resume', dir, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*runs\.jsonl: line 3 is damaged .*; dropped, its run is redone/);
    expect(r.stderr).toMatch(/warning: .*runs\.jsonl: line 4 is damaged/);
    expect(r.stderr).toMatch(new RegExp(`warning: .*runs/${second.id} is missing or incomplete although runs\\.jsonl lists it; that run is redone`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const after = records(dir);
    expect(after.map((x) => x.id).sort()).toEqual([first.id, second.id, third.id].sort());
    expect(fs.readFileSync(path.join(dir, first.dir, 'weights.safetensors'))).toEqual(firstWeights); // kept, not redone
    for (const record of after) expect(fs.existsSync(path.join(dir, record.dir, 'metrics.json'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'summary.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
  });
});
