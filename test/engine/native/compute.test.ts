import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../../engine/contract/api.js';
import { type Compute, jsCompute } from '../../../engine/backend/compute.js';
import { activeCompute, useCompute } from '../../../engine/backend/fused-kernels.js';
import { describeAddon, loadAddon } from '../../../engine/backend/addon.js';
import { loadAddonFused, addonCompute } from '../../../engine/backend/addon-compute.js';
import { useBackend } from '../../../engine/backend/select.js';
import type { Batch } from '../../../engine/data/batch.js';
import { Dropout } from '../../../engine/model/dropout.js';
import { Seq2Seq } from '../../../engine/model/seq2seq.js';
import { Rng } from '../../../engine/random.js';
import { clipScale, createOptimizer, globalNorm } from '../../../engine/train/optimizer.js';

const fused = loadAddonFused();
const skipReason =
  fused === null
    ? `native fused kernels unavailable: ${loadAddon() === null ? describeAddon().detail : 'the addon predates them (rebuild native/)'}`
    : false;

const normal = (rng: Rng, size: number, scale = 1): Float32Array =>
  Float32Array.from({ length: size }, () => scale * rng.normal());
const uniform = (rng: Rng, size: number, lo: number, hi: number): Float32Array =>
  Float32Array.from({ length: size }, () => rng.range(lo, hi));

/**
 * Element-wise comparison with the reference: |actual − expected| ≤ tolerance · max(|expected|, floor), the floor
 * being `floorFraction` of the array's largest magnitude. Elements that cancel to nearly nothing (a GRU state
 * blend, c' = f·c + i·g̃, a context of values of both signs) carry float rounding errors of the size of their terms,
 * not of themselves: the reference rounds its double results to float32 once, the kernels round each float
 * operation and their exp/tanh are within 1–2 ulp, not exact. NaN must match NaN.
 */
