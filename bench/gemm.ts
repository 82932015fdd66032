/**
 * Matrix-multiply micro-benchmark: GFLOP/s on the shapes of the reference model's training step (forward and the
 * two gradients of each projection), for the native addon (built-in kernels on 1 and 2 threads, and its AVX2
 * kernels where AVX-512 is the default), the system BLAS the addon can open (OpenBLAS here), tfjs-backend-wasm's
 * own kernels (XNNPACK; transposed calls through mtlab's transpose-first wrapper, as training ran before the
 * addon) and the addon inside the wasm backend (the real path: kernel wrapper and heap views included).
 *
 *   node dist/bench/gemm.js [--json] [--seconds S]
 *
 * Each figure is the best of many short timed rounds (the machine is shared: the best round is the one least
 * disturbed by other processes).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { type GemmImplementation, describeAddon, gemm, loadAddon, setAddonMatMul } from '../engine/backend/addon.js';
import { useBackend } from '../engine/backend/select.js';
import { Rng } from '../engine/random.js';

interface Shape {
  label: string;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** Batch items (attention's per-sentence matMuls). */
  batch: number;
}

const shape = (label: string, m: number, n: number, k: number, ta = false, tb = false, batch = 1): Shape => ({
  label,
  m,
  n,
  k,
  transposeA: ta,
  transposeB: tb,
  batch,
});

// B = batch 64 × length 10 = 640 rows where all time steps go at once, 64 where one step at a time.
const SHAPES: Shape[] = [
  shape('vocab projection   [640×256]·[256×2000]', 640, 2000, 256),
  shape('  its dA = dC·Wᵀ   [640×2000]·[256×2000]ᵀ', 640, 256, 2000, false, true),
  shape('  its dW = Xᵀ·dC   [640×256]ᵀ·[640×2000]', 256, 2000, 640, true, false),
  shape('GRU input proj.    [640×128]·[128×768]', 640, 768, 128),
  shape('  its dW           [640×128]ᵀ·[640×768]', 128, 768, 640, true, false),
  shape('GRU hidden step    [64×256]·[256×768]', 64, 768, 256),
  shape('  its dA           [64×768]·[256×768]ᵀ', 64, 256, 768, false, true),
  shape('  its dW           [64×256]ᵀ·[64×768]', 256, 768, 64, true, false),
  shape('attention query    [64×256]·[256×256]', 64, 256, 256),
  shape('output combine     [640×512]·[512×256]', 640, 256, 512),
  shape('  its dA           [640×256]·[512×256]ᵀ', 640, 512, 256, false, true),
  shape('  its dW           [640×512]ᵀ·[640×256]', 512, 256, 640, true, false),
  shape('context, batched   64×([1×10]·[10×256])', 1, 256, 10, false, false, 64),
  shape('scores             [640×256]·[256×1]', 640, 1, 256),
  // Greedy decoding, 128 sentences at a time: one step's vocabulary projection.
  shape('decode vocab proj.  [128×256]·[256×2000]', 128, 2000, 256),
];

interface Column {
  name: string;
  /** Runs the shape `reps` times on prepared operands; null when this column does not apply here. */
  prepare(s: Shape): ((reps: number) => void) | null;
}

function randomArray(rng: Rng, size: number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.range(-1, 1);
  return values;
}

const flops = (s: Shape): number => 2 * s.batch * s.m * s.n * s.k;

/**
 * Best GFLOP/s over short rounds (about 10 ms each, for `seconds` in all): on a shared machine the shortest round
 * is the one no other process interrupted.
 */
function measure(run: (reps: number) => void, s: Shape, seconds: number): number {
  run(1);
  const probeStart = performance.now();
  run(1);
  const once = Math.max(performance.now() - probeStart, 1e-3);
  const reps = Math.max(1, Math.round(10 / once));
  const rounds = Math.max(10, Math.round((seconds * 1000) / (reps * once)));
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    run(reps);
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return flops(s) / (best * 1e6);
}

