// Config files, JSON or YAML (.yaml / .yml), read by one loader for every command that takes a
// file. Every problem is one ConfigError line naming the file and, where known, the line:
//
//   config/x.yaml:3:1: YAML syntax error: Map keys must be unique
//   config/x.yaml:5: sae.l1[0] (--l1) must be numbers in [0, 1e6] (got -1)
//
// The loader parses and locates; what the fields mean is checked by the caller's schema (through
// `check`), so a YAML file and a JSON file with the same content are the same config.

import fs from 'node:fs';
import { LineCounter, isMap, isSeq, isScalar, parseDocument, type Document } from 'yaml';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { experimentIssue, type ExperimentInput } from '../config/experiment.js';

/** True for file names read as YAML; everything else is read as JSON. */
export function isYamlFile(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

interface Parsed {
  value: unknown;
  /** 1-based line of the value (or key) at a path, if it can be found. */
  lineOf: (path: readonly PropertyKey[]) => number | undefined;
}

/** "Map keys must be unique at line 2, column 1:\n…" → "Map keys must be unique". */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

/** A parser error as one line; a repeated key is named. */
function describeProblem(problem: { code: string; message: string; pos: [number, number] }, text: string): string {
  if (problem.code === 'DUPLICATE_KEY') {
    const key = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\s,{}]+)/.exec(text.slice(problem.pos[0]))?.[1];
    return key ? `duplicate key ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`} (each key may appear once)` : 'duplicate key (each key may appear once)';
  }
  return firstLine(problem.message);
}

function yamlDocument(text: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  // uniqueKeys (the default, made explicit): a repeated key is an error, not "the last one wins".
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  return { doc, lines };
}

/** The line of the node at `path` in a parsed document: a map step points at the key, a list step at the item. */
function locate(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0];
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number' && node.items[step]) {
      node = node.items[step];
      offset = (node as { range?: [number, number, number] }).range?.[0] ?? offset;
    } else break;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function parseYaml(file: string, text: string): Parsed {
  const { doc, lines } = yamlDocument(text);
  // Warnings (e.g. an unresolved !tag read as a string) count as errors: a config is exact.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const where = problem.linePos ? `${file}:${problem.linePos[0].line}:${problem.linePos[0].col}` : file;
    throw new ConfigError(`${where}: YAML ${problem.code === 'DUPLICATE_KEY' ? 'error' : 'syntax error'}: ${describeProblem(problem, text)}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${file}: YAML error: ${firstLine((error as Error).message)}`);
  }
  return { value, lineOf: (path) => locate(doc, lines, path) };
}

/** Line and column (1-based) of a character offset. */
function linePosition(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function parseJson(file: string, text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    const position = /at position (\d+)/.exec(message);
    const where = position ? (({ line, col }) => `${file}:${line}:${col}`)(linePosition(text, Number(position[1]))) : file;
    throw new ConfigError(`${where}: JSON syntax error: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
  // JSON is YAML: its parser finds repeated keys (which JSON.parse silently resolves to the last)
  // and the line of every value. Other complaints of the YAML parser about valid JSON are ignored.
  const { doc, lines } = yamlDocument(text);
  const duplicate = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (duplicate) {
    const where = duplicate.linePos ? `${file}:${duplicate.linePos[0].line}:${duplicate.linePos[0].col}` : file;
    throw new ConfigError(`${where}: JSON error: ${describeProblem(duplicate, text)}`);
  }
  const usable = doc.errors.length === 0;
  return { value, lineOf: (path) => (usable ? locate(doc, lines, path) : undefined) };
}

/**
 * Read a config file (YAML if it ends in .yaml or .yml, JSON otherwise) into a plain object, and
 * run `check` on it; throws ConfigError (one line, file and line named) on any problem.
 *
 * @example loadConfigFile('config/critical-region.yaml', experimentIssue)
 *          // → { nFeatures: 20, nHidden: 5, importanceDecay: 0.7, sparsity: [0.82, 0.85, 0.87], … }
 */
export function loadConfigFile(file: string, check?: (value: unknown) => ConfigIssue | undefined): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
  if (fs.statSync(file).isDirectory()) throw new ConfigError(`config file ${file} is a folder, not a file`);
  const text = fs.readFileSync(file, 'utf8');
  const yaml = isYamlFile(file);
  const { value, lineOf } = yaml ? parseYaml(file, text) : parseJson(file, text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null || value === undefined ? 'nothing' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new ConfigError(`${file}: must hold ${yaml ? 'a mapping' : 'an object'} of config fields (got ${got})`);
  }
  const issue = check?.(value);
  if (issue) {
    const line = lineOf(issue.path);
    throw new ConfigError(`${file}${line === undefined ? '' : `:${line}`}: ${issue.message}`);
  }
  return value as Record<string, unknown>;
}

/**
 * An experiment file (JSON, or YAML if it ends in .yaml / .yml) checked against experimentSchema;
 * throws ConfigError naming the file and line.
 */
export function loadExperimentFile(file: string): ExperimentInput {
  return loadConfigFile(file, experimentIssue) as ExperimentInput;
}
