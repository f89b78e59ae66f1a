// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N,
// N bytes of JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}},
// then the raw little-endian tensor bytes; offsets are relative to the end of the header.
// We write F32 (weights) and F64 (optimizer state in checkpoints) and pad the header with spaces
// to 8-byte alignment. Bytes in, bytes out (no file access), so a browser reads the same files.

/** The UTF-8 codecs, typed locally: the core is type-checked with no DOM or Node types. */
interface Utf8Codecs {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new () => { decode(bytes: Uint8Array): string };
}
const { TextEncoder, TextDecoder } = globalThis as unknown as Utf8Codecs;

/** A tensor: its shape and its values in row-major order (F32 or F64). */
export interface Tensor {
  shape: number[];
  data: Float32Array | Float64Array;
}

function dtypeOf(data: Float32Array | Float64Array): 'F32' | 'F64' {
  return data instanceof Float64Array ? 'F64' : 'F32';
}

/** Tensors by name, in file order. */
export type TensorMap = Record<string, Tensor>;

/** A malformed safetensors file or a tensor whose shape does not match its data. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Serialise tensors (in the given key order) with optional string metadata. */
export function encodeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const expected = tensor.shape.reduce((a, b) => a * b, 1);
    if (expected !== tensor.data.length)
      throw new SafetensorsError(`tensor ${name}: shape [${tensor.shape}] needs ${expected} values, got ${tensor.data.length}`);
    const bytes = tensor.data.byteLength;
    header[name] = { dtype: dtypeOf(tensor.data), shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const headerBytesLength = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - ((8 + headerBytesLength) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const { data } of Object.values(tensors)) {
    if (data instanceof Float64Array) for (let i = 0; i < data.length; i++, position += 8) view.setFloat64(position, data[i], true);
    else for (let i = 0; i < data.length; i++, position += 4) view.setFloat32(position, data[i], true);
  }
  return out;
}

/** A decoded safetensors file: its tensors and its string metadata. */
export interface DecodedSafetensors {
  tensors: TensorMap;
  metadata: Record<string, string>;
}

type HeaderEntry = { dtype: string; shape: number[]; data_offsets: [number, number] };

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The JSON header, checked: an object of tensor entries (and an optional string-valued __metadata__). */
function parseHeader(bytes: Uint8Array): { header: Record<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) throw new SafetensorsError(bytes.length === 0 ? 'the file is empty' : `the file is ${bytes.length} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength < 2n || headerLength > 100_000_000n)
    throw new SafetensorsError(`not a safetensors file (its first 8 bytes give a header length of ${headerLength})`);
  if (8n + headerLength > BigInt(bytes.length))
    throw new SafetensorsError(`the file is truncated: its header needs ${8n + headerLength} bytes, the file has ${bytes.length}`);
  const dataStart = 8 + Number(headerLength);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart)));
  } catch {
    throw new SafetensorsError('not a safetensors file (its header is not valid JSON)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SafetensorsError('not a safetensors file (its header is not a JSON object)');
  const { __metadata__: rawMetadata, ...entries } = parsed as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  if (rawMetadata !== undefined) {
    if (typeof rawMetadata !== 'object' || rawMetadata === null || Array.isArray(rawMetadata)) throw new SafetensorsError('__metadata__ is not an object of strings');
    for (const [key, value] of Object.entries(rawMetadata)) {
      if (typeof value !== 'string') throw new SafetensorsError(`__metadata__.${key} is not a string`);
      metadata[key] = value;
    }
  }
  for (const [name, entry] of Object.entries(entries)) {
    const e = entry as Partial<HeaderEntry> | null;
    if (typeof e !== 'object' || e === null || typeof e.dtype !== 'string') throw new SafetensorsError(`tensor ${name}: its header entry has no dtype`);
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) throw new SafetensorsError(`tensor ${name}: shape is not a list of sizes`);
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2 || !e.data_offsets.every(isCount) || e.data_offsets[0] > e.data_offsets[1])
      throw new SafetensorsError(`tensor ${name}: data_offsets is not [begin, end]`);
  }
  return { header: entries as Record<string, HeaderEntry>, metadata, dataStart };
}

/** Parse a safetensors file of F32/F64 tensors; throws SafetensorsError (one line, the reason) on a malformed file. */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  const { header, metadata, dataStart } = parseHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors: TensorMap = {};
  for (const [name, entry] of Object.entries(header)) {
    if (entry.dtype !== 'F32' && entry.dtype !== 'F64')
      throw new SafetensorsError(`tensor ${name}: dtype ${entry.dtype} is not supported (F32 or F64)`);
    const width = entry.dtype === 'F64' ? 8 : 4;
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * width)
      throw new SafetensorsError(`tensor ${name}: data_offsets [${begin}, ${end}] do not match shape [${entry.shape}] of ${entry.dtype}`);
    if (dataStart + end > bytes.length)
      throw new SafetensorsError(`the file is truncated: tensor ${name} ends at byte ${dataStart + end}, the file has ${bytes.length}`);
    const at = dataStart + begin;
    const data = width === 8 ? new Float64Array(count) : new Float32Array(count);
    if (width === 8) for (let i = 0; i < count; i++) data[i] = view.getFloat64(at + 8 * i, true);
    else for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i, true);
    tensors[name] = { shape: entry.shape, data };
  }
  return { tensors, metadata };
}