function addonColumn(name: string, threads: number, implementation: GemmImplementation, isa = ''): Column {
  return {
    name,
    prepare(s) {
      const addon = loadAddon();
      if (addon === null) return null;
      if (isa !== '' && !addon.info().isas.includes(isa)) return null;
      if (implementation === 'system' && !addon.systemBlas().available) return null;
      const rng = new Rng(1);
      const a = randomArray(rng, s.batch * s.m * s.k);
      const b = randomArray(rng, s.batch * s.k * s.n);
      const c = new Float32Array(s.batch * s.m * s.n);
      return (reps) => {
        addon.configure(isa);
        for (let i = 0; i < reps; i++) {
          gemm(addon, { a, b, c, ...s, threads, implementation });
        }
        addon.configure('');
      };
    },
  };
}

function wasmColumn(name: string, native: boolean): Column {
  return {
    name,
    prepare(s) {
      if (native && loadAddon() === null) return null;
      const rng = new Rng(1);
      const stored = (rows: number, columns: number, transposed: boolean): number[] => {
        const matrix = transposed ? [columns, rows] : [rows, columns];
        return s.batch === 1 ? matrix : [s.batch, ...matrix];
      };
      const aShape = stored(s.m, s.k, s.transposeA);
      const bShape = stored(s.k, s.n, s.transposeB);
      const a = tf.tensor(randomArray(rng, s.batch * s.m * s.k), aShape);
      const b = tf.tensor(randomArray(rng, s.batch * s.k * s.n), bShape);
      return (reps) => {
        setAddonMatMul(native);
        for (let i = 0; i < reps; i++) tf.matMul(a, b, s.transposeA, s.transposeB).dispose();
        setAddonMatMul(true);
      };
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, seconds: { type: 'string', default: '0.25' } },
  });
  const seconds = Number(values.seconds);
  await useBackend('wasm');
  const addon = loadAddon();
  const info = addon?.info();
  const blas = addon?.systemBlas();
  const columns: Column[] = [
    addonColumn(`addon ${info?.detectedIsa ?? ''} 1T`, 1, 'builtin'),
    addonColumn(`addon ${info?.detectedIsa ?? ''} 2T`, 2, 'builtin'),
    ...(info?.detectedIsa === 'avx512' ? [addonColumn('addon avx2 1T', 1, 'builtin', 'avx2')] : []),
    addonColumn('system BLAS 1T', 1, 'system'),
    addonColumn('system BLAS 2T', 2, 'system'),
    wasmColumn('tfjs-wasm', false),
    wasmColumn('addon in tfjs-wasm', true),
  ];

  const rows: {
    shape: string;
    m: number;
    n: number;
    k: number;
    batch: number;
    gflops: Record<string, number | null>;
  }[] = [];
  if (!values.json) {
    console.log(`native: ${describeAddon().detail}`);
    console.log(`system BLAS: ${blas?.available ? `${blas.library}: ${blas.detail}` : (blas?.detail ?? 'no addon')}`);
    console.log(`GFLOP/s (best of many ~10 ms rounds):\n`);
    console.log(['shape'.padEnd(44), ...columns.map((c) => c.name.padStart(15))].join(''));
  }
  for (const s of SHAPES) {
    const gflops: Record<string, number | null> = {};
    for (const column of columns) {
      const run = column.prepare(s);
      gflops[column.name] = run === null ? null : measure(run, s, seconds);
    }
    rows.push({ shape: s.label.trim(), m: s.m, n: s.n, k: s.k, batch: s.batch, gflops });
    if (!values.json) {
      const cells = columns.map((c) => {
        const value = gflops[c.name];
        return (value === null ? '-' : value.toFixed(1)).padStart(15);
      });
      console.log([s.label.padEnd(44), ...cells].join(''));
    }
  }
  if (values.json) {
    console.log(JSON.stringify({ native: describeAddon(), systemBlas: blas ?? null, rows }));
  }
}

await main();
