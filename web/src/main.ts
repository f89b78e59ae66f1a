// The explorer's entry: wires the form, the URL, the training worker, the views, export and
// import. Training happens in the worker (trainer.ts); this thread validates, draws snapshots at
// a bounded rate and keeps the URL and the equivalent CLI commands in step with the form.

import 'uplot/dist/uPlot.min.css';
import './style.css';
import { expandSaeGrid, resolveSaeConfig, resolveToyConfig, toyCorrelation, type HistoryRow, type ToyConfig, type ToyMetrics, type ToyModel, type TrainedToyModel } from 'superposition-lab';
import { checkSae, checkToy } from './configs.js';
import { saeCommand, toyCommand } from './cliCommand.js';
import { directoryPicker, runBlobs, saveToFolder, setDownloadLinks } from './exportRun.js';
import { FIELDS, formText, readForm, writeForm } from './fields.js';
import { showMessages, syncDependents, wireForm } from './form.js';
import { droppedFiles, runFromFileList, runFromUrl, type ImportedRun } from './importRun.js';
import { STOPPED, type SaeSnapshot, type ToySnapshot } from './messages.js';
import { SaeViews } from './saeViews.js';
import { setStatus, showDone, showProgress } from './status.js';
import { nextTask, throttledDraw, trainer } from './trainer.js';
import { ToyViews } from './toyViews.js';
import { parseQuery, queryOf } from './urlState.js';
import { PRESETS } from './presets.js';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The model the SAE trains on and the export writes: trained, imported, or the last snapshot of a stopped run. */
let current: (ToyModel & { metrics?: ToyMetrics; history?: HistoryRow[] }) | null = null;
/** Whether the SAE's fields belong in the URL (sae=1). */
let saeInUse = false;
/** The folder of a run loaded with ?from=, kept in the URL until the form is edited. */
let from: string | undefined;
let busy = false;

const toyViews = new ToyViews((instance) => void trainer().select(instance));
const saeViews = new SaeViews(toyViews);

function setBusy(value: boolean): void {
  busy = value;
  byId<HTMLButtonElement>('train').disabled = value;
  byId<HTMLButtonElement>('train-sae').disabled = value || current === null;
  byId<HTMLButtonElement>('stop').disabled = !value;
}

/** Check the form; show the messages. Returns the toy config if it can train. */
function validate(): ToyConfig | undefined {
  const values = readForm();
  const toy = checkToy(values);
  const shape = current?.config ?? toy.config;
  const sae = shape ? checkSae(values, shape) : { errors: {}, warnings: {} };
  showMessages({ ...sae.errors, ...toy.errors }, toy.warnings);
  return toy.config;
}

function syncUrlAndCommands(): void {
  const values = readForm();
  const query = queryOf(values, saeInUse) + (from ? `&from=${from}` : '');
  history.replaceState(null, '', `?${query}`);
  byId('toy-command').textContent = toyCommand(values);
  byId('sae-command').textContent = saeCommand(values);
}

function formChanged(part: 'toy' | 'sae'): void {
  if (part === 'sae') saeInUse = true;
  from = undefined;
  validate();
  syncUrlAndCommands();
}

function enableExport(model: TrainedToyModel | null): void {
  const links = byId('export-links');
  byId<HTMLButtonElement>('save-folder').disabled = model === null || !directoryPicker();
  if (model) setDownloadLinks(links, runBlobs(model, toyCommand(readForm())));
}

