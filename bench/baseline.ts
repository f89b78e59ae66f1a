// The straightforward dense TypeScript baseline, independent of src/: the obvious code a reader
// would write from the paper. Plain loops over Float32Array, every multiply-add done (no sparsity
// tricks), hand-written backward, Adam. Shapes in comments; B = batch, n = features, m = hidden,
// K = instances, d = SAE latents.
//
// Toy model (per instance):  x = Bernoulli(1−S) · U[0,1]  dense [B, n]
//   h = W x [B, m],  out = ReLU(Wᵀh + b) [B, n],  L = (1/(B n)) Σ I_i (x_i − out_i)²
// relu SAE on h:  z = ReLU(W_enc (h − b_dec) + b_enc),  ĥ = W_dec z + b_dec,
//   L = mean_B ‖h − ĥ‖² + λ mean_B Σ z;  decoder columns kept at unit norm (gradient component
//   along each column removed before the step, columns renormalised after).

/** mulberry32: a small seedable PRNG, uniform on [0, 1). */
export class BaselineRng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Adam (lr 1e-3, β 0.9/0.999, ε 1e-8) on one Float32Array parameter. */
export class Adam {
  m: Float32Array;
  v: Float32Array;
  t = 0;
  constructor(size: number, readonly lr = 1e-3, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly eps = 1e-8) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }
  step(param: Float32Array, grad: Float32Array): void {
    this.t++;
    const c1 = 1 - Math.pow(this.beta1, this.t);
    const c2 = 1 - Math.pow(this.beta2, this.t);
    for (let e = 0; e < param.length; e++) {
      const g = grad[e];
      this.m[e] = this.beta1 * this.m[e] + (1 - this.beta1) * g;
      this.v[e] = this.beta2 * this.v[e] + (1 - this.beta2) * g * g;
      const mHat = this.m[e] / c1;
      const vHat = this.v[e] / c2;
      param[e] -= (this.lr * mHat) / (Math.sqrt(vHat) + this.eps);
    }
  }
}

/** Dense batch: x[k, b, i] = [u < p_k] · v, two uniform draws per entry. */
export function sampleDense(rng: BaselineRng, probability: readonly number[], batch: number, n: number, x: Float32Array): void {
  for (let k = 0; k < probability.length; k++) {
    const p = probability[k];
    for (let e = 0; e < batch * n; e++) {
      const u = rng.next();
      const v = rng.next();
      x[k * batch * n + e] = u < p ? v : 0;
    }
  }
}

export interface DenseToyOptions {
  nFeatures: number;
  nHidden: number;
  sparsity: readonly number[];
  importanceDecay: number;
  batch: number;
  seed: number;
}

export class DenseToy {
  readonly n: number;
  readonly m: number;
  readonly K: number;
  readonly B: number;
  readonly p: number[];
  readonly importance: Float32Array; // [n]
  readonly W: Float32Array; // [K, m, n]
  readonly b: Float32Array; // [K, n]
  readonly gW: Float32Array;
  readonly gb: Float32Array;
  readonly x: Float32Array; // [K, B, n]
  readonly h: Float32Array; // [B, m]   (one instance at a time)
  readonly out: Float32Array; // [B, n]
  readonly gOut: Float32Array; // [B, n]  ∂L/∂(Wᵀh + b)
  readonly gh: Float32Array; // [B, m]
  readonly adamW: Adam;
  readonly adamB: Adam;
  readonly rng: BaselineRng;
  lastLoss = 0;

  constructor(o: DenseToyOptions) {
    this.n = o.nFeatures;
    this.m = o.nHidden;
    this.K = o.sparsity.length;
    this.B = o.batch;
    this.p = o.sparsity.map((s) => 1 - s);
    this.importance = Float32Array.from({ length: this.n }, (_, i) => Math.pow(o.importanceDecay, i));
    this.rng = new BaselineRng(o.seed);
    const { n, m, K, B } = this;
    this.W = new Float32Array(K * m * n);
    const std = Math.sqrt(2 / (m + n));
    for (let e = 0; e < this.W.length; e++) this.W[e] = std * this.rng.normal();
    this.b = new Float32Array(K * n);
    this.gW = new Float32Array(K * m * n);
    this.gb = new Float32Array(K * n);
    this.x = new Float32Array(K * B * n);
    this.h = new Float32Array(B * m);
    this.out = new Float32Array(B * n);
    this.gOut = new Float32Array(B * n);
    this.gh = new Float32Array(B * m);
    this.adamW = new Adam(this.W.length);
    this.adamB = new Adam(this.b.length);
  }

