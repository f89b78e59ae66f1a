// A CLI results folder back into the page: its config.json and weights.safetensors through the
// library's readToyRunFiles, its metrics.json as written, and history.csv when it is there (for
// the loss curve). The files come from a file picker, a drop (files or a folder), or, for
// `?from=<path>`, from <path>config.json, <path>metrics.json, <path>weights.safetensors (and
// <path>history.csv if present) fetched relative to the page — the URL `superposition serve`
// prints (http://localhost:P/?from=results/).

import { readToyRunFiles, type HistoryRow, type ToyMetrics, type ToyModel } from 'superposition-lab';

export interface ImportedRun {
  model: ToyModel;
  metrics: ToyMetrics;
  history: HistoryRow[];
}

/** A results folder that cannot be shown: the message says which file and why. */
export class ImportError extends Error {
  override name = 'ImportError';
}

/** history.csv's rows (step, instance, sparsity, loss). */
export function parseHistoryCsv(text: string): HistoryRow[] {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(',');
  const at = (name: string) => columns.indexOf(name);
  const [step, instance, sparsity, loss] = ['step', 'instance', 'sparsity', 'loss'].map(at);
  if ([step, instance, sparsity, loss].some((c) => c < 0)) throw new ImportError('history.csv has not the columns step, instance, sparsity, loss');
  return lines.map((line) => {
    const cells = line.split(',').map(Number);
    return { step: cells[step], instance: cells[instance], sparsity: cells[sparsity], loss: cells[loss] };
  });
}

/** The run in these files (by name); throws ImportError (or the library's ConfigError, ResultFilesError, SafetensorsError). */
export function runFromFiles(files: { config?: string; metrics?: string; weights?: Uint8Array; history?: string }): ImportedRun {
  const missing = [
    ['config.json', files.config],
    ['metrics.json', files.metrics],
    ['weights.safetensors', files.weights],
  ].flatMap(([name, content]) => (content === undefined ? [name as string] : []));
  if (missing.length > 0) throw new ImportError(`a results folder needs config.json, metrics.json and weights.safetensors: ${missing.join(', ')} missing`);
  const model = readToyRunFiles({ 'config.json': files.config!, 'weights.safetensors': files.weights! });
  let metrics: ToyMetrics;
  try {
    metrics = JSON.parse(files.metrics!) as ToyMetrics;
  } catch {
    throw new ImportError('metrics.json is not valid JSON');
  }
  if (!Array.isArray(metrics.instances) || metrics.instances.length !== model.config.sparsity.length)
    throw new ImportError(`metrics.json does not have one entry per instance (${model.config.sparsity.length}): is it from another run?`);
  return { model, metrics, history: files.history === undefined ? [] : parseHistoryCsv(files.history) };
}

/** The run among picked or dropped files (matched by file name, wherever they were). */
export async function runFromFileList(list: readonly File[]): Promise<ImportedRun> {
  const byName = (name: string) => list.find((file) => file.name === name);
  const text = (name: string) => byName(name)?.text();
  const weights = byName('weights.safetensors');
  return runFromFiles({
    config: await text('config.json'),
    metrics: await text('metrics.json'),
    weights: weights ? new Uint8Array(await weights.arrayBuffer()) : undefined,
    history: await text('history.csv'),
  });
}

/** The run in the folder at `from`, fetched relative to the page. */
export async function runFromUrl(from: string): Promise<ImportedRun> {
  const base = new URL(from.endsWith('/') ? from : `${from}/`, window.location.href);
  const get = async (name: string, required: boolean): Promise<Response | undefined> => {
    const response = await fetch(new URL(name, base));
    if (response.ok) return response;
    if (required) throw new ImportError(`could not load ${new URL(name, base).pathname}: HTTP ${response.status}`);
    return undefined;
  };
  const [config, metrics, weights] = await Promise.all(['config.json', 'metrics.json', 'weights.safetensors'].map((name) => get(name, true)));
  const history = await get('history.csv', false);
  return runFromFiles({
    config: await config!.text(),
    metrics: await metrics!.text(),
    weights: new Uint8Array(await weights!.arrayBuffer()),
    history: await history?.text(),
  });
}

/** Files of a drop: the dropped files, or the files directly inside a dropped folder. */
export async function droppedFiles(transfer: DataTransfer): Promise<File[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.()).filter((entry): entry is FileSystemEntry => !!entry);
  const folder = entries.find((entry) => entry.isDirectory) as FileSystemDirectoryEntry | undefined;
  if (!folder) return [...transfer.files];
  const children = await new Promise<FileSystemEntry[]>((resolve, reject) => folder.createReader().readEntries(resolve, reject));
  const files = children.filter((entry): entry is FileSystemFileEntry => entry.isFile);
  return Promise.all(files.map((entry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject))));
}
