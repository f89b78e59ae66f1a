// The toy kernel's entry (toyModel.lossAndGradients calls it): the same loss and gradient as the
// reference (reference.ts, up to rounding), per instance along the cheapest route (route.ts): x
// compressed to its active inputs (rows.ts, or wasm/compress.ts for float32 x), the route chosen
// from the batch's rows and actives, run through the route table, then what every route shares —
// the empty samples, the outputs computed from the batch's moments, the report, the gradient.
// Routes but 'h32' and 'gram32' run in float64 on float64 copies of the instance's W and b, so the
// hot loops see one array type whatever the caller's (Float32Array in training, Float64Array in tests).

import { scatterLists, type BatchLists } from '../../core/batchLists.js';
import { linearOutputs } from './gramShared.js';
import { emptySamples, prepareGram, resetOutputs } from './outputs.js';
import { cheapestGramRoute, firstRoute, gramMayPay, type KernelRouteEntry } from './route.js';
import { compressRows } from './rows.js';
import type { FloatArray, KernelOptions, KernelReport, ToyModelGrads, ToyModelParams, ToyModelShape } from './types.js';
import { compressLoaded32, compressedActives, copyCompressedLists, countLoaded32, countedActives, loadX32 } from './wasm/compress.js';
import { loadLists32 } from './wasm/lists.js';
import { denseKernelAvailable } from './wasm/module.js';
import { copyWeights64, ensureBatchCapacity, type ToyKernelWorkspace } from './workspace.js';

const NO_OPTIONS: KernelOptions = {};

/**
 * toyModel.lossAndGradients along the routes: x is [inst, batch, feat], importance [inst, feat],
 * lossOut [inst]; grads (when given) are overwritten. kw.reports tells what was done. With `lists`
 * (float32 x), the instances it lists (lists.listed) are those lists and x's slice is not read, unless
 * a route other than 'gram32' (or no WebAssembly) needs the dense rows: then the lists are first
 * scattered into x's slice.
 */
export function lossAndGradientsFast(
  shape: ToyModelShape,
  params: ToyModelParams<FloatArray>,
  x: FloatArray,
  batchSize: number,
  importance: Float64Array,
  kw: ToyKernelWorkspace,
  lossOut: Float64Array,
  grads?: ToyModelGrads,
  options: KernelOptions = NO_OPTIONS,
  lists?: BatchLists,
): void {
  const n = shape.nFeatures;
  const m = shape.nHidden;
  const relu = shape.activation === 'relu';
  const scale = 1 / (batchSize * n);
  const W = params.W;
  const pb = params.b;
  ensureBatchCapacity(kw, batchSize, n);
  const { b, imp, c, gb, routeLoss } = kw;
  const wasm32 = W instanceof Float32Array && denseKernelAvailable();
  const x32 = x instanceof Float32Array && denseKernelAvailable();
  for (let k = 0; k < shape.nInstances; k++) {
    const wBase = k * m * n;
    const fBase = k * n;
    const offset = k * batchSize * n;
    for (let l = 0; l < n; l++) {
      b[l] = pb[fBase + l];
      imp[l] = importance[fBase + l];
      c[l] = 2 * scale * imp[l];
    }
    // Float32 x (training) is compressed in WebAssembly when it loads: the same lists, faster, and
    // left in the module's memory for the float32 routes; the other routes get a copy (routeFor).
    // Where the last step took route 'h32' over dense rows, the batch is first only counted: that
    // route needs no lists when every row has an input, and the lists are made (routeFor) if it
    // turns out otherwise. The counts equal the lists', so the route is the same either way.
    const listed = lists !== undefined && lists.listed[k] === 1;
    const counted = x32 && wasm32 && kw.reports[k].denseRows && !listed;
    let rows: number;
    let actives: number;
    if (listed && x32 && wasm32 && listsSuffice(kw, n, m, lists, k, options)) {
      rows = loadLists32(lists, k, batchSize, n, m);
      actives = lists.actives[k];
    } else if (x32) {
      if (listed) scatterLists(lists, k, x as Float32Array, offset);
      loadX32(x as Float32Array, offset, batchSize, n, m);
      rows = counted ? countLoaded32(batchSize, n) : compressLoaded32(batchSize, n);
      actives = counted ? countedActives() : compressedActives(rows);
    } else {
      rows = compressRows(x, offset, batchSize, n, kw);
      actives = kw.rowPtr[rows];
    }
    kw.resident = x32;
    const route = routeFor(kw, W, wBase, n, m, rows, actives, batchSize, relu, wasm32, counted, options);

    // Forward (and the fused backward). The route does not depend on whether grads are wanted, so
    // neither does the loss, to the bit. Every route leaves its loss in kw.routeLoss[0]: a number
    // returned by a call that is not inlined is boxed (garbage per step).
    gb.fill(0);
    route.run(kw, W, wBase, x, offset, n, m, relu, rows, grads !== undefined);
    if (batchSize > rows) emptySamples(kw, n, relu, batchSize - rows);
    if (kw.moments) routeLoss[0] = routeLoss[0] + linearOutputs(kw, n, m, kw.nLin, batchSize, grads !== undefined);
    lossOut[k] = routeLoss[0] * scale;
    report(kw, kw.reports[k], route, x32);
    if (!grads) continue;

    // Backward.
    route.gradient(kw, grads.W, wBase, n, m, rows);
    for (let l = 0; l < n; l++) grads.b[fBase + l] = gb[l];
  }
}