  step(): void {
    const { n, m, K, B, W, b, gW, gb, x, h, out, gOut, gh, importance } = this;
    sampleDense(this.rng, this.p, B, n, x);
    let total = 0;
    for (let k = 0; k < K; k++) {
      const w = k * m * n;
      const xb = k * B * n;
      // forward: h = W x,  out = ReLU(Wᵀh + b)
      for (let s = 0; s < B; s++) {
        for (let j = 0; j < m; j++) {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += W[w + j * n + i] * x[xb + s * n + i];
          h[s * m + j] = acc;
        }
        for (let i = 0; i < n; i++) {
          let acc = b[k * n + i];
          for (let j = 0; j < m; j++) acc += W[w + j * n + i] * h[s * m + j];
          out[s * n + i] = acc > 0 ? acc : 0;
        }
      }
      // loss and ∂L/∂pre = 2/(B n) I (out − x) [pre > 0]
      const scale = 2 / (B * n);
      for (let s = 0; s < B; s++) {
        for (let i = 0; i < n; i++) {
          const err = out[s * n + i] - x[xb + s * n + i];
          total += (importance[i] * err * err) / (B * n);
          gOut[s * n + i] = out[s * n + i] > 0 ? scale * importance[i] * err : 0;
        }
      }
      // backward: gb = Σ_s gOut;  gh = W gOut;  gW = h ⊗ gOut + gh ⊗ x
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let s = 0; s < B; s++) acc += gOut[s * n + i];
        gb[k * n + i] = acc;
      }
      for (let s = 0; s < B; s++) {
        for (let j = 0; j < m; j++) {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += W[w + j * n + i] * gOut[s * n + i];
          gh[s * m + j] = acc;
        }
      }
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let s = 0; s < B; s++) acc += h[s * m + j] * gOut[s * n + i] + gh[s * m + j] * x[xb + s * n + i];
          gW[w + j * n + i] = acc;
        }
      }
    }
    this.lastLoss = total;
    this.adamW.step(W, gW);
    this.adamB.step(b, gb);
  }
}

export interface DenseSaeOptions {
  toy: DenseToy; // a trained toy model (its instance 0 is read)
  dictSize: number;
  l1: number;
  batch: number;
  seed: number;
}

export class DenseReluSae {
  readonly toy: DenseToy;
  readonly m: number;
  readonly d: number;
  readonly B: number;
  readonly l1: number;
  readonly rng: BaselineRng;
  readonly W_enc: Float32Array; // [d, m]
  readonly b_enc: Float32Array; // [d]
  readonly W_dec: Float32Array; // [m, d]
  readonly b_dec: Float32Array; // [m]
  readonly g_W_enc: Float32Array;
  readonly g_b_enc: Float32Array;
  readonly g_W_dec: Float32Array;
  readonly g_b_dec: Float32Array;
  readonly adam: Adam[];
  readonly x: Float32Array; // [B, n]
  readonly h: Float32Array; // [B, m]
  readonly pre: Float32Array; // [B, d]
  readonly z: Float32Array; // [B, d]
  readonly hHat: Float32Array; // [B, m]
  readonly gHat: Float32Array; // [B, m]
  readonly gPre: Float32Array; // [B, d]
  lastLoss = 0;

  constructor(o: DenseSaeOptions) {
    this.toy = o.toy;
    this.m = o.toy.m;
    this.d = o.dictSize;
    this.B = o.batch;
    this.l1 = o.l1;
    this.rng = new BaselineRng(o.seed + 1);
    const { m, d, B } = this;
    const n = o.toy.n;
    this.W_enc = new Float32Array(d * m);
    this.b_enc = new Float32Array(d);
    this.W_dec = new Float32Array(m * d);
    this.b_dec = new Float32Array(m);
    for (let e = 0; e < m * d; e++) this.W_dec[e] = this.rng.normal();
    this.normaliseDecoder();
    for (let l = 0; l < d; l++) for (let j = 0; j < m; j++) this.W_enc[l * m + j] = this.W_dec[j * d + l];
    this.g_W_enc = new Float32Array(d * m);
    this.g_b_enc = new Float32Array(d);
    this.g_W_dec = new Float32Array(m * d);
    this.g_b_dec = new Float32Array(m);
    this.adam = [new Adam(d * m), new Adam(d), new Adam(m * d), new Adam(m)];
    this.x = new Float32Array(B * n);
    this.h = new Float32Array(B * m);
    this.pre = new Float32Array(B * d);
    this.z = new Float32Array(B * d);
    this.hHat = new Float32Array(B * m);
    this.gHat = new Float32Array(B * m);
    this.gPre = new Float32Array(B * d);
    // b_dec starts at the mean of a batch of h
    this.sampleHidden();
    for (let s = 0; s < B; s++) for (let j = 0; j < m; j++) this.b_dec[j] += this.h[s * m + j] / B;
  }

