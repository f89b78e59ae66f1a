// Loading our WebAssembly kernels: the bytes come as base64 in a generated module (the same
// import works in Node, worker threads and the browser), compiled and instantiated synchronously.

/** The part of the WebAssembly API used here (typed locally: the core is type-checked with no DOM or Node types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** WebAssembly memory pages are 64 KiB. */
export const PAGE = 65536;

/** Decodes base64 (atob is not in every type library the core is checked against). */
export function decodeBase64(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const value = new Int16Array(128).fill(-1);
  for (let k = 0; k < 64; k++) value[alphabet.charCodeAt(k)] = k;
  let len = text.length;
  while (len > 0 && text[len - 1] === '=') len--;
  const out = new Uint8Array((len * 3) >> 2);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let k = 0; k < len; k++) {
    acc = (acc << 6) | value[text.charCodeAt(k)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

/**
 * The exports of the module in `base64`, or null where WebAssembly is missing, lacks SIMD, or
 * refuses a synchronous compile (a browser's main thread, for modules over 4 KiB).
 */
export function instantiate<Exports>(base64: string, imports: object = {}): Exports | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api || base64 === '') return null;
  try {
    return new api.Instance(new api.Module(decodeBase64(base64)), imports).exports as Exports;
  } catch {
    return null;
  }
}