/** Whether instance k's lists are all its route needs: the route by R and A is 'gram32' (forced or the cheapest). */
function listsSuffice(kw: ToyKernelWorkspace, n: number, m: number, lists: BatchLists, k: number, options: KernelOptions): boolean {
  return firstRoute(kw, n, m, lists.rows[k], lists.actives[k], true, options).name === 'gram32';
}

/**
 * The route of one instance (route.ts), and what it needs before it runs: the lists made where the
 * batch was only counted, the float64 routes' copies of W and of the lists (the float32 ones read W
 * itself and the lists in the module's memory), the outputs sorted for the float64 Gram routes (G,
 * the classification and the moments then decide between 'h', 'gram' and 'hybrid').
 */
function routeFor(
  kw: ToyKernelWorkspace,
  W: FloatArray,
  wBase: number,
  n: number,
  m: number,
  rows: number,
  actives: number,
  batchSize: number,
  relu: boolean,
  wasm32: boolean,
  counted: boolean,
  options: KernelOptions,
): KernelRouteEntry {
  let route = firstRoute(kw, n, m, rows, actives, wasm32, options);
  const gram = options.route === undefined ? gramMayPay(kw, n, m, wasm32) : route.gram;
  if (counted && !(route.name === 'h32' && !kw.gather32 && rows === batchSize)) compressLoaded32(batchSize, n); // the same rows, actives
  if (!route.float32) {
    copyWeights64(kw, W, wBase, n, m);
    if (kw.resident) copyCompressedLists(rows, kw.rowPtr, kw.rowOf, kw.xIdx, kw.xVal);
    kw.resident = false;
  }
  if (gram) {
    prepareGram(kw, n, m, rows, actives, relu, options);
    if (options.route === undefined) route = cheapestGramRoute(kw, n, m, rows, actives);
  }
  if (!route.gram) resetOutputs(kw, n);
  return route;
}

/** What the route did for this instance, into its report. */
function report(kw: ToyKernelWorkspace, r: KernelReport, route: KernelRouteEntry, x32: boolean): void {
  r.route = route.name;
  r.moments = kw.moments;
  r.perSample = kw.nP;
  r.linear = kw.nLin;
  r.on = kw.nOn;
  r.off = kw.nOff;
  r.denseRows = route.name === 'h32' && !kw.gather32 && x32;
}
