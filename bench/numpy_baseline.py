"""NumPy baseline in the seed's style: dense batched matmuls over an instances axis, hand-written
gradients, Adam, a fresh Bernoulli x Uniform batch every step drawn with numpy. float32.

Usage:  python3 bench/numpy_baseline.py '<workload JSON>'   (or the JSON on stdin)
  {"spec": {"kind": "toy", "nFeatures": 20, "nHidden": 5, "sparsity": [0.9], "importanceDecay": 0.7},
   "batch": 1024, "seed": 0, "targetSeconds": 0.6, "repeats": 5, "warmupSeconds": 0.5}
  SAE: {"spec": {"kind": "sae", "toy": {...toy spec...}, "toySteps": 2000, "dictSize": 40, "l1": 0.03}, ...}
Any toy size runs, as the scaling table of bench/scaling.ts asks: n up to 10,000 (m = 1,000: a
step is ~10^11 FLOP of matmuls and ~600 MiB of float32 temporaries, the dense [K, B, n] batch
and its derivatives) and up to 100 instances. Steps over a second end the warm-up after two, and
steps over 2 s get at most 3 repeats of one step each: the same rules as bench/timing.ts.
Prints one JSON line: stepsPerSecond, msPerStep, the repeats, maxRssKiB, numpy's version, BLAS
and thread count. Timing: warm-up, steps per repeat calibrated to ~targetSeconds, median rate.

End to end (the bench times this whole process against our command, bench/startup.ts):
  {"spec": {...toy spec...}, "batch": 1024, "seed": 0,
   "endToEnd": {"steps": 10000, "evalSize": 100000, "historyEvery": 100, "out": "<folder>"}}
trains the toy model for `steps` steps, measures its loss on evalSize fresh samples, counts the
represented features (||W_i|| > 0.5) and writes what our command writes for a run — weights,
metrics, history, config — into `out`: the same work as `superposition … --no-plots --quiet`.
"""

import ctypes
import json
import math
import os
import resource
import statistics
import sys
import time

import numpy as np

F32 = np.float32


