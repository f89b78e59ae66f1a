// `superposition serve [--port P] [results folder]`: the browser explorer, served from the
// package's built dist-web/ on 127.0.0.1 (staticServer.ts), with a toy run's results folder under
// /results/ when one is given, so that the printed URL (…/?from=results/) opens that run. Runs
// until Ctrl-C or SIGTERM (interrupt.ts), then closes its connections and exits 0.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/errors.js';
import { flagFields } from '../config/flags.js';
import { resolveServeOptions, serveFieldFlags } from '../config/serve.js';
import { configFromJson } from '../train/toyFiles.js';
import { VERSION } from '../version.js';
import { reportFailure } from './failure.js';
import { UsageError, addFlags, collectInput } from './flags.js';
import { interruptible } from './interrupt.js';
import { RESULTS_PREFIX, startStaticServer, stopStaticServer } from './staticServer.js';

/** The package's built site: dist-web/ beside dist/ (this file runs as dist/cli/serve.js, or src/cli/serve.ts). */
export const SITE_DIR = fileURLToPath(new URL('../../dist-web/', import.meta.url));

/** The files the page reads from a run (`?from=`), so a folder without them is refused up front. */
const RUN_FILES = ['config.json', 'metrics.json', 'weights.safetensors'];

/** How often the wait loop looks for a stop request: short enough that Ctrl-C feels immediate. */
const POLL_MS = 100;

function buildProgram(): Command {
  const program = new Command('superposition serve')
    .description('Serve the browser explorer on 127.0.0.1; with a results folder, open that toy run in it.')
    .version(VERSION)
    .argument('[folder]', 'results folder of a finished toy run, served under /results/')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  addFlags(program, flagFields(serveFieldFlags()), { showDefaults: true });
  return program;
}

/** The built site, or a one-line error telling how to build it. */
export function checkSite(siteDir: string): string {
  if (!fs.existsSync(path.join(siteDir, 'index.html')))
    throw new UsageError(`the explorer is not built (no ${path.join(siteDir, 'index.html')}): run npm run build:web`);
  return siteDir;
}

/** A results folder the page can open: it exists and holds a finished toy run with a valid config. */
export function checkRunFolder(folder: string): string {
  if (folder.trim() === '') throw new UsageError('the results folder must be a path (got "")');
  if (!fs.existsSync(folder)) throw new UsageError(`results folder ${folder} does not exist`);
  if (!fs.statSync(folder).isDirectory()) throw new UsageError(`results folder ${folder} is not a folder`);
  for (const file of RUN_FILES)
    if (!fs.existsSync(path.join(folder, file))) throw new UsageError(`${folder} holds no finished toy run: ${file} is missing`);
  try {
    configFromJson(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'));
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`${folder}: config.json: ${error.message}`);
    throw new UsageError(`${folder}: config.json is not valid JSON`);
  }
  return path.resolve(folder);
}

/** The parsed command line: port and folder, validated; 'exit' after --help or --version. */
function parseServe(argv: readonly string[]): { port: number; folder?: string } | 'exit' {
  const program = buildProgram();
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return 'exit';
    throw new UsageError(error.message.replace(/^error: /, ''));
  }
  const { port } = resolveServeOptions(collectInput(program.opts(), flagFields(serveFieldFlags())));
  return { port, folder: program.args[0] };
}

/** Listen, or a one-line error when the port is taken or not ours to bind. */
async function listen(roots: { site: string; results?: string }, port: number) {
  try {
    return await startStaticServer(roots, port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port ${port} is in use on 127.0.0.1: choose another port, or --port 0 for a free one`);
    if (code === 'EACCES') throw new UsageError(`--port ${port} needs privileges to bind: choose a port above 1023, or --port 0 for a free one`);
    throw error;
  }
}

/** Run the serve command; returns the exit code (0 after Ctrl-C, 2 on bad input). */
export async function serveMain(argv: readonly string[], siteDir = SITE_DIR): Promise<number> {
  try {
    const parsed = parseServe(argv);
    if (parsed === 'exit') return 0;
    const site = checkSite(siteDir);
    const results = parsed.folder === undefined ? undefined : checkRunFolder(parsed.folder);
    const { server, port } = await listen({ site, results }, parsed.port);
    const url = `http://127.0.0.1:${port}/${results === undefined ? '' : `?from=${RESULTS_PREFIX.slice(1)}`}`;
    process.stdout.write(`explorer: ${url}\n`);
    if (results !== undefined) process.stderr.write(`serving ${results} under ${RESULTS_PREFIX}\n`);
    process.stderr.write('press Ctrl-C to stop\n');
    await interruptible(async (stopRequested) => {
      while (!stopRequested()) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    });
    await stopStaticServer(server);
    process.stderr.write('explorer stopped\n');
    return 0;
  } catch (error) {
    return reportFailure(error, 'superposition serve');
  }
}
