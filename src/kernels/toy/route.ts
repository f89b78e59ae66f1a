// The cost model that picks a route per instance and batch, and the table of routes it picks from.
// Per instance: n features, m hidden, B samples, R of them with an active input; sample b has a_b
// active inputs (A = Σ a_b, Q = Σ a_b(a_b + 1)/2); g = ∂L/∂a. Estimates in ns, measured on the
// workloads W1–W4 of the performance issue (the formulas below).
//
// Float32 parameters, where WebAssembly SIMD loads in this thread (training), take the cheapest of
// 'h32' (gathered or dense rows), 'gram32' and 'h' by R and A alone — never the float64 Gram routes
// (slower than 'gram32' where G pays, and sorting the outputs costs every step). Otherwise route 'h'
// is estimated from R, A; G is formed only when its cost leaves room to beat that; then the
// classification (outputs.ts) gives |P|, the moments' cost and an estimate of the entries of g per
// sample (half of the DOWN outputs, a quarter of the UP ones), and the cheapest of 'gram', 'hybrid'
// and 'h' is taken. Ties go to the earlier entry of ROUTES. The choice is a deterministic function of
// (params, batch) — and of whether WebAssembly SIMD runs at all, the same in every Node thread —
// never of earlier calls or of whether gradients are wanted: a resumed run takes the same routes and
// gives the same bits, and the loss is the same with or without gradients.
//
// Where the float32 routes cross over, from these formulas at B = 1024 with the expected R = B(1 − Sⁿ)
// and A = B·n·(1 − S) (computed by scanning S in steps of 10⁻⁵ through routeCosts' formulas):
//
//   n, m         h32 over dense rows →  h32 gathered  →  gram32  →  h32 (few rows left)
//   20, 5        S < 0.359              (never)          0.359      0.988 (dense rows)
//   100, 10      S < 0.693              0.693            0.870      0.999
//   100, 20      S < 0.710              0.710            0.776      0.998
//   1000, 100    S < 0.739              0.739            (never: G and ∂W cost n²m)
//
// Route 'h' (float64) never wins there: WebAssembly's f32x4 takes four lanes per instruction.

import { gradientGram, runGram } from './gram.js';
import { runGram32 } from './gram32.js';
import { runH } from './h.js';
import { runH32 } from './h32.js';
import { gradientHybrid, runHybrid } from './hybrid.js';
import type { FloatArray, KernelOptions, KernelRoute } from './types.js';
import { writeGradW, type ToyKernelWorkspace } from './workspace.js';

/** One route: its estimated cost and its run, called through the table once per instance and step. */
export interface KernelRouteEntry {
  readonly name: KernelRoute;
  /** Runs in float32 WebAssembly on W itself and the lists in the module's memory (else on float64 copies). */
  readonly float32: boolean;
  /** Needs G = WᵀW and the outputs sorted (prepareGram) before its cost and its run. */
  readonly gram: boolean;
  /** Its estimated ns into kw.costs[its place in ROUTES] (never returned: a returned double is boxed). */
  cost(kw: ToyKernelWorkspace, n: number, m: number, rows: number, actives: number, gather: boolean | undefined): void;
  /** Forward and fused backward: the loss into kw.routeLoss[0], ∂L/∂b into kw.gb, ∂W kept in kw. */
  run(kw: ToyKernelWorkspace, W: FloatArray, wBase: number, x: FloatArray, offset: number, n: number, m: number, relu: boolean, rows: number, grads: boolean): void;
  /** ∂L/∂W of the last run into the caller's gW [hidden, feat] at wBase. */
  gradient(kw: ToyKernelWorkspace, gW: Float64Array, wBase: number, n: number, m: number, rows: number): void;
}

// Places in ROUTES (and in kw.costs). Ties go to the earlier entry.
const ROUTE_GRAM = 0;
const ROUTE_HYBRID = 1;
const ROUTE_H = 2;
const ROUTE_H32 = 3;
const ROUTE_GRAM32 = 4;

