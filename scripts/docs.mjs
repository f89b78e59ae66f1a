// `npm run docs`: the API reference of both package entries (src/index.ts, src/node.ts) into
// docs/api/ with TypeDoc. TypeDoc 0.28 needs TypeScript ≤ 6.0 as a peer and the project builds
// with TypeScript 7 (which has no compiler API), so TypeDoc lives in tools/typedoc/ with its own
// lockfile, installed there on first use. Any TypeDoc warning (e.g. an exported symbol without a
// doc comment) fails the command.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tool = path.join(root, 'tools', 'typedoc');
const typedoc = path.join(tool, 'node_modules', 'typedoc', 'bin', 'typedoc');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!fs.existsSync(typedoc)) run('npm', ['ci', '--prefix', tool, '--no-audit', '--no-fund']);
run(process.execPath, [typedoc, '--options', path.join(tool, 'typedoc.json'), '--treatWarningsAsErrors']);