async function train(): Promise<void> {
  const config = validate();
  if (busy) return;
  if (!config) {
    setStatus('not trained: correct the field marked beside it');
    return;
  }
  setBusy(true);
  setStatus(`training · 0 / ${config.totalSteps.toLocaleString('en-US')} steps`);
  // Where "while training" begins for a tool reading the page's long tasks (bench:web).
  performance.mark('superposition:train');
  // The views' first build takes tens of ms on a cold page: tasks of their own, apart from the
  // click's validation and from the worker's start, so that no task nears 100 ms.
  await nextTask();
  toyViews.startInstances(config);
  await nextTask();
  toyViews.startLoss();
  await nextTask();
  saeViews.hide();
  enableExport(null);
  let last: ToySnapshot | undefined;
  const { callback, flush } = throttledDraw<ToySnapshot>((snapshot) => {
    last = snapshot;
    toyViews.snapshot(snapshot);
    showProgress('training', snapshot.step, snapshot.totalSteps, snapshot.trainingMs);
  });
  try {
    const outcome = await trainer().trainToy(config, callback);
    flush();
    current = outcome.model;
    toyViews.finish(outcome.model.W, outcome.model.metrics, outcome.model.history);
    enableExport(outcome.model);
    showDone('', outcome.steps, outcome.trainingMs);
  } catch (error) {
    flush();
    const message = error instanceof Error ? error.message : String(error);
    if (message === STOPPED && last) {
      current = { config, W: last.W, b: last.b };
      setStatus(`stopped at step ${last.step.toLocaleString('en-US')} of ${last.totalSteps.toLocaleString('en-US')} (the views keep that step)`);
    } else {
      current = null; // the views were cleared for this training: nothing of it to train an SAE on
      setStatus(message === STOPPED ? 'stopped' : `error: ${message}`);
    }
  } finally {
    setBusy(false);
    validate();
  }
}

async function trainSae(): Promise<void> {
  if (!current || busy) return;
  const checked = checkSae(readForm(), current.config);
  validate();
  if (!checked.config) {
    setStatus('SAE not trained: correct the field marked beside it');
    return;
  }
  saeInUse = true;
  syncUrlAndCommands();
  const toy: ToyModel = { config: current.config, W: current.W, b: current.b };
  const specs = expandSaeGrid(resolveSaeConfig(checked.config), toy.config.sparsity, toy.config.nFeatures, toyCorrelation(toy.config));
  setBusy(true);
  saeViews.start(specs, toy.config.nFeatures);
  const { callback, flush } = throttledDraw<SaeSnapshot>((snapshot) => {
    saeViews.snapshot(snapshot);
    showProgress('training SAE', snapshot.step, snapshot.totalSteps, snapshot.trainingMs);
  });
  setStatus('training SAE');
  try {
    const outcome = await trainer().trainSae(toy, checked.config, callback);
    flush();
    saeViews.finish(outcome.saes, outcome.shown);
    showDone('SAE: ', outcome.steps, outcome.trainingMs);
  } catch (error) {
    flush();
    const message = error instanceof Error ? error.message : String(error);
    setStatus(message === STOPPED ? 'SAE stopped (SAEs are measured only when they finish)' : `error: ${message}`);
  } finally {
    setBusy(false);
  }
}

/** Fields of a run's config that the form cannot show and that differ from their defaults. */
function formlessFields(config: ToyConfig): string[] {
  const defaults = resolveToyConfig({}) as unknown as Record<string, unknown>;
  const shown = new Set(FIELDS.map((f) => f.field));
  return Object.entries(config)
    .filter(([field, value]) => !shown.has(field) && !['totalSteps', 'dataMode', 'weightDecay'].includes(field) && JSON.stringify(value) !== JSON.stringify(defaults[field]))
    .map(([field]) => field);
}

/** Show an imported run and put its config into the form. */
function showRun(run: ImportedRun, source: string): void {
  const { config } = run.model;
  writeForm(Object.fromEntries(FIELDS.filter((f) => f.part === 'toy').map((f) => [f.flag, formText((config as unknown as Record<string, unknown>)[f.field])])));
  syncDependents();
  current = { ...run.model, metrics: run.metrics, history: run.history };
  toyViews.start(config, run.history);
  toyViews.finish(run.model.W, run.metrics, run.history);
  saeViews.hide();
  enableExport({ ...run.model, metrics: run.metrics, history: run.history });
  validate();
  const hidden = formlessFields(config);
  if (hidden.length > 0) byId('form-message').textContent = `This run also sets ${hidden.join(', ')}, which the form does not show: Train uses the form.`;
  syncUrlAndCommands();
  setBusy(false);
  setStatus(`showing ${source}: ${config.sparsity.length} instance(s), n = ${config.nFeatures}, m = ${config.nHidden}`);
}

