// Run the CLI's main(argv) in this process with stdout and stderr captured: fast enough for
// property-based tests over thousands of inputs (a child process costs ~0.5 s).

import { main } from '../../src/cli/main.js';

export interface InProcessResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runMain(argv: readonly string[]): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const status = await main(argv);
    return { status, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** One line on stderr, no stack trace. */
export function isOneLine(stderr: string): boolean {
  const lines = stderr.trimEnd().split('\n');
  return lines.length === 1 && lines[0] !== '' && !/\n\s+at /.test(stderr);
}
