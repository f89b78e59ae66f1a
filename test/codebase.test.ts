// Properties of the code base itself: strict types; an isomorphic core (no Node API in the folders
// that must also run in the browser); imports that run one way only, down the layers that
// ARCHITECTURE.md draws; and no import circles between files.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAst } from 'rolldown/parseAst';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

/** Folders that must also run in a browser: no Node API, no package but the browser-safe ones. */
const ISOMORPHIC = ['src/core', 'src/config', 'src/kernels', 'src/data', 'src/models', 'src/metrics'];
/** npm packages the isomorphic folders may use: pure ES modules with no Node API (checked when added). */
const BROWSER_SAFE_PACKAGES = ['linear-sum-assignment', 'zod'];

/** What the browser explorer's sources (web/src) may import besides their own files: the library's public entry and these browser libraries. */
const WEB_PACKAGES = ['superposition-lab', 'comlink', 'uplot', 'uplot/dist/uPlot.min.css'];

/** Per folder of src/, the folders of src/ it may import from (besides itself): the layers, top down. */
const MAY_IMPORT: Record<string, string[]> = {
  // The package's entries: the Node one like the CLI, the main one browser-safe (no experiments, report or cli).
  'src/node.ts': ['src/index.ts', 'src/experiments', 'src/train', 'src/report', 'src/models', 'src/kernels', 'src/data', 'src/metrics', 'src/config', 'src/core', 'src/version.ts'],
  'src/index.ts': ['src/train', 'src/models', 'src/kernels', 'src/data', 'src/metrics', 'src/config', 'src/core', 'src/version.ts'],
  'src/cli': ['src/experiments', 'src/train', 'src/report', 'src/models', 'src/kernels', 'src/data', 'src/metrics', 'src/config', 'src/core', 'src/version.ts'],
  'src/experiments': ['src/train', 'src/report', 'src/models', 'src/kernels', 'src/data', 'src/metrics', 'src/config', 'src/core', 'src/version.ts'],
  'src/train': ['src/models', 'src/kernels', 'src/data', 'src/metrics', 'src/config', 'src/core', 'src/version.ts'],
  'src/report': ['src/metrics', 'src/config', 'src/core'],
  'src/models': ['src/kernels', 'src/data', 'src/config', 'src/core'],
  'src/kernels': ['src/core'],
  'src/data': ['src/core'],
  'src/metrics': ['src/core'],
  'src/config': [],
  'src/core': [],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The module specifiers a file imports (static imports, re-exports and dynamic import() of a literal). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
}

/**
 * The module specifiers of a file's import and export statements, side-effect imports and import()
 * of a literal, anchored at statements (web/src's code has strings like "--from" that the loose
 * pattern of importsOf would take for imports).
 */
function statementImportsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const patterns = [/^(?:import|export)\s[^'"]*?\sfrom\s*'([^']+)'/gm, /^import\s*'([^']+)'/gm, /\bimport\(\s*'([^']+)'\s*\)/g];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[1]));
}

/** A relative specifier as a repository path of a .ts file ('./x.js' → 'src/…/x.ts'). */
function resolveSource(from: string, spec: string): string {
  return path.relative(ROOT, path.resolve(path.dirname(from), spec)).replace(/\.js$/, '.ts');
}

const layerOf = (repoPath: string) => Object.keys(MAY_IMPORT).find((dir) => repoPath === dir || repoPath.startsWith(`${dir}/`));