async function importFiles(files: File[]): Promise<void> {
  const message = byId('import-message');
  message.textContent = '';
  try {
    showRun(await runFromFileList(files), files.map((f) => f.name).join(', '));
  } catch (error) {
    message.textContent = `Could not import: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function wireButtons(): void {
  byId<HTMLFormElement>('form').addEventListener('submit', (event) => {
    event.preventDefault();
    void train();
  });
  byId('train-sae').addEventListener('click', () => void trainSae());
  byId('stop').addEventListener('click', () => void trainer().stop());
  for (const [button, code] of [['copy-toy', 'toy-command'], ['copy-sae', 'sae-command']] as const)
    byId(button).addEventListener('click', async () => {
      await navigator.clipboard?.writeText(byId(code).textContent ?? '').catch(() => undefined);
      byId(button).textContent = 'Copied';
      setTimeout(() => (byId(button).textContent = 'Copy'), 1500);
    });
  byId('save-folder').addEventListener('click', async () => {
    if (current?.metrics) await saveToFolder(runBlobs({ ...current, metrics: current.metrics, history: current.history ?? [] }, toyCommand(readForm())));
  });
  byId<HTMLInputElement>('import-files').addEventListener('change', (event) => void importFiles([...((event.target as HTMLInputElement).files ?? [])]));
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', async (event) => {
    event.preventDefault();
    if (event.dataTransfer) await importFiles(await droppedFiles(event.dataTransfer));
  });
}

/**
 * Resolves once the page has loaded and its thread has had an idle moment. A run the URL asks for
 * starts then: started while the page is still being built, its worker would share the cores with
 * the build (on two cores that halved W1's steps/s in the first second).
 */
function pageSettled(): Promise<void> {
  const loaded = document.readyState === 'complete' ? Promise.resolve() : new Promise<void>((resolve) => window.addEventListener('load', () => resolve(), { once: true }));
  const idle = () => new Promise<void>((resolve) => ('requestIdleCallback' in window ? requestIdleCallback(() => resolve(), { timeout: 1000 }) : setTimeout(resolve, 100)));
  return loaded.then(idle);
}

/** Fill the form from the URL (or the pentagon preset for a bare URL); train or load a run if it asks. */
async function start(): Promise<void> {
  const state = parseQuery(window.location.search);
  const bare = Object.keys(state.values).length === 0 && !state.from;
  writeForm(bare ? PRESETS[0].values : state.values);
  saeInUse = state.sae;
  from = state.from;
  syncDependents();
  const extra = state.unknown.length > 0 ? [`Unknown URL parameter(s) ignored: ${state.unknown.join(', ')}.`] : [];
  const config = validate();
  if (extra.length > 0) byId('form-message').textContent = [byId('form-message').textContent, ...extra].filter((t) => t).join(' ');
  syncUrlAndCommands();
  // The views of the form's model, empty, built with the page (in a task of their own): a training
  // of that shape then reuses them rather than building them cold as it starts.
  // (A training begun meanwhile builds them itself.)
  if (config && !state.from) {
    await nextTask();
    if (!busy) toyViews.startInstances(config);
    await nextTask();
    if (!busy) toyViews.startLoss();
  }
  if (state.from) {
    try {
      showRun(await runFromUrl(state.from), state.from);
    } catch (error) {
      setStatus(`could not load ${state.from}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (state.run) {
    await pageSettled();
    await train();
    if (state.sae && current) await trainSae();
  }
}

wireForm(formChanged);
wireButtons();
let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    toyViews.resize();
    saeViews.resize();
  }, 150);
});
setBusy(false);
void start();
