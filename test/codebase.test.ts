// Properties of the code base itself: strict types, and an isomorphic core (no Node API in the
// folders that must also run in the browser).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const ISOMORPHIC = ['src/core', 'src/data', 'src/models', 'src/metrics', 'src/kernels'];
/** npm packages the core may use: pure ES modules with no Node API (checked when added). */
const BROWSER_SAFE_PACKAGES = ['linear-sum-assignment'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('code base', () => {
  it('type-checks in strict mode, and the core with no Node types at all', () => {
    const result = spawnSync('npm', ['run', '--silent', 'typecheck'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('the isomorphic folders import nothing from Node or outside themselves (but browser-safe packages)', () => {
    for (const dir of ISOMORPHIC) {
      for (const file of sourceFiles(path.join(ROOT, dir))) {
        const text = fs.readFileSync(file, 'utf8');
        const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
        for (const spec of imports) {
          if (BROWSER_SAFE_PACKAGES.includes(spec)) continue;
          expect(spec.startsWith('.'), `${path.relative(ROOT, file)} imports ${spec}`).toBe(true);
          const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
          expect(ISOMORPHIC.some((d) => target.startsWith(d)), `${path.relative(ROOT, file)} imports ${target}`).toBe(true);
        }
        expect(text, path.relative(ROOT, file)).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
      }
    }
  });
});