function assertClose(
  actual: Float32Array,
  expected: Float32Array,
  label: string,
  tolerance = 1e-5,
  floorFraction = 0.1,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let largest = 0;
  for (const e of expected) if (Number.isFinite(e)) largest = Math.max(largest, Math.abs(e));
  const floor = floorFraction * largest;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${label}[${i}] = ${a}, expected ${e}`);
      continue;
    }
    const error = Math.abs(a - e);
    if (!(error <= tolerance * Math.max(Math.abs(e), floor))) {
      assert.fail(`${label}[${i}] = ${a}, expected ${e} (error ${error.toExponential(2)}, largest ${largest})`);
    }
  }
}

function assertScalarClose(actual: number, expected: number, label: string, tolerance = 1e-4): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(Math.abs(expected), 1e-30),
    `${label}: ${actual}, expected ${expected}`,
  );
}

/** Padding masks: mostly 1, some 0, one fractional value (the formulas must hold for any mask). */
function mask(rng: Rng, size: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => (i % 5 === 3 ? 0 : i % 7 === 5 ? 0.5 : rng.chance(0.2) ? 0 : 1));
}

/** Runs `run` on fresh output arrays with the reference and the addon, and compares every output. */
function compareOutputs(
  label: string,
  sizes: number[],
  run: (compute: Compute, outputs: Float32Array[]) => void,
  names: string[],
): void {
  const expected = sizes.map((n) => new Float32Array(n).fill(Number.NaN));
  const actual = sizes.map((n) => new Float32Array(n).fill(Number.NaN));
  run(jsCompute, expected);
  run(addonCompute()!, actual);
  names.forEach((name, k) => assertClose(actual[k]!, expected[k]!, `${label} ${name}`));
}

const CELL_SIZES: [number, number][] = [
  [1, 1],
  [3, 7],
  [5, 33],
  [4, 100],
  [64, 256],
];
const ATTENTION_SIZES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [2, 3, 5, 7],
  [3, 10, 17, 33],
  [8, 10, 256, 256],
];
// The smallest vocabulary the loss takes: <pad> <unk> <sos> (label smoothing leaves out <pad> and <sos>).
const SOFTMAX_SIZES: [number, number][] = [
  [1, 3],
  [3, 7],
  [13, 257],
  [40, 2000],
];

function checkGru(rng: Rng, isa: string): void {
  for (const [batch, hidden] of CELL_SIZES) {
    const label = `${isa} gru ${batch}×${hidden}`;
    const x = normal(rng, batch * 3 * hidden, 2);
    const g = normal(rng, batch * 3 * hidden, 2);
    const h = uniform(rng, batch * hidden, -1, 1);
    const m = mask(rng, batch);
    compareOutputs(
      `${label} forward`,
      [batch * hidden, batch * 4 * hidden],
      (c, [out, cache]) => c.gruForward(x, g, h, m, out!, cache!, batch, hidden),
      ['out', 'cache'],
    );
    const out = new Float32Array(batch * hidden);
    const cache = new Float32Array(batch * 4 * hidden);
    jsCompute.gruForward(x, g, h, m, out, cache, batch, hidden);
    const dh = normal(rng, batch * hidden);
    compareOutputs(
      `${label} backward`,
      [batch * 3 * hidden, batch * 3 * hidden, batch * hidden],
      (c, [dx, dg, dhPrev]) => c.gruBackward(dh, cache, h, m, dx!, dg!, dhPrev!, batch, hidden),
      ['dx', 'dg', 'dhPrev'],
    );
  }
}

function checkLstm(rng: Rng, isa: string): void {
  for (const [batch, hidden] of CELL_SIZES) {
    const label = `${isa} lstm ${batch}×${hidden}`;
    const x = normal(rng, batch * 4 * hidden, 2);
    const g = normal(rng, batch * 4 * hidden, 2);
    const h = uniform(rng, batch * hidden, -1, 1);
    const c0 = normal(rng, batch * hidden, 2);
    const m = mask(rng, batch);
    compareOutputs(
      `${label} forward`,
      [batch * hidden, batch * hidden, batch * 5 * hidden],
      (c, [hOut, cOut, cache]) => c.lstmForward(x, g, h, c0, m, hOut!, cOut!, cache!, batch, hidden),
      ['hOut', 'cOut', 'cache'],
    );
    const cache = new Float32Array(batch * 5 * hidden);
    jsCompute.lstmForward(
      x,
      g,
      h,
      c0,
      m,
      new Float32Array(batch * hidden),
      new Float32Array(batch * hidden),
      cache,
      batch,
      hidden,
    );
    const dh = normal(rng, batch * hidden);
    const dc = normal(rng, batch * hidden);
    compareOutputs(
      `${label} backward`,
      [batch * 4 * hidden, batch * hidden, batch * hidden],
      (c, [da, dhPrev, dcPrev]) => c.lstmBackward(dh, dc, cache, c0, m, da!, dhPrev!, dcPrev!, batch, hidden),
      ['da', 'dhPrev', 'dcPrev'],
    );
  }
}

function checkSoftmaxCrossEntropy(rng: Rng, isa: string): void {
  assert.throws(
    () =>
      addonCompute()!.softmaxCrossEntropyForward(
        new Float32Array(2),
        new Int32Array(1),
        new Float32Array([1]),
        0.1,
        new Float32Array(1),
        new Float32Array(2),
        1,
        2,
      ),
    /vocab = 2: the loss needs at least the 3 ids/,
  );
  for (const [rows, vocab] of SOFTMAX_SIZES) {
    const logits = normal(rng, rows * vocab, 3);
    // Extreme logits: a row of ±50 (probabilities down to e^-100, subnormal in float32).
    if (rows > 2) for (let k = 0; k < vocab; k++) logits[vocab + k] = k % 2 === 0 ? 50 : -50;
    const targets = Int32Array.from({ length: rows }, () => rng.int(vocab));
    const weights = Float32Array.from({ length: rows }, (_, r) => (r % 4 === 2 ? 0 : r % 4 === 3 ? 0.5 : 1));
    for (const smoothing of [0, 0.1]) {
      const label = `${isa} softmax cross-entropy ${rows}×${vocab} ε=${smoothing}`;
      const expectedLoss = new Float32Array(1);
      const expectedProbs = new Float32Array(rows * vocab);
      jsCompute.softmaxCrossEntropyForward(
        logits,
        targets,
        weights,
        smoothing,
        expectedLoss,
        expectedProbs,
        rows,
        vocab,
      );
      if (smoothing === 0) {
        compareOutputs(
          `${isa} log-softmax ${rows}×${vocab}`,
          [rows * vocab],
          (c, [out]) => c.logSoftmax(logits, out!, rows, vocab),
          ['out'],
        );
      }
      const loss = new Float32Array(1);
      const probs = new Float32Array(rows * vocab);
      addonCompute()!.softmaxCrossEntropyForward(logits, targets, weights, smoothing, loss, probs, rows, vocab);
      assertClose(probs, expectedProbs, `${label} probs`);
      assertScalarClose(loss[0]!, expectedLoss[0]!, `${label} loss`);
      for (const dloss of [1, 0.37]) {
        compareOutputs(
          `${label} backward dloss=${dloss}`,
          [rows * vocab],
          (c, [dlogits]) =>
            c.softmaxCrossEntropyBackward(dloss, expectedProbs, targets, weights, smoothing, dlogits!, rows, vocab),
          ['dlogits'],
        );
      }
    }
  }
}

/** 0, or −1e9 (the model's masked positions) for some positions; position 0 of each row stays unmasked. */
function maskBias(rng: Rng, batch: number, source: number): Float32Array {
  return Float32Array.from({ length: batch * source }, (_, i) => (i % source !== 0 && rng.chance(0.3) ? -1e9 : 0));
}

function checkAttention(rng: Rng, isa: string): void {
  for (const [batch, source, size, valueSize] of ATTENTION_SIZES) {
    const label = `${isa} attention ${batch}×${source}×${size}×${valueSize}`;
    const keys = normal(rng, batch * source * size);
    const query = normal(rng, batch * size);
    const energy = normal(rng, size);
    const bias = maskBias(rng, batch, source);
    const values = normal(rng, batch * source * valueSize);
    compareOutputs(
      `${label} additive forward`,
      [batch * valueSize, batch * source, batch * source * size],
      (c, [context, weights, cache]) =>
        c.additiveAttentionForward(
          keys,
          query,
          energy,
          bias,
          values,
          context!,
          weights!,
          cache!,
          batch,
          source,
          size,
          valueSize,
        ),
      ['context', 'weights', 'cache'],
    );
    compareOutputs(
      `${label} dot forward`,
      [batch * valueSize, batch * source],
      (c, [context, weights]) =>
        c.dotAttentionForward(keys, query, bias, values, context!, weights!, batch, source, size, valueSize),
      ['context', 'weights'],
    );
    const weights = new Float32Array(batch * source);
    const cache = new Float32Array(batch * source * size);
    jsCompute.additiveAttentionForward(
      keys,
      query,
      energy,
      bias,
      values,
      new Float32Array(batch * valueSize),
      weights,
      cache,
      batch,
      source,
      size,
      valueSize,
    );
    const dcontext = normal(rng, batch * valueSize);
    // The gradient of the weights output (the attention heatmaps are outputs too), zero or not.
    for (const dweights of [new Float32Array(batch * source), normal(rng, batch * source)]) {
      const which = dweights.some((d) => d !== 0) ? 'with dweights' : 'dweights 0';
      compareOutputs(
        `${label} additive backward ${which}`,
        [batch * source * size, batch * size, size, batch * source * valueSize],
        (c, [dkeys, dquery, denergy, dvalues]) =>
          c.additiveAttentionBackward(
            dcontext,
            dweights,
            cache,
            weights,
            energy,
            values,
            dkeys!,
            dquery!,
            denergy!,
            dvalues!,
            batch,
            source,
            size,
            valueSize,
          ),
        ['dkeys', 'dquery', 'denergy', 'dvalues'],
      );
      compareOutputs(
        `${label} dot backward ${which}`,
        [batch * source * size, batch * size, batch * source * valueSize],
        (c, [dkeys, dquery, dvalues]) =>
          c.dotAttentionBackward(
            dcontext,
            dweights,
            weights,
            keys,
            query,
            values,
            dkeys!,
            dquery!,
            dvalues!,
            batch,
            source,
            size,
            valueSize,
          ),
        ['dkeys', 'dquery', 'dvalues'],
      );
    }
  }
}

const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

function checkAdam(rng: Rng, isa: string): void {
  const { learningRate, beta1, beta2, epsilon } = ADAM;
  const c1 = 1 - beta1 ** 3;
  const c2 = 1 - beta2 ** 3;
  for (const n of [0, 1, 15, 16, 17, 1000, 4099]) {
    const param = normal(rng, n);
    const grad = normal(rng, n);
    const m = normal(rng, n, 0.1);
    const v = Float32Array.from(normal(rng, n, 0.01), Math.abs);
    if (n > 2) [grad[1], m[1], v[1]] = [0, 0, 0];
    compareOutputs(
      `${isa} adam n=${n}`,
      [n, n, n],
      (c, [p, mo, vo]) =>
        c.adamStep(param, grad, m, v, p!, mo!, vo!, n, learningRate, beta1, beta2, epsilon, c1, c2, 0.7),
      ['param', 'm', 'v'],
    );
    // In place: the outputs are the inputs.
    const [p, mo, vo] = [param.slice(), m.slice(), v.slice()];
    addonCompute()!.adamStep(p, grad, mo, vo, p, mo, vo, n, learningRate, beta1, beta2, epsilon, c1, c2, 0.7);
    const [ep, em, ev] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    jsCompute.adamStep(param, grad, m, v, ep, em, ev, n, learningRate, beta1, beta2, epsilon, c1, c2, 0.7);
    assertClose(p, ep, `${isa} adam in place n=${n} param`);
    assertClose(mo, em, `${isa} adam in place n=${n} m`);
    assertClose(vo, ev, `${isa} adam in place n=${n} v`);
  }
}

function checkSums(rng: Rng, isa: string): void {
  for (const n of [0, 1, 7, 31, 32, 33, 100_003]) {
    const x = normal(rng, n + 3);
    assertScalarClose(
      addonCompute()!.sumOfSquares(x, n),
      jsCompute.sumOfSquares(x, n),
      `${isa} sumOfSquares n=${n}`,
      1e-12,
    );
  }
  for (const [rows, cols] of [
    [0, 5],
    [1, 1],
    [3, 7],
    [17, 65],
    [640, 2000],
  ] as [number, number][]) {
    const x = normal(rng, rows * cols);
    const expected = new Float32Array(cols);
    const actual = new Float32Array(cols).fill(Number.NaN);
    jsCompute.columnSums(x, rows, cols, expected);
    addonCompute()!.columnSums(x, rows, cols, actual);
    // Both sum in double in row order: the same numbers.
    assert.deepEqual(actual, expected, `${isa} columnSums ${rows}×${cols}`);
  }
}

/** Largest error in units in the last place of float32. */
function ulpDistance(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(8));
  const ordered = (x: number): number => {
    view.setFloat32(0, x);
    const bits = view.getUint32(0);
    return bits & 0x80000000 ? -(bits & 0x7fffffff) : bits;
  };
  return Math.abs(ordered(a) - ordered(b));
}

function checkMath(rng: Rng, isa: string): void {
  const reference = {
    exp: Math.exp,
    tanh: Math.tanh,
    sigmoid: (x: number) => 1 / (1 + Math.exp(-x)),
  };
  for (const [fn, ref] of Object.entries(reference) as ['exp' | 'tanh' | 'sigmoid', (x: number) => number][]) {
    // Random floats: a quarter from every finite float32 (random sign, exponent and mantissa bits: subnormal,
    // tiny, huge, saturating), a quarter near 0 at magnitudes down to 1e-7, half over [-110, 110] where the results
    // span float32's range.
    const bits = new Uint32Array(1);
    const anyFloat = new Float32Array(bits.buffer);
    const x = Float32Array.from({ length: 20_000 }, (_, i) => {
      if (i % 4 === 1) {
        do bits[0] = rng.int(0x10000) * 0x10000 + rng.int(0x10000);
        while (!Number.isFinite(anyFloat[0]!));
        return anyFloat[0]!;
      }
      return i % 4 === 0 ? rng.range(-1, 1) * 10 ** -rng.int(8) : rng.range(-110, 110);
    });
    x.set([0, -0, 0.625, -0.625, 88.72, -88.72, 1e-40, Infinity, -Infinity], 0);
    const out = new Float32Array(x.length);
    fused!.fusedMath(fn, x, out);
    for (let i = 0; i < x.length; i++) {
      const expected = Math.fround(ref(x[i]!));
      assert.ok(ulpDistance(out[i]!, expected) <= 2, `${isa} ${fn}(${x[i]}) = ${out[i]}, expected ${expected}`);
    }
    fused!.fusedMath(fn, Float32Array.of(Number.NaN), out);
    assert.ok(Number.isNaN(out[0]), `${isa} ${fn}(NaN) is NaN`);
  }
}

describe('native fused kernels compute what jsCompute computes', { skip: skipReason }, () => {
  const native = loadAddon()!;
  after(() => native.configure(''));

  for (const isa of native.info().isas) {
    const rng = new Rng(isa.length * 101);
    it(`${isa}: exp, tanh and sigmoid within 2 ulp (subnormal results included)`, () => {
      native.configure(isa);
      assert.equal(fused!.fusedIsa(), isa);
      checkMath(rng, isa);
    });
    it(`${isa}: GRU and LSTM cells, forward and backward, with padding masks`, () => {
      native.configure(isa);
      checkGru(rng, isa);
      checkLstm(rng, isa);
    });
    it(`${isa}: log-softmax, and softmax cross-entropy with label smoothing 0 and 0.1, zero weights, logits ±50`, () => {
      native.configure(isa);
      checkSoftmaxCrossEntropy(rng, isa);
    });
    it(`${isa}: additive and dot attention with masked positions, forward and backward`, () => {
      native.configure(isa);
      checkAttention(rng, isa);
    });
    it(`${isa}: Adam (into new arrays and in place), sum of squares, column sums`, () => {
      native.configure(isa);
      checkAdam(rng, isa);
      checkSums(rng, isa);
    });
  }

  it('refuses short arrays, wrong types, overlapping outputs and targets outside the vocabulary', () => {
    native.configure('');
    const c = addonCompute()!;
    const f = (n: number) => new Float32Array(n);
    c.gruForward(f(6), f(6), f(2), f(1), f(2), f(8), 1, 2);
    assert.throws(() => c.gruForward(f(5), f(6), f(2), f(1), f(2), f(8), 1, 2), /gruForward: x has 5 values, needs 6/);
    assert.throws(() => c.gruForward(f(6), f(5), f(2), f(1), f(2), f(8), 1, 2), RangeError);
    assert.throws(() => c.gruForward(f(6), f(6), f(2), f(1), f(2), f(8), 1, 2.5), RangeError);
    assert.throws(() => c.gruForward(f(6), f(6), f(2), f(1), f(2), f(8), -1, 2), RangeError);
    assert.throws(
      () => c.gruForward(new Float64Array(6) as unknown as Float32Array, f(6), f(2), f(1), f(2), f(8), 1, 2),
      TypeError,
    );
    const shared = f(16);
    assert.throws(
      () => c.gruForward(f(6), f(6), shared.subarray(0, 2), f(1), shared.subarray(1, 3), f(8), 1, 2),
      /overlaps/,
    );
    assert.throws(
      () => c.gruForward(f(6), f(6), f(2), f(1), shared.subarray(0, 2), shared.subarray(1, 9), 1, 2),
      /overlap/,
    );
    assert.throws(
      () => c.softmaxCrossEntropyForward(f(6), Int32Array.of(1, 3), Float32Array.of(1, 1), 0, f(1), f(6), 2, 3),
      /targets\[1\] = 3 is outside the vocabulary/,
    );
    // A row whose weight is 0 is skipped, as the reference skips it, and its target is not read.
    c.softmaxCrossEntropyForward(f(6), Int32Array.of(1, 3), Float32Array.of(1, 0), 0, f(1), f(6), 2, 3);
    assert.throws(
      () => c.softmaxCrossEntropyBackward(1, f(6), Int32Array.of(-1, 0), Float32Array.of(1, 1), 0, f(6), 2, 3),
      RangeError,
    );
    assert.throws(() => c.columnSums(f(5), 2, 3, f(3)), RangeError);
    assert.throws(
      () => c.adamStep(f(4), f(4), f(4), f(4), f(3), f(4), f(4), 4, 1, 0.9, 0.9, 1e-8, 1, 1, 1),
      RangeError,
    );
    assert.throws(() => fused!.fusedMath('log' as 'exp', f(1), f(1)), RangeError);
  });

  it('writes through views of a larger buffer (the wasm heap), leaving the rest alone', () => {
    native.configure('');
    const rng = new Rng(9);
    const heap = new Float32Array(400).fill(7);
    const [batch, hidden] = [2, 5];
    const x = heap.subarray(0, 30);
    const g = heap.subarray(30, 60);
    const h = heap.subarray(60, 70);
    const m = heap.subarray(70, 72);
    x.set(normal(rng, 30));
    g.set(normal(rng, 30));
    h.set(normal(rng, 10));
    m.set([1, 0]);
    const out = heap.subarray(101, 111);
    const cache = heap.subarray(113, 153);
    addonCompute()!.gruForward(x, g, h, m, out, cache, batch, hidden);
    const expectedOut = new Float32Array(10);
    jsCompute.gruForward(x, g, h, m, expectedOut, new Float32Array(40), batch, hidden);
    assertClose(out, expectedOut, 'view out');
    assert.ok(heap.subarray(72, 101).every((v) => v === 7));
    assert.ok(heap.subarray(111, 113).every((v) => v === 7));
    assert.ok(heap.subarray(153).every((v) => v === 7));
  });
});

/** Two sentences of different lengths, so padding and masks are exercised (as test/engine/model/gradients.test.ts). */
const batch: Batch = {
  size: 3,
  sourceLength: 5,
  targetLength: 4,
  source: Int32Array.from([4, 5, 6, 7, 3, 7, 3, 0, 0, 0, 9, 8, 3, 0, 0]),
  sourceMask: Float32Array.from([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0]),
  sourceLengths: Int32Array.from([5, 2, 3]),
  targetIn: Int32Array.from([2, 5, 4, 6, 2, 7, 0, 0, 2, 11, 10, 0]),
  targetOut: Int32Array.from([5, 4, 6, 3, 7, 3, 0, 0, 11, 10, 3, 0]),
  targetMask: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0]),
  indices: [0, 1, 2],
};

function config(overrides: Partial<ModelConfig>): ModelConfig {
  return {
    cell: 'gru',
    attention: 'bahdanau',
    luongScore: 'general',
    inputFeeding: false,
    embeddingSize: 6,
    hiddenSize: 12,
    attentionSize: 9,
    layers: 1,
    bidirectional: false,
    dropout: 0,
    ...overrides,
  };
}

/**
 * Loss, gradients and the parameters after two clipped Adam steps, with `compute` doing the fused arithmetic.
 * Gradients are compared relative to each tensor's largest element: a gradient element a thousand times smaller than
 * its neighbours is a difference of large, nearly equal sums, in the reference too.
 */
function train(
  compute: Compute,
  model: ModelConfig,
  labelSmoothing: number,
): { loss: number; names: string[]; values: Float32Array[] } {
  useCompute(compute);
  const seq2seq = new Seq2Seq(model, 16, 16, 5);
  const variables = seq2seq.params.variables;
  const optimizer = createOptimizer('adam', variables, 0);
  const options = { dropout: Dropout.none, teacherForcing: 1, rng: null, labelSmoothing };
  try {
    const { value, grads } = tf.variableGrads(() => seq2seq.loss(batch, options), variables);
    const loss = value.dataSync()[0]!;
    const values = variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    for (let step = 0; step < 2; step++) {
      tf.tidy(() => {
        const { grads: stepGrads } = tf.variableGrads(() => seq2seq.loss(batch, options), variables);
        const ordered = variables.map((v) => stepGrads[v.name]!);
        optimizer.apply(variables, ordered, 1e-2, clipScale(globalNorm(ordered), 0.5));
      });
    }
    for (const v of variables) values.push(v.dataSync() as Float32Array);
    const names = seq2seq.params.names;
    return {
      loss,
      names: [...names.map((n) => `gradient of ${n}`), ...names.map((n) => `${n} after 2 steps`)],
      values,
    };
  } finally {
    optimizer.dispose();
    seq2seq.dispose();
  }
}

describe('a Seq2Seq trains the same with native fused kernels as with jsCompute', { skip: skipReason }, () => {
  const cases: [string, Partial<ModelConfig>, number][] = [
    ['gru + bahdanau', {}, 0],
    ['gru ×2 bidirectional + bahdanau, label smoothing 0.1', { layers: 2, bidirectional: true }, 0.1],
    ['lstm + luong dot, input feeding', { cell: 'lstm', attention: 'luong', luongScore: 'dot', inputFeeding: true }, 0],
    ['lstm + luong general', { cell: 'lstm', attention: 'luong' }, 0.1],
  ];
  let previous: Compute;
  after(() => useCompute(previous));
  for (const [label, overrides, smoothing] of cases) {
    it(`${label}: loss, gradients and two Adam steps within 1e-4`, async () => {
      await useBackend('wasm');
      previous ??= activeCompute();
      const reference = train(jsCompute, config(overrides), smoothing);
      const native = train(addonCompute()!, config(overrides), smoothing);
      assertScalarClose(native.loss, reference.loss, `${label} loss`);
      reference.values.forEach((expected, k) =>
        assertClose(native.values[k]!, expected, `${label}: ${reference.names[k]}`, 1e-4, 1),
      );
    });
  }
});