// Indices into routeCosts' output (kw.estimates).
const COST_H_DENSE = 0;
const COST_H_GATHER = 1;
const COST_H32_GATHER = 2;
const COST_H32_DENSE = 3;
const COST_GRAM32 = 4;
const scratchCosts = new Float64Array(5);

/** The routes, in the order that breaks ties. */
export const ROUTES: readonly KernelRouteEntry[] = [
  {
    name: 'gram',
    float32: false,
    gram: true,
    cost: (kw, n, m, rows, actives) => gramCost(n, m, rows, actives, kw.nP, kw.nP1, momentsCost(kw, n, m), kw.costs, ROUTE_GRAM),
    run: (kw, W, wBase, x, offset, n, m, relu, rows) => runGram(kw, n, relu, rows),
    gradient: (kw, gW, wBase, n, m) => gradientGram(kw, gW, wBase, n, m),
  },
  {
    name: 'hybrid',
    float32: false,
    gram: true,
    cost: (kw, n, m, rows, actives) => hybridCost(n, m, rows, actives, kw.nP, kw.nP1, momentsCost(kw, n, m), kw.costs, ROUTE_HYBRID),
    run: (kw, W, wBase, x, offset, n, m, relu, rows) => runHybrid(kw, n, relu, rows),
    gradient: (kw, gW, wBase, n, m, rows) => gradientHybrid(kw, gW, wBase, n, m, rows),
  },
  {
    name: 'h',
    float32: false,
    gram: false,
    cost: (kw, n, m, rows, actives) => {
      kw.costs[ROUTE_H] = kw.estimates[4 * actives > rows * n ? COST_H_DENSE : COST_H_GATHER];
    },
    run: (kw, W, wBase, x, offset, n, m, relu, rows, grads) => runH(kw, x, offset, n, m, relu, rows, grads),
    gradient: (kw, gW, wBase, n, m) => writeGradW(kw, gW, wBase, n, m),
  },
  {
    name: 'h32',
    float32: true,
    gram: false,
    cost: (kw, n, m, rows, actives, gather) => {
      const gather32 = gather ?? kw.estimates[COST_H32_GATHER] < kw.estimates[COST_H32_DENSE];
      kw.gather32 = gather32;
      kw.costs[ROUTE_H32] = kw.estimates[gather32 ? COST_H32_GATHER : COST_H32_DENSE];
    },
    run: (kw, W, wBase, x, offset, n, m, relu, rows, grads) => runH32(kw, W, wBase, x, offset, n, m, relu, rows, grads),
    gradient: (kw, gW, wBase, n, m) => writeGradW(kw, gW, wBase, n, m),
  },
  {
    name: 'gram32',
    float32: true,
    gram: false,
    cost: (kw) => {
      kw.costs[ROUTE_GRAM32] = kw.estimates[COST_GRAM32];
    },
    run: (kw, W, wBase, x, offset, n, m, relu, rows, grads) => runGram32(kw, W, wBase, n, m, relu, rows, grads),
    gradient: (kw, gW, wBase, n, m) => writeGradW(kw, gW, wBase, n, m),
  },
];

const ROUTE_BY_NAME = Object.fromEntries(ROUTES.map((entry) => [entry.name, entry])) as Record<KernelRoute, KernelRouteEntry>;

/** Candidates as bits of their places in ROUTES. */
const WASM_ROUTES = (1 << ROUTE_H) | (1 << ROUTE_H32) | (1 << ROUTE_GRAM32);
const GRAM_ROUTES = (1 << ROUTE_GRAM) | (1 << ROUTE_HYBRID) | (1 << ROUTE_H);

/** The cheapest of the candidates by kw.costs (compared where they lie: a double held in a local that merges with another can be boxed). */
function cheapest(kw: ToyKernelWorkspace, candidates: number): KernelRouteEntry {
  const cost = kw.costs;
  let best = -1;
  for (let r = 0; r < ROUTES.length; r++) {
    if ((candidates & (1 << r)) === 0) continue;
    if (best < 0 || cost[r] < cost[best]) best = r;
  }
  return ROUTES[best];
}

