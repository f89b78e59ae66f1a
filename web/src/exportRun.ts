// A trained toy model as the CLI's results files — config.json, metrics.json and
// weights.safetensors, and history.csv for the loss curve, made by the library's toyRunFiles,
// byte for byte what the CLI writes — saved into a folder the user picks (File System Access API,
// where the browser has it) or offered as downloads. `npx superposition sae --from <that folder>`
// reads them, and `?from=` or an import shows them again with their loss curve.

import { toyRunFiles, type TrainedToyModel } from 'superposition-lab';

/** The files a run is exported as, in this order. */
export const EXPORTED_FILES = ['config.json', 'metrics.json', 'weights.safetensors', 'history.csv'] as const;

/** The File System Access API's directory picker, where a browser has it (typed here: not in every DOM library). */
interface DirectoryHandle {
  getFileHandle(name: string, options: { create: boolean }): Promise<{ createWritable(): Promise<{ write(data: BlobPart): Promise<void>; close(): Promise<void> }> }>;
}
type DirectoryPicker = (options?: { mode?: 'readwrite' }) => Promise<DirectoryHandle>;

export function directoryPicker(): DirectoryPicker | undefined {
  return (window as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
}

/** The exported files' contents as Blobs, config.json recording the equivalent CLI command as the CLI does. */
export function runBlobs(model: TrainedToyModel, command: string): Record<(typeof EXPORTED_FILES)[number], Blob> {
  const files = toyRunFiles(model, { command, createdAt: new Date().toISOString() });
  const blob = (name: string, type: string) => new Blob([files[name] as BlobPart], { type });
  return {
    'config.json': blob('config.json', 'application/json'),
    'metrics.json': blob('metrics.json', 'application/json'),
    'weights.safetensors': blob('weights.safetensors', 'application/octet-stream'),
    'history.csv': blob('history.csv', 'text/csv'),
  };
}

/** Point the download links (one per file, each with a download attribute of its file name) at these files. */
export function setDownloadLinks(container: HTMLElement, blobs: Record<string, Blob>): void {
  for (const link of container.querySelectorAll<HTMLAnchorElement>('a[download]')) {
    const blob = blobs[link.getAttribute('download') ?? ''];
    if (!blob) continue;
    if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    link.removeAttribute('aria-disabled');
  }
}

/** Write the files into a folder the user picks; resolves to false when they cancel. */
export async function saveToFolder(blobs: Record<string, Blob>): Promise<boolean> {
  const pick = directoryPicker();
  if (!pick) return false;
  let folder: DirectoryHandle;
  try {
    folder = await pick({ mode: 'readwrite' });
  } catch {
    return false; // the user closed the picker
  }
  for (const name of EXPORTED_FILES) {
    const writable = await (await folder.getFileHandle(name, { create: true })).createWritable();
    await writable.write(blobs[name]);
    await writable.close();
  }
  return true;
}