class Adam:
    def __init__(self, shape, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.m = np.zeros(shape, F32)
        self.v = np.zeros(shape, F32)
        self.t = 0
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps

    def step(self, param, grad):
        self.t += 1
        self.m *= self.beta1
        self.m += (1 - self.beta1) * grad
        self.v *= self.beta2
        self.v += (1 - self.beta2) * grad * grad
        m_hat = self.m / (1 - self.beta1 ** self.t)
        v_hat = self.v / (1 - self.beta2 ** self.t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class ToyModel:
    """h = W x, out = ReLU(W^T h + b), per instance; W [K, m, n], b [K, n]."""

    def __init__(self, spec, batch, rng):
        self.n, self.m = spec["nFeatures"], spec["nHidden"]
        self.K = len(spec["sparsity"])
        self.B = batch
        self.rng = rng
        self.p = (1 - np.asarray(spec["sparsity"], F32))[:, None, None]  # [K, 1, 1]
        self.importance = (spec["importanceDecay"] ** np.arange(self.n)).astype(F32)  # [n]
        std = np.sqrt(2 / (self.m + self.n))
        self.W = (std * rng.standard_normal((self.K, self.m, self.n))).astype(F32)
        self.b = np.zeros((self.K, self.n), F32)
        self.adam_W, self.adam_b = Adam(self.W.shape), Adam(self.b.shape)
        self.loss = float("nan")

    def generate_batch(self):
        shape = (self.K, self.B, self.n)
        active = self.rng.random(shape, dtype=F32) < self.p
        return np.where(active, self.rng.random(shape, dtype=F32), F32(0))  # [K, B, n]

    def loss_only(self):
        """The loss of a fresh batch, no step (the evaluation)."""
        x = self.generate_batch()
        out = np.maximum(x @ self.W.transpose(0, 2, 1) @ self.W + self.b[:, None, :], 0)
        err = out - x
        return float((self.importance * err * err).sum() / (self.B * self.n))

    def step(self):
        x = self.generate_batch()
        W, b = self.W, self.b
        h = x @ W.transpose(0, 2, 1)  # [K, B, m]
        pre = h @ W + b[:, None, :]  # [K, B, n]
        out = np.maximum(pre, 0)
        err = out - x
        scale = F32(1 / (self.B * self.n))
        self.loss = float((self.importance * err * err).sum() * scale)
        g_pre = (2 * scale) * self.importance * err * (pre > 0)  # [K, B, n]
        g_b = g_pre.sum(axis=1)  # [K, n]
        g_h = g_pre @ W.transpose(0, 2, 1)  # [K, B, m]
        g_W = h.transpose(0, 2, 1) @ g_pre + g_h.transpose(0, 2, 1) @ x  # [K, m, n]
        self.adam_W.step(self.W, g_W)
        self.adam_b.step(self.b, g_b)


class ReluSae:
    """z = ReLU(W_enc (h - b_dec) + b_enc), h_hat = W_dec z + b_dec on h = W x of toy instance 0."""

    def __init__(self, toy, d, l1, batch, rng):
        self.toy, self.d, self.l1, self.B, self.rng = toy, d, l1, batch, rng
        m = toy.m
        W_dec = rng.standard_normal((m, d)).astype(F32)
        self.W_dec = W_dec / np.linalg.norm(W_dec, axis=0, keepdims=True)  # [m, d]
        self.W_enc = self.W_dec.T.copy()  # [d, m]
        self.b_enc = np.zeros(d, F32)
        self.b_dec = self.sample_hidden().mean(axis=0)  # [m]
        self.adams = [Adam(p.shape) for p in (self.W_enc, self.b_enc, self.W_dec, self.b_dec)]
        self.loss = float("nan")

    def sample_hidden(self):
        toy = self.toy
        shape = (self.B, toy.n)
        active = self.rng.random(shape, dtype=F32) < toy.p[0]
        x = np.where(active, self.rng.random(shape, dtype=F32), F32(0))  # [B, n]
        return x @ toy.W[0].T  # [B, m]

    def step(self):
        h = self.sample_hidden()
        B = self.B
        centred = h - self.b_dec  # [B, m]
        pre = centred @ self.W_enc.T + self.b_enc  # [B, d]
        z = np.maximum(pre, 0)
        h_hat = z @ self.W_dec.T + self.b_dec  # [B, m]
        err = h_hat - h
        self.loss = float((err * err).sum() / B + self.l1 * z.sum() / B)
        g_hat = (2 / B) * err  # [B, m]
        g_W_dec = g_hat.T @ z  # [m, d]
        g_b_dec = g_hat.sum(axis=0)
        g_pre = (g_hat @ self.W_dec + self.l1 / B) * (pre > 0)  # [B, d]
        g_W_enc = g_pre.T @ centred  # [d, m]
        g_b_enc = g_pre.sum(axis=0)
        g_b_dec -= g_b_enc @ self.W_enc
        g_W_dec -= (g_W_dec * self.W_dec).sum(axis=0, keepdims=True) * self.W_dec
        for adam, param, grad in zip(self.adams, (self.W_enc, self.b_enc, self.W_dec, self.b_dec),
                                     (g_W_enc, g_b_enc, g_W_dec, g_b_dec)):
            adam.step(param, grad.astype(F32, copy=False))
        self.W_dec /= np.linalg.norm(self.W_dec, axis=0, keepdims=True)


def measure(step, target_seconds, repeats, warmup_seconds):
    warmup_steps, chunk, last_chunk, last_seconds = 0, 1, 1, 0.0
    start = time.perf_counter()
    while warmup_steps < 3 or time.perf_counter() - start < warmup_seconds:
        t0 = time.perf_counter()
        for _ in range(chunk):
            step()
        last_seconds, last_chunk = time.perf_counter() - t0, chunk
        warmup_steps += chunk
        if last_seconds > 1 and warmup_steps > chunk:
            break
        if last_seconds < 0.1:
            chunk *= 2
    rate = last_chunk / max(last_seconds, 1e-6)
    steps_per_repeat = max(1, math.ceil(rate * target_seconds))
    if steps_per_repeat == 1 and 1 / rate > 2:
        repeats = min(3, repeats)
    rates = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps_per_repeat):
            step()
        rates.append(steps_per_repeat / (time.perf_counter() - t0))
    cpu_per_wall = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
    sps = statistics.median(rates)
    return {"stepsPerSecond": sps, "msPerStep": 1000 / sps, "repeats": repeats,
            "stepsPerRepeat": steps_per_repeat, "warmupSteps": warmup_steps, "rates": rates,
            "cpuPerWall": cpu_per_wall}


def blas_info():
    """numpy's BLAS (from show_config) and, for OpenBLAS, its thread count and core (via ctypes)."""
    info = {"numpy": np.__version__}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration")}
    except Exception as error:  # older numpy: no mode="dicts"
        info["blas"] = {"error": str(error)}
    try:
        import threadpoolctl
        info["threadpools"] = threadpoolctl.threadpool_info()
        return info
    except ImportError:
        pass
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line})
        for path in paths:
            lib = ctypes.CDLL(path)
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    get_threads = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    if get_threads is None:
                        continue
                    info["openblasThreads"] = get_threads()
                    core = getattr(lib, f"{prefix}_get_corename{suffix}", None)
                    if core is not None:
                        core.restype = ctypes.c_char_p
                        info["openblasCore"] = core().decode()
                    info["openblasLibrary"] = os.path.basename(path)
                    return info
    except Exception as error:
        info["openblasError"] = str(error)
    return info