/**
 * The route by R and A alone: the one `options` forces, else the cheapest of 'h', 'h32' and 'gram32'
 * where WebAssembly runs on float32 parameters (`wasm32`), else 'h'. Always writes the costs of those
 * three, and whether 'h32' gathers (kw.gather32; `options.gather` forces it).
 */
export function firstRoute(kw: ToyKernelWorkspace, n: number, m: number, rows: number, actives: number, wasm32: boolean, options: KernelOptions): KernelRouteEntry {
  routeCosts(n, m, rows, actives, kw.estimates);
  // The routes costed by R and A alone stand after the Gram routes in ROUTES.
  for (let r = ROUTE_H; r <= ROUTE_GRAM32; r++) ROUTES[r].cost(kw, n, m, rows, actives, options.gather);
  if (options.route !== undefined) return ROUTE_BY_NAME[options.route];
  return cheapest(kw, wasm32 ? WASM_ROUTES : 1 << ROUTE_H);
}

/** Whether the float64 Gram routes are worth sorting the outputs for: G's own cost leaves room to beat route 'h'. */
export function gramMayPay(kw: ToyKernelWorkspace, n: number, m: number, wasm32: boolean): boolean {
  return !wasm32 && 0.375 * n * n * m < kw.costs[ROUTE_H];
}

/** After prepareGram: the cheapest of 'gram', 'hybrid' and 'h'. */
export function cheapestGramRoute(kw: ToyKernelWorkspace, n: number, m: number, rows: number, actives: number): KernelRouteEntry {
  ROUTES[ROUTE_GRAM].cost(kw, n, m, rows, actives, undefined);
  ROUTES[ROUTE_HYBRID].cost(kw, n, m, rows, actives, undefined);
  return cheapest(kw, GRAM_ROUTES);
}

/** The moments' cost (3 ns per term of Q, 1 per multiply-add of W C and (H C)_L), 0 without moments. */
function momentsCost(kw: ToyKernelWorkspace, n: number, m: number): number {
  return kw.moments ? 3 * kw.quad + n * n * m + kw.nLin * n * m : 0;
}

/**
 * Estimated ns of route 'h' (sweepHidden): its blocked dense loops (a = Wᵀh + b, ∂W += h gᵀ, W g:
 * 3nm per row) at ~0.55 ns per multiply-add, h = W x and ∂W += (∂L/∂h) xᵀ either dense (2nm per row)
 * or gathered (2am per row, each twice the cost), and ~9 ns per row and output for the rest.
 */
export function timeH(n: number, m: number, rows: number, actives: number, dense: boolean): number {
  routeCosts(n, m, rows, actives, scratchCosts);
  return scratchCosts[dense ? COST_H_DENSE : COST_H_GATHER];
}

/**
 * Estimated ns of route 'gram' (sweepRows, applyM): ~2.5 ns per active input and output computed per sample (|P|),
 * ~2 per active input and entry of g, ~6 per row and output, ~0.5 per multiply-add of G = WᵀW
 * (n²m/2) and ∂W = W(M + Mᵀ) (n²m), plus the moments' cost. Entries per row: half of the outputs
 * recording where on, a quarter of those recording where off.
 */
export function timeGram(n: number, m: number, rows: number, actives: number, nP: number, nP1: number, momentsCost: number): number {
  gramCost(n, m, rows, actives, nP, nP1, momentsCost, scratchCosts, 0);
  return scratchCosts[0];
}

/** timeGram into cost[slot]. */
function gramCost(n: number, m: number, rows: number, actives: number, nP: number, nP1: number, momentsCost: number, cost: Float64Array, slot: number): void {
  const entries = 0.5 * nP1 + 0.25 * (nP - nP1);
  cost[slot] = 2.5 * actives * nP + 6 * rows * nP + momentsCost + 0.75 * n * n * m + 2 * actives * entries;
}