describe('code base', () => {
  it('type-checks in strict mode, and the core with no Node types at all', () => {
    const result = spawnSync('npm', ['run', '--silent', 'typecheck'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('the isomorphic folders import nothing from Node or outside themselves (but browser-safe packages)', () => {
    for (const dir of ISOMORPHIC) {
      for (const file of sourceFiles(path.join(ROOT, dir))) {
        for (const spec of importsOf(file)) {
          if (BROWSER_SAFE_PACKAGES.includes(spec)) continue;
          expect(spec.startsWith('.'), `${path.relative(ROOT, file)} imports ${spec}`).toBe(true);
          const target = resolveSource(file, spec);
          expect(ISOMORPHIC.some((d) => target.startsWith(`${d}/`)), `${path.relative(ROOT, file)} imports ${target}`).toBe(true);
        }
        expect(fs.readFileSync(file, 'utf8'), path.relative(ROOT, file)).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
      }
    }
  });

  it('imports run down the layers only (ARCHITECTURE.md, "Layout")', () => {
    const wrong: string[] = [];
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      const from = path.relative(ROOT, file);
      const layer = layerOf(from);
      if (layer === undefined) continue; // src/version.ts: imported by anyone, imports nothing
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolveSource(file, spec);
        const targetLayer = layerOf(target) ?? target;
        if (targetLayer !== layer && !MAY_IMPORT[layer].includes(targetLayer)) wrong.push(`${from} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the browser explorer (web/src) imports only the public entry superposition-lab, its own files and the browser libraries', () => {
    const wrong: string[] = [];
    const files = sourceFiles(path.join(ROOT, 'web/src'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const spec of statementImportsOf(file)) {
        if (WEB_PACKAGES.includes(spec)) continue;
        const inside = spec.startsWith('.') && path.resolve(path.dirname(file), spec).startsWith(path.join(ROOT, 'web/src') + path.sep);
        if (!inside) wrong.push(`${path.relative(ROOT, file)} → ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no import circles between files of src/', () => {
    const graph = new Map<string, string[]>();
    for (const file of sourceFiles(path.join(ROOT, 'src')))
      graph.set(path.relative(ROOT, file), importsOf(file).filter((s) => s.startsWith('.')).map((s) => resolveSource(file, s)));
    // Depth-first search; a grey node met again closes a circle.
    const state = new Map<string, 'grey' | 'black'>();
    const circles: string[] = [];
    const visit = (node: string, trail: string[]) => {
      state.set(node, 'grey');
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === 'grey') circles.push([...trail.slice(trail.indexOf(next)), node, next].join(' → '));
        else if (!state.has(next)) visit(next, [...trail, node]);
      }
      state.set(node, 'black');
    };
    for (const node of graph.keys()) if (!state.has(node)) visit(node, []);
    expect(circles).toEqual([]);
  });

  it('rooms of one concern: no hand-written source file over 400 lines', () => {
    const big = sourceFiles(path.join(ROOT, 'src'))
      .concat(sourceFiles(path.join(ROOT, 'wasm')), sourceFiles(path.join(ROOT, 'web/src')))
      .filter((file) => !file.includes('.generated.'))
      .map((file) => [path.relative(ROOT, file), fs.readFileSync(file, 'utf8').split('\n').length - 1] as const)
      .filter(([, lines]) => lines > 400);
    expect(big).toEqual([]);
  });

  it('rooms of one concern: no function over 100 lines', () => {
    const long: string[] = [];
    for (const file of sourceFiles(path.join(ROOT, 'src')).concat(sourceFiles(path.join(ROOT, 'wasm')), sourceFiles(path.join(ROOT, 'web/src')))) {
      if (file.includes('.generated.')) continue;
      // AssemblyScript's decorators (@inline, @external(…)) are blanked so that a TypeScript parser reads the file.
      const text = fs.readFileSync(file, 'utf8').replace(/@\w+(\([^)]*\))?/g, (d) => ' '.repeat(d.length));
      const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
      const visit = (node: unknown, name: string): void => {
        if (Array.isArray(node)) return node.forEach((child) => visit(child, name));
        if (node === null || typeof node !== 'object') return;
        const n = node as { type?: string; start: number; end: number; id?: { name?: string }; key?: { name?: string } };
        if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') {
          const lines = lineAt(n.end) - lineAt(n.start) + 1;
          if (lines > 100) long.push(`${path.relative(ROOT, file)}: ${n.id?.name ?? name} (${lines} lines)`);
        }
        const inner = n.key?.name ?? (n.type === 'VariableDeclarator' ? n.id?.name : undefined) ?? name;
        for (const [key, child] of Object.entries(n)) if (key !== 'parent') visit(child, inner);
      };
      visit(parseAst(text, { lang: 'ts' }), '(anonymous)');
    }
    expect(long).toEqual([]);
  });
});
