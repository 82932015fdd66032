import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type FusedActivation,
  type GemmSpec,
  type NativeAddon,
  describeAddon,
  gemm,
  loadAddon,
} from '../../../engine/backend/addon.js';
import { Rng } from '../../../engine/random.js';

const addon = loadAddon();
const skipReason = addon === null ? `native addon unavailable: ${describeAddon().detail}` : false;

function random(rng: Rng, size: number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.range(-1, 1);
  return values;
}

const ACTIVATIONS: Record<FusedActivation, (x: number, leakyAlpha: number) => number> = {
  linear: (x) => x,
  relu: (x) => (x < 0 ? 0 : x),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  leakyrelu: (x, alpha) => (x < 0 ? alpha * x : x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  elu: (x) => (x >= 0 ? x : Math.exp(x) - 1),
};

/**
 * The textbook triple loop in float64. Returns the expected C and, per element, Σ|a·b| + |beta·c| + |bias|, the
 * scale of the rounding error a float32 GEMM may make (see `tolerance`).
 */
function reference(spec: GemmSpec): { expected: Float64Array; scale: Float64Array } {
  const { m, n, k } = spec;
  const batch = spec.batch ?? 1;
  const ta = spec.transposeA ?? false;
  const tb = spec.transposeB ?? false;
  const lda = spec.lda ?? (ta ? m : k);
  const ldb = spec.ldb ?? (tb ? k : n);
  const ldc = spec.ldc ?? n;
  const strideA = spec.batchStrideA ?? m * k;
  const strideB = spec.batchStrideB ?? k * n;
  const strideC = spec.batchStrideC ?? m * ldc;
  const alpha = spec.alpha ?? 1;
  const beta = spec.beta ?? 0;
  const activation = ACTIVATIONS[spec.activation ?? 'linear'];
  const bs = spec.biasStrides ?? { batch: 0, row: 0, column: 1 };
  const expected = Float64Array.from(spec.c);
  const scale = new Float64Array(spec.c.length);
  for (let item = 0; item < batch; item++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let magnitude = 0;
        for (let p = 0; p < k; p++) {
          const av = spec.a[item * strideA + (ta ? p * lda + i : i * lda + p)];
          const bv = spec.b[item * strideB + (tb ? j * ldb + p : p * ldb + j)];
          sum += av * bv;
          magnitude += Math.abs(av * bv);
        }
        const at = item * strideC + i * ldc + j;
        let value = alpha * sum + (beta === 0 ? 0 : beta * spec.c[at]);
        magnitude = Math.abs(alpha) * magnitude + Math.abs(beta * (beta === 0 ? 0 : spec.c[at]));
        if (spec.bias) {
          const biasValue = spec.bias[item * bs.batch + i * bs.row + j * bs.column];
          value += biasValue;
          magnitude += Math.abs(biasValue);
        }
        expected[at] = activation(value, spec.leakyAlpha ?? 0.2);
        scale[at] = magnitude;
      }
    }
  }
  return { expected, scale };
}

const FLOAT32_EPSILON = 2 ** -24; // unit roundoff of float32

/**
 * The float32 error bound of a dot product of length k summed in any order (Higham, Accuracy and Stability of
 * Numerical Algorithms, §3.1): |ŝ − s| ≤ γ_k Σ|a·b| with γ_k ≈ k·u; plus the rounding of alpha, beta·C, the bias
 * and the activation (a few u of the result and of the magnitude), and a floor for results in the subnormal range.
 * A GEMM that drops or repeats one product is off by |a_p·b_p|, about Σ|a·b| / k: far outside.
 */
function tolerance(k: number, magnitude: number, expected: number): number {
  return (k + 4) * FLOAT32_EPSILON * magnitude + 4 * FLOAT32_EPSILON * Math.abs(expected) + 1e-38;
}

