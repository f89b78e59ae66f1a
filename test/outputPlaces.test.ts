// Output places and silent surprises: an --out that cannot be used, a full disk, reproduce's
// folder, and --set combinations that used to do something silently — each one line, exit 2,
// nothing written.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../src/cli/failure.js';
import { freshReproduceDir } from '../src/cli/reproduce.js';
import { writeFileAtomic } from '../src/experiments/store.js';
import { tempDir } from './helpers/cli.js';
import { isOneLine, runMain } from './helpers/inProcess.js';

/** Refused: exit 2, one line matching `message`, and `base` left exactly as it was. */
async function expectRefused(argv: string[], message: RegExp, base: string): Promise<void> {
  const before = fs.readdirSync(base, { recursive: true }).map(String).sort();
  const r = await runMain(argv);
  expect(r.status, r.stderr).toBe(2);
  expect(isOneLine(r.stderr), r.stderr).toBe(true);
  expect(r.stderr).toMatch(message);
  expect(fs.readdirSync(base, { recursive: true }).map(String).sort()).toEqual(before);
}

describe('--out places that cannot be used', () => {
  const base = tempDir('places');
  const file = path.join(base, 'a-file');
  fs.writeFileSync(file, 'not a folder');
  const tiny = ['--sparsity', '0.9', '--steps', '5', '--workers', '1', '--quiet'];
  const cases: [string, string[], RegExp][] = [
    ['--out ""', [...tiny, '--out', ''], /error: --out must name a folder \(got ""\)/],
    ['--out under a regular file (ENOTDIR)', [...tiny, '--out', path.join(file, 'run')], /--out .*a-file\/run: .*a-file is a file, not a folder: choose another --out/],
    ['--out that is a file', [...tiny, '--out', file], /--out .*a-file is a file, not a folder/],
    ['--out under /proc (mkdir fails with ENOENT)', [...tiny, '--out', '/proc/superposition-test/run'], /error: file system error creating \/proc\/superposition-test: no such file or folder \(ENOENT\)/],
    ['sae --out ""', ['sae', '--from', base, '--out', ''], /error: (--out must name a folder|--from .*no config\.json there)/],
    ['sae --from ""', ['sae', '--from', ''], /error: --from must name the results folder of a toy run \(got ""\)/],
    ['--resume ""', ['--resume', ''], /error: --resume must name a results folder \(got ""\)/],
    ['sweep --out ""', ['sweep', '--steps', '5', '--quiet', '--out', ''], /error: --out must name a folder \(got ""\)/],
    ['sweep --out under a file', ['sweep', '--steps', '5', '--quiet', '--out', path.join(file, 'x')], /is a file, not a folder/],
    ['sweep --resume ""', ['sweep', '--resume', ''], /error: --resume must name a sweep folder/],
    ['reproduce --out an existing file', ['reproduce', '--quick', '--out', file], /^superposition reproduce: error: --out .*a-file is a file, not a folder/],
    ['reproduce --out ""', ['reproduce', '--quick', '--out', ''], /reproduce: error: --out must name a folder/],
    ['reproduce --out a folder with a report', ['reproduce', '--quick', '--out', base], /--out .* already exists and is not empty: an earlier report is never overwritten/],
  ];
  for (const [name, argv, message] of cases) it(`${name}: one line, exit 2, nothing written`, () => expectRefused(argv, message, base));
});

describe('a full disk and other file-system errors', () => {
  it('ENOSPC (a real one, from /dev/full) becomes one line with what to do, exit 2', () => {
    let error: unknown;
    try {
      fs.writeFileSync('/dev/full', 'x');
    } catch (e) {
      error = e;
    }
    const { code, line, log } = describeFailure(error);
    expect(code).toBe(2);
    expect(log).toBeFalsy();
    expect(line).toBe('error: file system error: the disk is full (ENOSPC): free some space, then run the command again (--resume continues an interrupted run or sweep)');
    // writeFileAtomic names the file a write failed on (a write error carries no path of its own).
    (error as NodeJS.ErrnoException).path = 'results/x/metrics.json';
    expect(describeFailure(error).line).toMatch(/^error: file system error writing results\/x\/metrics\.json: the disk is full \(ENOSPC\)/);
  });

  it('maps the common codes to one line naming the path', () => {
    const fake = (code: string, syscall: string) => Object.assign(new Error(`${code}: x`), { code, syscall, path: '/r/x' });
    expect(describeFailure(fake('EACCES', 'open')).line).toBe('error: file system error writing /r/x: permission denied (EACCES)');
    expect(describeFailure(fake('EROFS', 'mkdir')).line).toBe('error: file system error creating /r/x: the file system is read-only (EROFS)');
    expect(describeFailure(fake('EDQUOT', 'write')).line).toMatch(/quota is exceeded \(EDQUOT\): free some space/);
    expect(describeFailure(fake('EWEIRD', 'open')).line).toBe('error: file system error writing /r/x: EWEIRD: x (EWEIRD)');
  });

  it('a failed write leaves no temporary file behind', () => {
    const dir = tempDir('atomic');
    fs.mkdirSync(path.join(dir, 'taken'));
    expect(() => writeFileAtomic(path.join(dir, 'taken'), 'x')).toThrow(); // rename onto a folder fails
    expect(fs.readdirSync(dir)).toEqual(['taken']);
  });

  it('an unexpected error is one line plus the path of a log file holding the trace', () => {
    const { code, line, log } = describeFailure(new TypeError('x is not a function\n    at somewhere (file.ts:1:1)'));
    expect(code).toBe(1);
    expect(log).toBe(true);
    expect(line).toBe('unexpected error: TypeError: x is not a function');
  });
});

describe('reproduce never overwrites a report', () => {
  it('the default folder is results/reproduce, then reproduce-2, -3, … as earlier reports are there', () => {
    const base = path.join(tempDir('repro'), 'reproduce');
    expect(freshReproduceDir(base)).toBe(base);
    fs.mkdirSync(base);
    expect(freshReproduceDir(base)).toBe(base); // empty: usable
    fs.writeFileSync(path.join(base, 'report.html'), 'earlier');
    expect(freshReproduceDir(base)).toBe(`${base}-2`);
    fs.mkdirSync(`${base}-2`);
    fs.writeFileSync(path.join(`${base}-2`, 'verdicts.json'), '{}');
    expect(freshReproduceDir(base)).toBe(`${base}-3`);
  });
});

describe('silent surprises of sweep are errors', () => {
  const base = tempDir('surprises');
  const out = path.join(base, 'sweep');
  const cases: [string, string[], RegExp][] = [
    ['--set seed=1,1', ['--set', 'seed=1,1'], /error: --set seed: the value 1 is given twice \(each run once: drop the repeat\)/],
    ['--set sparsity=0.5,.5', ['--set', 'sparsity=0.5,.5'], /--set sparsity: the value 0\.5 is given twice/],
    ['--set seed twice', ['--set', 'seed=0', '--set', 'seed=1'], /error: --set seed is given twice: put all its values in one --set seed=v1,v2,…/],
    ['--sparsity with --set sparsity', ['--sparsity', '0.5', '--set', 'sparsity=0.9'], /error: --sparsity and --set sparsity both set sparsity: give one of them/],
    ['--l1 with --set l1', ['--l1', '0.1', '--set', 'l1=0.01,0.03'], /error: --l1 and --set l1 both set l1: give one of them/],
  ];
  for (const [name, args, message] of cases)
    it(`${name}: one line, exit 2, nothing written`, () => expectRefused(['sweep', ...args, '--steps', '5', '--quiet', '--out', out], message, base));
});
