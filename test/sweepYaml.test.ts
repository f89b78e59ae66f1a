// Config files in YAML: the same schema and the same runs as JSON; syntax errors name the file
// and line, duplicate keys are errors, and through the CLI every problem is one line, exit 2,
// nothing written.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { loadConfigFile, loadExperimentFile } from '../src/experiments/configFile.js';
import { expandSweep, parseSet } from '../src/experiments/sweep/grid.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

/** Write `text` to a fresh temporary file called `name`; returns its path. */
function file(name: string, text: string): string {
  const full = path.join(tempDir('sweep-yaml'), name);
  fs.writeFileSync(full, text);
  return full;
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('YAML config files', () => {
  it('config/critical-region.yaml expands to exactly the runs of critical-region.json', () => {
    const sets = [parseSet('seed=0,1,2')];
    const fromYaml = expandSweep(loadExperimentFile(path.join(ROOT, 'config', 'critical-region.yaml')), sets);
    const fromJson = expandSweep(loadExperimentFile(path.join(ROOT, 'config', 'critical-region.json')), sets);
    expect(fromYaml).toHaveLength(3);
    expect(fromYaml).toEqual(fromJson);
    expect(fromYaml[0].config.sparsity).toEqual([0.82, 0.85, 0.87]);
  });

  it('reads .yml too, with nested SAE fields, lists in both styles and comments', () => {
    const yml = file('sae.yml', '# a comment\nnHidden: 3\nsparsity:\n  - 0.7\n  - 0.9\nsae:\n  arch: [relu, topk]\n  l1: [0.01]\n  saeSeeds: 2\n');
    const json = file('sae.json', JSON.stringify({ nHidden: 3, sparsity: [0.7, 0.9], sae: { arch: ['relu', 'topk'], l1: [0.01], saeSeeds: 2 } }));
    expect(loadExperimentFile(yml)).toEqual(loadExperimentFile(json));
    expect(expandSweep(loadExperimentFile(yml), [])).toEqual(expandSweep(loadExperimentFile(json), []));
  });

  it('a syntax error or a repeated key names the file, line and column', () => {
    const syntax = file('syntax.yaml', 'nFeatures: 20\nsparsity: [0.5,\n');
    expect(errorOf(() => loadExperimentFile(syntax))).toBe(`${syntax}:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`);
    const indent = file('indent.yaml', 'nFeatures: 20\n  nHidden: 5\n');
    expect(errorOf(() => loadExperimentFile(indent))).toMatch(new RegExp(`^${indent}:1:\\d+: YAML syntax error: `));
    const duplicate = file('dup.yaml', 'nFeatures: 20\nnHidden: 5\nnHidden: 6\n');
    expect(errorOf(() => loadExperimentFile(duplicate))).toBe(`${duplicate}:3:1: YAML error: duplicate key "nHidden" (each key may appear once)`);
    const nested = file('nested.yaml', 'sae:\n  l1: [0.1]\n  l1: [0.2]\n');
    expect(errorOf(() => loadExperimentFile(nested))).toBe(`${nested}:3:3: YAML error: duplicate key "l1" (each key may appear once)`);
    const tag = file('tag.yaml', 'model: !weird relu\n');
    expect(errorOf(() => loadExperimentFile(tag))).toMatch(new RegExp(`^${tag}:1:\\d+: YAML syntax error: .*tag`));
  });

  it('an unknown key or a bad value names the file, the line and the field\'s path', () => {
    const unknown = file('unknown.yaml', 'nFeatures: 20\nsae:\n  arch: [relu]\n  colour: red\n');
    expect(errorOf(() => loadExperimentFile(unknown))).toBe(`${unknown}:4: sae: unknown config field "colour"`);
    const topLevel = file('top.yaml', 'nFeatures: 20\nbogus: 1\n');
    expect(errorOf(() => loadExperimentFile(topLevel))).toBe(`${topLevel}:2: unknown config field "bogus"`);
    const badItem = file('item.yaml', 'sparsity:\n  - 0.5\n  - 1.5\n');
    expect(errorOf(() => loadExperimentFile(badItem))).toBe(`${badItem}:3: sparsity[1] (--sparsity) must be 1 to 4096 numbers, each in [0, 1) (got 1.5)`);
    const badSae = file('l1.yaml', 'sae:\n  l1: [-1]\n');
    expect(errorOf(() => loadExperimentFile(badSae))).toBe(`${badSae}:2: sae.l1[0] (--l1) must be numbers in [0, 1e6] (got -1)`);
    // YAML 1.2: "yes" is a string, so a boolean-looking value is a type error, not silently true.
    const wrongType = file('type.yaml', 'nHidden: five\n');
    expect(errorOf(() => loadExperimentFile(wrongType))).toBe(`${wrongType}:1: nHidden (--dense-dim) must be an integer in [1, 100000] (got "five")`);
  });

  it('JSON goes through the same loader: syntax errors with a line, repeated keys refused, lines for schema errors', () => {
    const syntax = file('syntax.json', '{\n  "nHidden": 2,\n  "x": 3,\n}\n');
    expect(errorOf(() => loadExperimentFile(syntax))).toMatch(new RegExp(`^${syntax}:4:1: JSON syntax error: `));
    const duplicate = file('dup.json', '{\n  "nHidden": 2,\n  "nHidden": 3\n}\n');
    expect(errorOf(() => loadExperimentFile(duplicate))).toBe(`${duplicate}:3:3: JSON error: duplicate key "nHidden" (each key may appear once)`);
    const unknown = file('unknown.json', '{\n  "nHidden": 2,\n  "sae": { "colour": 1 }\n}\n');
    expect(errorOf(() => loadExperimentFile(unknown))).toBe(`${unknown}:3: sae: unknown config field "colour"`);
  });

  it('refuses files that are not a mapping, and missing files', () => {
    expect(errorOf(() => loadConfigFile(file('list.yaml', '- 1\n- 2\n')))).toMatch(/: must hold a mapping of config fields \(got a list\)$/);
    expect(errorOf(() => loadConfigFile(file('empty.yml', '')))).toMatch(/: must hold a mapping of config fields \(got nothing\)$/);
    expect(errorOf(() => loadConfigFile(file('scalar.json', '3')))).toMatch(/: must hold an object of config fields \(got a number\)$/);
    expect(errorOf(() => loadConfigFile('no/such/file.yaml'))).toBe('config file no/such/file.yaml does not exist');
  });
});

describe('superposition sweep with a YAML file', () => {
  it('every YAML problem is one line on stderr, exit 2, and nothing is written', () => {
    const base = tempDir('sweep-yaml-cli');
    const cases: [string, string, RegExp][] = [
      ['syntax.yaml', 'nFeatures: 20\nsparsity: [0.5,\n', /^superposition: error: .*syntax\.yaml:3:1: YAML syntax error: /],
      ['dup.yaml', 'nHidden: 5\nnHidden: 6\n', /^superposition: error: .*dup\.yaml:2:1: YAML error: duplicate key "nHidden"/],
      ['unknown.yaml', 'nFeatures: 20\nsae:\n  colour: red\n', /^superposition: error: .*unknown\.yaml:3: sae: unknown config field "colour"$/],
      ['range.yml', 'nHidden: -3\n', /^superposition: error: .*range\.yml:1: nHidden \(--dense-dim\) must be an integer in \[1, 100000\] \(got -3\)$/],
    ];
    for (const [name, text, message] of cases) {
      const config = path.join(base, name);
      fs.writeFileSync(config, text);
      const out = path.join(base, 'out');
      const r = runCli(['sweep', config, '--steps', '50', '--quiet', '--out', out]);
      expect(r.status, name).toBe(2);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr.trim(), name).toMatch(message);
      expect(r.stdout, name).toBe('');
      expect(fs.existsSync(out), name).toBe(false);
    }
  });

  it('runs config/critical-region.yaml from the repo root as the README shows, the same runs as the JSON file', () => {
    const out = path.join(tempDir('sweep-yaml-run'), 'sweep');
    const r = runCli(['sweep', 'config/critical-region.yaml', '--set', 'seed=0,1', '--num-epochs', '1', '--dataset-size', '2048', '--eval-size', '2000', '--workers', '1', '--quiet', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const records = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const json = loadExperimentFile(path.join(ROOT, 'config', 'critical-region.json'));
    const expected = expandSweep({ ...json, numEpochs: 1, datasetSize: 2048, evalSize: 2000 }, [parseSet('seed=0,1')]);
    expect(records.map((rec) => rec.id)).toEqual(expected.map((run) => run.id));
  });
});