/** Estimated ns of route 'hybrid' (forwardGram, backwardHidden); the same terms as timeGram. */
export function timeHybrid(n: number, m: number, rows: number, actives: number, nP: number, nP1: number, momentsCost: number): number {
  hybridCost(n, m, rows, actives, nP, nP1, momentsCost, scratchCosts, 0);
  return scratchCosts[0];
}

/** timeHybrid into cost[slot]. */
function hybridCost(n: number, m: number, rows: number, actives: number, nP: number, nP1: number, momentsCost: number, cost: Float64Array, slot: number): void {
  const entries = 0.5 * nP1 + 0.25 * (nP - nP1);
  const backward = 3 * rows * entries + 1.2 * (2 * rows * m * entries + 4 * actives * m);
  cost[slot] = 2.5 * actives * nP + 6 * rows * nP + momentsCost + 0.25 * n * n * m + backward + (momentsCost > 0 ? 0.5 * n * n * m : 0);
}

/**
 * Estimated ns of route 'h32' (h32.ts), fitted by relative least squares (within
 * ±10%) to its times on the bench's trained W1–W3 instances and on n = 400, m = 40 (S = 0 … 0.95,
 * batch 1024; every route timed on the same batches). Gathering the active inputs: ~0.042 ns per
 * multiply-add of the three dense products (a = b + Wᵀh, W g, h gᵀ over rows padded to nP = 4⌈n/4⌉,
 * mP = 4⌈m/4⌉), ~0.18 per active input and hidden unit (h = W x, (W g) xᵀ), ~0.65 per row and output,
 * ~2 per active input, ~9 µs per call; over dense rows: ~0.034 per multiply-add of five products,
 * ~1.4 per row and output. Where g is sparse (few outputs on) the kernel skips W g and h gᵀ over its
 * zeros; the fit holds for the trained models' g.
 */
export function timeH32(n: number, m: number, rows: number, actives: number, gather: boolean): number {
  routeCosts(n, m, rows, actives, scratchCosts);
  return scratchCosts[gather ? COST_H32_GATHER : COST_H32_DENSE];
}

/**
 * Estimated ns of route 'gram32' (sweepGram32), fitted as timeH32 (within ±18%, the most on the
 * n = 20 instances of a few µs): ~0.16 per active input and output (a = b + Σ x_i G[i, :] and
 * M[i, :] += x_i g), ~0.41 per row and output (the ReLU, the loss, g), ~0.22 per n·m·nP (G = WᵀW and
 * ∂W = W (M + Mᵀ)), ~9.7 µs per call.
 */
export function timeGram32(n: number, m: number, rows: number, actives: number): number {
  routeCosts(n, m, rows, actives, scratchCosts);
  return scratchCosts[COST_GRAM32];
}

/**
 * The estimates of timeH (dense, gathered), timeH32 (gathered, dense rows) and timeGram32, written
 * into cost[0 … 4]: the training loop reads them from there, since a double returned from a call
 * that is not inlined is boxed (garbage every step).
 */
function routeCosts(n: number, m: number, rows: number, actives: number, cost: Float64Array): void {
  const nP = (n + 3) & ~3;
  const mP = (m + 3) & ~3;
  cost[COST_H_DENSE] = 0.55 * (3 * rows * n * m + 2 * rows * n * m) + 9 * rows * n;
  cost[COST_H_GATHER] = 0.55 * (3 * rows * n * m + 4 * actives * m) + 9 * rows * n;
  cost[COST_H32_GATHER] = 0.042 * 3 * rows * nP * mP + 0.18 * actives * mP + 0.65 * rows * nP + 2 * actives + 9_400;
  cost[COST_H32_DENSE] = 0.034 * 5 * rows * nP * mP + 1.4 * rows * nP + 0.29 * actives + 200;
  cost[COST_GRAM32] = 0.16 * actives * nP + 0.41 * rows * nP + 0.22 * n * m * nP + 9_700;
}