  normaliseDecoder(): void {
    const { m, d, W_dec } = this;
    for (let l = 0; l < d; l++) {
      let norm = 0;
      for (let j = 0; j < m; j++) norm += W_dec[j * d + l] * W_dec[j * d + l];
      norm = Math.sqrt(norm) || 1;
      for (let j = 0; j < m; j++) W_dec[j * d + l] /= norm;
    }
  }

  /** Fresh dense x [B, n] from the toy's instance 0, h = W x [B, m]. */
  sampleHidden(): void {
    const { toy, m, B, x, h } = this;
    const n = toy.n;
    sampleDense(this.rng, [toy.p[0]], B, n, x);
    for (let s = 0; s < B; s++) {
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += toy.W[j * n + i] * x[s * n + i];
        h[s * m + j] = acc;
      }
    }
  }

  step(): void {
    const { m, d, B, W_enc, b_enc, W_dec, b_dec, h, pre, z, hHat, gHat, gPre } = this;
    const { g_W_enc, g_b_enc, g_W_dec, g_b_dec } = this;
    this.sampleHidden();
    // forward
    let loss = 0;
    for (let s = 0; s < B; s++) {
      for (let l = 0; l < d; l++) {
        let acc = b_enc[l];
        for (let j = 0; j < m; j++) acc += W_enc[l * m + j] * (h[s * m + j] - b_dec[j]);
        pre[s * d + l] = acc;
        z[s * d + l] = acc > 0 ? acc : 0;
        loss += (this.l1 * z[s * d + l]) / B;
      }
      for (let j = 0; j < m; j++) {
        let acc = b_dec[j];
        for (let l = 0; l < d; l++) acc += W_dec[j * d + l] * z[s * d + l];
        hHat[s * m + j] = acc;
        const err = acc - h[s * m + j];
        loss += (err * err) / B;
        gHat[s * m + j] = (2 * err) / B;
      }
    }
    this.lastLoss = loss;
    // backward: decoder
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let s = 0; s < B; s++) acc += gHat[s * m + j];
      g_b_dec[j] = acc;
      for (let l = 0; l < d; l++) {
        let w = 0;
        for (let s = 0; s < B; s++) w += gHat[s * m + j] * z[s * d + l];
        g_W_dec[j * d + l] = w;
      }
    }
    // ∂L/∂pre = (W_decᵀ gHat + λ/B) [pre > 0]
    for (let s = 0; s < B; s++) {
      for (let l = 0; l < d; l++) {
        let acc = this.l1 / B;
        for (let j = 0; j < m; j++) acc += W_dec[j * d + l] * gHat[s * m + j];
        gPre[s * d + l] = pre[s * d + l] > 0 ? acc : 0;
      }
    }
    // encoder: g_W_enc = gPre ⊗ (h − b_dec), g_b_enc = Σ gPre, g_b_dec −= W_encᵀ Σ gPre
    for (let l = 0; l < d; l++) {
      let gbl = 0;
      for (let s = 0; s < B; s++) gbl += gPre[s * d + l];
      g_b_enc[l] = gbl;
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let s = 0; s < B; s++) acc += gPre[s * d + l] * (h[s * m + j] - b_dec[j]);
        g_W_enc[l * m + j] = acc;
        g_b_dec[j] -= W_enc[l * m + j] * gbl;
      }
    }
    // remove the gradient's component along each (unit) decoder column
    for (let l = 0; l < d; l++) {
      let dot = 0;
      for (let j = 0; j < m; j++) dot += W_dec[j * d + l] * g_W_dec[j * d + l];
      for (let j = 0; j < m; j++) g_W_dec[j * d + l] -= dot * W_dec[j * d + l];
    }
    this.adam[0].step(W_enc, g_W_enc);
    this.adam[1].step(b_enc, g_b_enc);
    this.adam[2].step(W_dec, g_W_dec);
    this.adam[3].step(b_dec, g_b_dec);
    this.normaliseDecoder();
  }
}
