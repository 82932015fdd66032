/**
 * The arithmetic of mtlab's fused kernels, on plain arrays. These JavaScript versions are the reference; the
 * C++ addon (engine/backend/addon-compute.ts) provides the same functions with the same signatures, and
 * engine/backend/fused-kernels.ts uses whichever is present.
 *
 * Layouts are row-major. `mask` ([batch], 1 = real token, 0 = padding) makes a padded step keep the previous state:
 * state' = m·new + (1 − m)·old, so a padded sentence ends in the state of its last real token.
 */
import { PAD_ID, SOS_ID } from '../data/vocab.js';

export interface Compute {
  /** Σ x² over the first n values. */
  sumOfSquares(x: Float32Array, n: number): number;
  /** out[c] = Σ_r x[r·cols + c] (a bias gradient), summed in double in row order. */
  columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /**
   * One Adam update (PyTorch's rule) with the gradient scaled by `gradScale` (clipping), into new arrays (which may
   * be the input arrays themselves):
   * m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − (lr / c1) · m / (√v / √c2 + ε), c1 = 1−β1ᵗ, c2 = 1−β2ᵗ.
   */
  adamStep(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    paramOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    n: number,
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    correction1: number,
    correction2: number,
    gradScale: number,
  ): void;
  /** GRU gates: x = W_ih x + b_ih, g = W_hh h + b_hh ([batch, 3·hidden], r z n); cache = r, z, n, g_n. */
  gruForward(
    x: Float32Array,
    g: Float32Array,
    h: Float32Array,
    mask: Float32Array,
    out: Float32Array,
    cache: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  gruBackward(
    dh: Float32Array,
    cache: Float32Array,
    h: Float32Array,
    mask: Float32Array,
    dx: Float32Array,
    dg: Float32Array,
    dhPrev: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  /** LSTM gates i f g o ([batch, 4·hidden]); cache = i, f, g̃, o, tanh c'. */
  lstmForward(
    x: Float32Array,
    g: Float32Array,
    h: Float32Array,
    c: Float32Array,
    mask: Float32Array,
    hOut: Float32Array,
    cOut: Float32Array,
    cache: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  /** da is the gradient of both x and g (they enter the gates as a sum). */
  lstmBackward(
    dh: Float32Array,
    dc: Float32Array,
    cache: Float32Array,
    c: Float32Array,
    mask: Float32Array,
    da: Float32Array,
    dhPrev: Float32Array,
    dcPrev: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  /** Row-wise log-softmax: out[r, k] = logits[r, k] − log Σ_v exp(logits[r, v]) (decoding). */
  logSoftmax(logits: Float32Array, out: Float32Array, rows: number, vocab: number): void;
  /**
   * loss[0] = Σ_r w_r · ((1−ε)·(−log p_r[y_r]) + ε·(−mean_{v ∈ R} log p_r[v])); probs = softmax rows. R, the tokens
   * a target can be, is every id but `<pad>` (0) and `<sos>` (2): label smoothing spreads ε over those alone, as
   * fairseq and OpenNMT do (ids 0-3 are the specials of every vocabulary, engine/data/vocab.ts). vocab ≥ 3.
   */
  softmaxCrossEntropyForward(
    logits: Float32Array,
    targets: Int32Array,
    weights: Float32Array,
    smoothing: number,
    loss: Float32Array,
    probs: Float32Array,
    rows: number,
    vocab: number,
  ): void;
  softmaxCrossEntropyBackward(
    dloss: number,
    probs: Float32Array,
    targets: Int32Array,
    weights: Float32Array,
    smoothing: number,
    dlogits: Float32Array,
    rows: number,
    vocab: number,
  ): void;
  /**
   * Additive attention: t = tanh(keys + query) [batch, source, size], e = t·v + maskBias, α = softmax(e),
   * context = Σ α·values. cache = t.
   */
  additiveAttentionForward(
    keys: Float32Array,
    query: Float32Array,
    energy: Float32Array,
    maskBias: Float32Array,
    values: Float32Array,
    context: Float32Array,
    weights: Float32Array,
    cache: Float32Array,
    batch: number,
    source: number,
    size: number,
    valueSize: number,
  ): void;
  additiveAttentionBackward(
    dcontext: Float32Array,
    dweights: Float32Array,
    cache: Float32Array,
    weights: Float32Array,
    energy: Float32Array,
    values: Float32Array,
    dkeys: Float32Array,
    dquery: Float32Array,
    denergy: Float32Array,
    dvalues: Float32Array,
    batch: number,
    source: number,
    size: number,
    valueSize: number,
  ): void;
  /** Dot-product attention: e = keys·query + maskBias, α = softmax(e), context = Σ α·values. */
  dotAttentionForward(
    keys: Float32Array,
    query: Float32Array,
    maskBias: Float32Array,
    values: Float32Array,
    context: Float32Array,
    weights: Float32Array,
    batch: number,
    source: number,
    size: number,
    valueSize: number,
  ): void;
  dotAttentionBackward(
    dcontext: Float32Array,
    dweights: Float32Array,
    weights: Float32Array,
    keys: Float32Array,
    query: Float32Array,
    values: Float32Array,
    dkeys: Float32Array,
    dquery: Float32Array,
    dvalues: Float32Array,
    batch: number,
    source: number,
    size: number,
    valueSize: number,
  ): void;
}

/** `<pad>` and `<sos>`: never a target, so label smoothing gives them no mass (see softmaxCrossEntropyForward). */
export const SMOOTHING_EXCLUDED = [PAD_ID, SOS_ID] as const;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function softmaxInPlace(e: Float32Array, offset: number, length: number): void {
  let max = -Infinity;
  for (let s = 0; s < length; s++) if (e[offset + s] > max) max = e[offset + s];
  let sum = 0;
  for (let s = 0; s < length; s++) {
    const v = Math.exp(e[offset + s] - max);
    e[offset + s] = v;
    sum += v;
  }
  const inv = 1 / sum;
  for (let s = 0; s < length; s++) e[offset + s] *= inv;
}

export const jsCompute: Compute = {
  sumOfSquares(x, n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[i] * x[i];
    return sum;
  },

  columnSums(x, rows, cols, out) {
    const sums = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) sums[c] += x[o + c];
    }
    out.set(sums);
  },

  adamStep(
    param,
    grad,
    m,
    v,
    paramOut,
    mOut,
    vOut,
    n,
    learningRate,
    beta1,
    beta2,
    epsilon,
    correction1,
    correction2,
    gradScale,
  ) {
    const stepSize = learningRate / correction1;
    const root2 = Math.sqrt(correction2);
    for (let i = 0; i < n; i++) {
      const g = grad[i] * gradScale;
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      mOut[i] = mi;
      vOut[i] = vi;
      paramOut[i] = param[i] - (stepSize * mi) / (Math.sqrt(vi) / root2 + epsilon);
    }
  },

  gruForward(x, g, h, mask, out, cache, batch, hidden) {
    for (let b = 0; b < batch; b++) {
      const xo = b * 3 * hidden;
      const ho = b * hidden;
      const co = b * 4 * hidden;
      const m = mask[b];
      for (let j = 0; j < hidden; j++) {
        const r = sigmoid(x[xo + j] + g[xo + j]);
        const z = sigmoid(x[xo + hidden + j] + g[xo + hidden + j]);
        const gn = g[xo + 2 * hidden + j];
        const n = Math.tanh(x[xo + 2 * hidden + j] + r * gn);
        const old = h[ho + j];
        const fresh = n + z * (old - n);
        out[ho + j] = old + m * (fresh - old);
        cache[co + j] = r;
        cache[co + hidden + j] = z;
        cache[co + 2 * hidden + j] = n;
        cache[co + 3 * hidden + j] = gn;
      }
    }
  },

  gruBackward(dh, cache, h, mask, dx, dg, dhPrev, batch, hidden) {
    for (let b = 0; b < batch; b++) {
      const ho = b * hidden;
      const co = b * 4 * hidden;
      const go = b * 3 * hidden;
      const m = mask[b];
      for (let j = 0; j < hidden; j++) {
        const dOut = dh[ho + j];
        const d = m * dOut;
        const r = cache[co + j];
        const z = cache[co + hidden + j];
        const n = cache[co + 2 * hidden + j];
        const gn = cache[co + 3 * hidden + j];
        const dz = d * (h[ho + j] - n);
        const dan = d * (1 - z) * (1 - n * n);
        const dar = dan * gn * r * (1 - r);
        const daz = dz * z * (1 - z);
        dx[go + j] = dar;
        dx[go + hidden + j] = daz;
        dx[go + 2 * hidden + j] = dan;
        dg[go + j] = dar;
        dg[go + hidden + j] = daz;
        dg[go + 2 * hidden + j] = dan * r;
        dhPrev[ho + j] = d * z + (1 - m) * dOut;
      }
    }
  },

  lstmForward(x, g, h, c, mask, hOut, cOut, cache, batch, hidden) {
    for (let b = 0; b < batch; b++) {
      const xo = b * 4 * hidden;
      const ho = b * hidden;
      const ko = b * 5 * hidden;
      const m = mask[b];
      for (let j = 0; j < hidden; j++) {
        const i = sigmoid(x[xo + j] + g[xo + j]);
        const f = sigmoid(x[xo + hidden + j] + g[xo + hidden + j]);
        const cand = Math.tanh(x[xo + 2 * hidden + j] + g[xo + 2 * hidden + j]);
        const o = sigmoid(x[xo + 3 * hidden + j] + g[xo + 3 * hidden + j]);
        const cOld = c[ho + j];
        const cNew = f * cOld + i * cand;
        const tc = Math.tanh(cNew);
        const hOld = h[ho + j];
        cOut[ho + j] = cOld + m * (cNew - cOld);
        hOut[ho + j] = hOld + m * (o * tc - hOld);
        cache[ko + j] = i;
        cache[ko + hidden + j] = f;
        cache[ko + 2 * hidden + j] = cand;
        cache[ko + 3 * hidden + j] = o;
        cache[ko + 4 * hidden + j] = tc;
      }
    }
  },

  lstmBackward(dh, dc, cache, c, mask, da, dhPrev, dcPrev, batch, hidden) {
    for (let b = 0; b < batch; b++) {
      const ho = b * hidden;
      const ko = b * 5 * hidden;
      const ao = b * 4 * hidden;
      const m = mask[b];
      for (let j = 0; j < hidden; j++) {
        const i = cache[ko + j];
        const f = cache[ko + hidden + j];
        const cand = cache[ko + 2 * hidden + j];
        const o = cache[ko + 3 * hidden + j];
        const tc = cache[ko + 4 * hidden + j];
        const dhOut = dh[ho + j];
        const dcOut = dc[ho + j];
        const d = m * dhOut;
        const dcTotal = m * dcOut + d * o * (1 - tc * tc);
        da[ao + j] = dcTotal * cand * i * (1 - i);
        da[ao + hidden + j] = dcTotal * c[ho + j] * f * (1 - f);
        da[ao + 2 * hidden + j] = dcTotal * i * (1 - cand * cand);
        da[ao + 3 * hidden + j] = d * tc * o * (1 - o);
        dcPrev[ho + j] = dcTotal * f + (1 - m) * dcOut;
        dhPrev[ho + j] = (1 - m) * dhOut;
      }
    }
  },

  logSoftmax(logits, out, rows, vocab) {
    for (let r = 0; r < rows; r++) {
      const o = r * vocab;
      let max = -Infinity;
      for (let k = 0; k < vocab; k++) if (logits[o + k] > max) max = logits[o + k];
      let sum = 0;
      for (let k = 0; k < vocab; k++) sum += Math.exp(logits[o + k] - max);
      const logZ = max + Math.log(sum);
      for (let k = 0; k < vocab; k++) out[o + k] = logits[o + k] - logZ;
    }
  },

  softmaxCrossEntropyForward(logits, targets, weights, smoothing, loss, probs, rows, vocab) {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * vocab;
      let max = -Infinity;
      for (let k = 0; k < vocab; k++) if (logits[o + k] > max) max = logits[o + k];
      let sum = 0;
      let logitSum = 0;
      for (let k = 0; k < vocab; k++) {
        const e = Math.exp(logits[o + k] - max);
        probs[o + k] = e;
        sum += e;
        logitSum += logits[o + k];
      }
      const inv = 1 / sum;
      for (let k = 0; k < vocab; k++) probs[o + k] *= inv;
      const w = weights[r];
      if (w === 0) continue;
      const logZ = max + Math.log(sum);
      const realSum = logitSum - logits[o + SMOOTHING_EXCLUDED[0]] - logits[o + SMOOTHING_EXCLUDED[1]];
      total +=
        w *
        ((1 - smoothing) * (logZ - logits[o + targets[r]]) +
          smoothing * (logZ - realSum / (vocab - SMOOTHING_EXCLUDED.length)));
    }
    loss[0] = total;
  },

  softmaxCrossEntropyBackward(dloss, probs, targets, weights, smoothing, dlogits, rows, vocab) {
    const spread = smoothing / (vocab - SMOOTHING_EXCLUDED.length);
    for (let r = 0; r < rows; r++) {
      const o = r * vocab;
      const w = weights[r] * dloss;
      if (w === 0) {
        dlogits.fill(0, o, o + vocab);
        continue;
      }
      for (let k = 0; k < vocab; k++) dlogits[o + k] = w * (probs[o + k] - spread);
      for (const k of SMOOTHING_EXCLUDED) dlogits[o + k] = w * probs[o + k];
      dlogits[o + targets[r]] -= w * (1 - smoothing);
    }
  },

  additiveAttentionForward(
    keys,
    query,
    energy,
    maskBias,
    values,
    context,
    weights,
    cache,
    batch,
    source,
    size,
    valueSize,
  ) {
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < source; s++) {
        const ko = (b * source + s) * size;
        let e = maskBias[b * source + s];
        for (let a = 0; a < size; a++) {
          const t = Math.tanh(keys[ko + a] + query[b * size + a]);
          cache[ko + a] = t;
          e += t * energy[a];
        }
        weights[b * source + s] = e;
      }
      softmaxInPlace(weights, b * source, source);
      context.fill(0, b * valueSize, (b + 1) * valueSize);
      for (let s = 0; s < source; s++) {
        const alpha = weights[b * source + s];
        const vo = (b * source + s) * valueSize;
        for (let h = 0; h < valueSize; h++) context[b * valueSize + h] += alpha * values[vo + h];
      }
    }
  },

  additiveAttentionBackward(
    dcontext,
    dweights,
    cache,
    weights,
    energy,
    values,
    dkeys,
    dquery,
    denergy,
    dvalues,
    batch,
    source,
    size,
    valueSize,
  ) {
    denergy.fill(0);
    dquery.fill(0);
    const dalpha = new Float32Array(source);
    for (let b = 0; b < batch; b++) {
      let weighted = 0;
      for (let s = 0; s < source; s++) {
        const alpha = weights[b * source + s];
        const vo = (b * source + s) * valueSize;
        let d = dweights[b * source + s];
        for (let h = 0; h < valueSize; h++) {
          d += dcontext[b * valueSize + h] * values[vo + h];
          dvalues[vo + h] = alpha * dcontext[b * valueSize + h];
        }
        dalpha[s] = d;
        weighted += alpha * d;
      }
      for (let s = 0; s < source; s++) {
        const de = weights[b * source + s] * (dalpha[s] - weighted);
        const ko = (b * source + s) * size;
        for (let a = 0; a < size; a++) {
          const t = cache[ko + a];
          denergy[a] += de * t;
          const dpre = de * energy[a] * (1 - t * t);
          dkeys[ko + a] = dpre;
          dquery[b * size + a] += dpre;
        }
      }
    }
  },

  dotAttentionForward(keys, query, maskBias, values, context, weights, batch, source, size, valueSize) {
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < source; s++) {
        const ko = (b * source + s) * size;
        let e = maskBias[b * source + s];
        for (let a = 0; a < size; a++) e += keys[ko + a] * query[b * size + a];
        weights[b * source + s] = e;
      }
      softmaxInPlace(weights, b * source, source);
      context.fill(0, b * valueSize, (b + 1) * valueSize);
      for (let s = 0; s < source; s++) {
        const alpha = weights[b * source + s];
        const vo = (b * source + s) * valueSize;
        for (let h = 0; h < valueSize; h++) context[b * valueSize + h] += alpha * values[vo + h];
      }
    }
  },

  dotAttentionBackward(
    dcontext,
    dweights,
    weights,
    keys,
    query,
    values,
    dkeys,
    dquery,
    dvalues,
    batch,
    source,
    size,
    valueSize,
  ) {
    dquery.fill(0);
    const dalpha = new Float32Array(source);
    for (let b = 0; b < batch; b++) {
      let weighted = 0;
      for (let s = 0; s < source; s++) {
        const alpha = weights[b * source + s];
        const vo = (b * source + s) * valueSize;
        let d = dweights[b * source + s];
        for (let h = 0; h < valueSize; h++) {
          d += dcontext[b * valueSize + h] * values[vo + h];
          dvalues[vo + h] = alpha * dcontext[b * valueSize + h];
        }
        dalpha[s] = d;
        weighted += alpha * d;
      }
      for (let s = 0; s < source; s++) {
        const de = weights[b * source + s] * (dalpha[s] - weighted);
        const ko = (b * source + s) * size;
        for (let a = 0; a < size; a++) {
          dkeys[ko + a] = de * query[b * size + a];
          dquery[b * size + a] += de * keys[ko + a];
        }
      }
    }
  },
};