/** Run `spec` on the addon and compare every element of C (padding between rows included) with the reference. */
function check(native: NativeAddon, spec: GemmSpec, label: string): void {
  const { expected, scale } = reference(spec);
  gemm(native, spec);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(spec.c[i] - expected[i]);
    if (!(error <= tolerance(spec.k, scale[i], expected[i]))) {
      assert.fail(`${label}: C[${i}] = ${spec.c[i]}, expected ${expected[i]} (error ${error}, scale ${scale[i]})`);
    }
  }
}

/** A dense spec for op(A) m×k, op(B) k×n with random operands. */
function dense(rng: Rng, m: number, n: number, k: number, ta: boolean, tb: boolean): GemmSpec {
  return {
    a: random(rng, m * k),
    b: random(rng, k * n),
    c: random(rng, m * n),
    m,
    n,
    k,
    transposeA: ta,
    transposeB: tb,
  };
}

const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

// m, n, k: odd sizes around the kernels' tile sizes (14×32, 6×16, 4×16), skinny and single-row shapes.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 33, 5],
  [33, 7, 9],
  [1, 257, 33],
  [257, 1, 33],
  [15, 17, 64],
  [29, 65, 300],
  [64, 100, 1],
  [257, 129, 257],
];

describe('native SGEMM', { skip: skipReason }, () => {
  const native = addon!;
  const isas = native.info().isas;

  for (const isa of isas) {
    it(`${isa}: all transpose combinations on odd sizes`, () => {
      native.configure(isa);
      const rng = new Rng(1);
      for (const [m, n, k] of SHAPES) {
        for (const [ta, tb] of TRANSPOSES) {
          check(native, dense(rng, m, n, k, ta, tb), `${isa} ${m}×${n}×${k} ta=${ta} tb=${tb}`);
        }
      }
    });

    it(`${isa}: leading dimensions, batches, broadcast operands, alpha and beta`, () => {
      native.configure(isa);
      const rng = new Rng(2);
      for (const [ta, tb] of TRANSPOSES) {
        const [m, n, k, batch] = [19, 37, 45, 3];
        const lda = (ta ? m : k) + 3;
        const ldb = (tb ? k : n) + 5;
        const ldc = n + 2;
        const rowsA = ta ? k : m;
        const rowsB = tb ? n : k;
        for (const broadcast of ['none', 'a', 'b'] as const) {
          const spec: GemmSpec = {
            a: random(rng, (broadcast === 'a' ? 1 : batch) * rowsA * lda),
            b: random(rng, (broadcast === 'b' ? 1 : batch) * rowsB * ldb),
            c: random(rng, batch * m * ldc),
            m,
            n,
            k,
            batch,
            transposeA: ta,
            transposeB: tb,
            lda,
            ldb,
            ldc,
            batchStrideA: broadcast === 'a' ? 0 : rowsA * lda,
            batchStrideB: broadcast === 'b' ? 0 : rowsB * ldb,
            alpha: 0.75,
            beta: -0.5,
          };
          check(native, spec, `${isa} ta=${ta} tb=${tb} broadcast ${broadcast}`);
        }
      }
    });

    it(`${isa}: beta = 0 never reads C`, () => {
      native.configure(isa);
      const rng = new Rng(3);
      for (const [m, n, k] of SHAPES) {
        const spec = dense(rng, m, n, k, false, false);
        spec.c.fill(Number.NaN);
        gemm(native, spec);
        assert.ok(
          spec.c.every((x) => Number.isFinite(x)),
          `${isa} ${m}×${n}×${k}: NaN from C leaked into the result`,
        );
      }
    });

    it(`${isa}: bias and activation epilogue`, () => {
      native.configure(isa);
      const rng = new Rng(4);
      const [m, n, k] = [23, 41, 30];
      for (const activation of Object.keys(ACTIVATIONS) as FusedActivation[]) {
        check(
          native,
          { ...dense(rng, m, n, k, false, false), bias: random(rng, n), activation, leakyAlpha: 0.3 },
          `${isa} bias per column, ${activation}`,
        );
      }
      check(
        native,
        { ...dense(rng, m, n, k, true, false), bias: random(rng, m * n), biasStrides: { batch: 0, row: n, column: 1 } },
        `${isa} bias matrix`,
      );
      check(
        native,
        { ...dense(rng, m, n, k, false, true), bias: random(rng, m), biasStrides: { batch: 0, row: 1, column: 0 } },
        `${isa} bias per row`,
      );
      check(
        native,
        {
          ...dense(rng, 3, 5, 2, false, false),
          bias: Float32Array.of(0.25),
          biasStrides: { batch: 0, row: 0, column: 0 },
        },
        `${isa} scalar bias, direct path`,
      );
    });
  }

  it('two threads give the same result as one', () => {
    native.configure('');
    const rng = new Rng(5);
    for (const [m, n, k, ta, tb] of [
      [200, 300, 100, false, false],
      [301, 150, 120, true, false],
      [90, 513, 64, false, true],
    ] as const) {
      const spec = dense(rng, m, n, k, ta, tb);
      const single = Float32Array.from(spec.c);
      gemm(native, { ...spec, c: single, threads: 1 });
      gemm(native, { ...spec, threads: 2 });
      assert.deepEqual(spec.c, single, `${m}×${n}×${k}`);
    }
    // Batches are shared out whole.
    const batched: GemmSpec = { ...dense(rng, 40, 40, 40, false, false), batch: 1 };
    const items = 8;
    batched.a = random(rng, items * 40 * 40);
    batched.b = random(rng, 40 * 40);
    batched.c = new Float32Array(items * 40 * 40);
    batched.batch = items;
    batched.batchStrideB = 0;
    check(native, { ...batched, threads: 2 }, 'batched, two threads');
  });

  it('system BLAS, where one is installed, computes the same', (t) => {
    const blas = native.systemBlas();
    if (!blas.available) {
      t.skip(`no system BLAS: ${blas.detail}`);
      return;
    }
    const rng = new Rng(6);
    for (const [ta, tb] of TRANSPOSES) {
      check(native, { ...dense(rng, 37, 29, 51, ta, tb), implementation: 'system', alpha: 2, beta: 0.5 }, 'system');
      check(
        native,
        { ...dense(rng, 12, 20, 8, ta, tb), implementation: 'system', bias: random(rng, 20), activation: 'relu' },
        'system with epilogue',
      );
    }
  });

  it('refuses arrays too short for the sizes, wrong types and overlapping output', () => {
    const rng = new Rng(7);
    const spec = dense(rng, 8, 8, 8, false, false);
    assert.throws(() => gemm(native, { ...spec, a: new Float32Array(63) }), RangeError);
    assert.throws(() => gemm(native, { ...spec, ldb: 4 }), RangeError);
    assert.throws(() => gemm(native, { ...spec, batch: 2 }), RangeError);
    assert.throws(() => gemm(native, { ...spec, bias: new Float32Array(7) }), RangeError);
    assert.throws(() => gemm(native, { ...spec, m: -1 }), RangeError);
    assert.throws(() => gemm(native, { ...spec, k: 1.5 }), RangeError);
    assert.throws(() => gemm(native, { ...spec, a: new Float64Array(64) as unknown as Float32Array }), TypeError);
    const shared = new Float32Array(128);
    assert.throws(() => gemm(native, { ...spec, a: shared.subarray(0, 64), c: shared.subarray(32, 96) }), RangeError);
    assert.throws(() => native.configure('sse9'), RangeError);
  });

  it('writes through views of a larger buffer, leaving the rest alone', () => {
    const rng = new Rng(8);
    const heap = new Float32Array(1000);
    heap.fill(7);
    const a = heap.subarray(100, 100 + 6 * 5);
    const b = heap.subarray(200, 200 + 5 * 9);
    a.set(random(rng, 30));
    b.set(random(rng, 45));
    const c = heap.subarray(400, 400 + 6 * 9);
    check(native, { a, b, c, m: 6, n: 9, k: 5 }, 'views');
    assert.ok(heap.subarray(454).every((x) => x === 7));
    assert.ok(heap.subarray(245, 400).every((x) => x === 7));
  });
});