def end_to_end(model, spec, job):
    """A whole run as our command does one: train, evaluate, write the results folder."""
    e2e = job["endToEnd"]
    out = e2e["out"]
    history = []
    for step in range(e2e["steps"]):
        model.step()
        if step % e2e["historyEvery"] == 0 or step == e2e["steps"] - 1:
            history.append((step, model.loss))
    total, done = 0.0, 0
    while done < e2e["evalSize"]:
        size = min(model.B, e2e["evalSize"] - done)
        model.B = size
        total += model.loss_only() * size
        done += size
    norms = np.linalg.norm(model.W, axis=1)  # [K, n]
    metrics = {"evalLoss": total / e2e["evalSize"], "represented": (norms > 0.5).sum(axis=1).tolist(),
               "featureNorms": norms.tolist()}
    os.makedirs(out, exist_ok=True)
    np.savez(os.path.join(out, "weights.npz"), W=model.W, b=model.b)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f)
    with open(os.path.join(out, "history.csv"), "w") as f:
        f.write("step,loss\n" + "".join(f"{s},{l}\n" for s, l in history))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"spec": spec, "batch": job.get("batch", 1024), "seed": job.get("seed", 0), **e2e}, f)


def main():
    text = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    job = json.loads(text)
    spec, batch, seed = job["spec"], job.get("batch", 1024), job.get("seed", 0)
    rng = np.random.default_rng(seed)
    if "endToEnd" in job:
        end_to_end(ToyModel(spec, batch, rng), spec, job)
        return
    if spec["kind"] == "toy":
        model = ToyModel(spec, batch, rng)
    else:
        toy = ToyModel(spec["toy"], batch, rng)
        for _ in range(spec["toySteps"]):
            toy.step()
        model = ReluSae(toy, spec["dictSize"], spec["l1"], batch, rng)
    timing = measure(model.step, job.get("targetSeconds", 0.6), job.get("repeats", 5), job.get("warmupSeconds", 0.5))
    result = {"timing": timing, "finalLoss": model.loss,
              "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
              **blas_info()}
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
