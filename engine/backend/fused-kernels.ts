/**
 * Fused kernels for the hot loops of training, registered for the `wasm` and `cpu` backends, each with its
 * gradient. They compute what the composite ops in backend/ops.ts compute, as one kernel call instead of a dozen:
 * a recurrent step on small matrices is dominated by the dispatch of many tiny ops, not by arithmetic. The model
 * never calls them by name: backend/ops.ts has one typed function per kernel family, which picks the kernel or
 * the composite ops.
 *
 *   MtlabGruCell / MtlabLstmCell            the gate arithmetic of one step, with padding masks
 *   MtlabAdditiveAttention / MtlabDotAttention  scores, masked softmax and context of one decoder step
 *   MtlabSoftmaxCrossEntropy               the loss over all target positions, with label smoothing
 *   MtlabSplitRows / MtlabConcatRows       time steps out of and back into one [time·batch, size] matrix
 *   MtlabEmbedding, MtlabLogSoftmax, MtlabAdam  table rows by id, log-probabilities for search, one Adam update
 *
 * The kernels read and write the backends' memory directly (the wasm heap, or the cpu backend's arrays); the
 * arithmetic is engine/backend/compute.ts (JavaScript) or the native addon's (addon-compute.ts) when it is loaded.
 * Other backends (tfjs-node) do not get them, and the model uses the composite ops there.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { type Compute, jsCompute } from './compute.js';
import { type OutputSpec, type Values, withMemory } from './memory.js';

/** The arithmetic in use: the native accelerator's when it is loaded, else the JavaScript reference. */
let compute: Compute = jsCompute;

export function useCompute(implementation: Compute): void {
  compute = implementation;
}

const F = 'float32' as const;
type Infos = Record<string, TensorInfo>;
const f32 = (v: Values): Float32Array => v as Float32Array;

/** Kernel bodies: (inputs, attrs) → output specs and the computation over raw memory. */
interface FusedKernel {
  inputs: string[];
  outputs(infos: Infos, attrs: Record<string, number>): OutputSpec[];
  run(ins: Values[], outs: Values[], infos: Infos, attrs: Record<string, number>): void;
}

const dims = (info: TensorInfo): number[] => info.shape;

const KERNELS: Record<string, FusedKernel> = {
  MtlabGruCell: {
    inputs: ['x', 'g', 'h', 'mask'],
    outputs: ({ h }) => [
      { shape: dims(h!), dtype: F },
      { shape: [h!.shape[0]!, 4 * h!.shape[1]!], dtype: F },
    ],
    run: ([x, g, h, mask], [out, cache], { h: hi }) =>
      compute.gruForward(f32(x!), f32(g!), f32(h!), f32(mask!), f32(out!), f32(cache!), hi!.shape[0]!, hi!.shape[1]!),
  },
  MtlabGruCellGrad: {
    inputs: ['dh', 'cache', 'h', 'mask'],
    outputs: ({ h }) => [
      { shape: [h!.shape[0]!, 3 * h!.shape[1]!], dtype: F },
      { shape: [h!.shape[0]!, 3 * h!.shape[1]!], dtype: F },
      { shape: dims(h!), dtype: F },
    ],
    run: ([dh, cache, h, mask], [dx, dg, dhPrev], { h: hi }) =>
      compute.gruBackward(
        f32(dh!),
        f32(cache!),
        f32(h!),
        f32(mask!),
        f32(dx!),
        f32(dg!),
        f32(dhPrev!),
        hi!.shape[0]!,
        hi!.shape[1]!,
      ),
  },
  MtlabLstmCell: {
    inputs: ['x', 'g', 'h', 'c', 'mask'],
    outputs: ({ c }) => [
      { shape: dims(c!), dtype: F },
      { shape: dims(c!), dtype: F },
      { shape: [c!.shape[0]!, 5 * c!.shape[1]!], dtype: F },
    ],
    run: ([x, g, h, c, mask], [hOut, cOut, cache], { c: ci }) =>
      compute.lstmForward(
        f32(x!),
        f32(g!),
        f32(h!),
        f32(c!),
        f32(mask!),
        f32(hOut!),
        f32(cOut!),
        f32(cache!),
        ci!.shape[0]!,
        ci!.shape[1]!,
      ),
  },
  MtlabLstmCellGrad: {
    inputs: ['dh', 'dc', 'cache', 'c', 'mask'],
    outputs: ({ c }) => [
      { shape: [c!.shape[0]!, 4 * c!.shape[1]!], dtype: F },
      { shape: dims(c!), dtype: F },
      { shape: dims(c!), dtype: F },
    ],
    run: ([dh, dc, cache, c, mask], [da, dhPrev, dcPrev], { c: ci }) =>
      compute.lstmBackward(
        f32(dh!),
        f32(dc!),
        f32(cache!),
        f32(c!),
        f32(mask!),
        f32(da!),
        f32(dhPrev!),
        f32(dcPrev!),
        ci!.shape[0]!,
        ci!.shape[1]!,
      ),
  },
  MtlabSoftmaxCrossEntropy: {
    inputs: ['logits', 'targets', 'weights'],
    outputs: ({ logits }) => [
      { shape: [], dtype: F },
      { shape: dims(logits!), dtype: F },
    ],
    run: ([logits, targets, weights], [loss, probs], { logits: li }, attrs) =>
      compute.softmaxCrossEntropyForward(
        f32(logits!),
        targets as Int32Array,
        f32(weights!),
        attrs.labelSmoothing!,
        f32(loss!),
        f32(probs!),
        li!.shape[0]!,
        li!.shape[1]!,
      ),
  },
  MtlabSoftmaxCrossEntropyGrad: {
    inputs: ['dy', 'probabilities', 'targets', 'weights'],
    outputs: ({ probabilities }) => [{ shape: dims(probabilities!), dtype: F }],
    run: ([dy, probs, targets, weights], [dlogits], { probabilities }, attrs) =>
      compute.softmaxCrossEntropyBackward(
        f32(dy!)[0]!,
        f32(probs!),
        targets as Int32Array,
        f32(weights!),
        attrs.labelSmoothing!,
        f32(dlogits!),
        probabilities!.shape[0]!,
        probabilities!.shape[1]!,
      ),
  },
  MtlabAdditiveAttention: {
    inputs: ['keys', 'query', 'energy', 'maskBias', 'values'],
    outputs: ({ keys, values }) => [
      { shape: [values!.shape[0]!, values!.shape[2]!], dtype: F },
      { shape: [keys!.shape[0]!, keys!.shape[1]!], dtype: F },
      { shape: dims(keys!), dtype: F },
    ],
    run: ([keys, query, energy, maskBias, values], [context, weights, cache], { keys: ki, values: vi }) =>
      compute.additiveAttentionForward(
        f32(keys!),
        f32(query!),
        f32(energy!),
        f32(maskBias!),
        f32(values!),
        f32(context!),
        f32(weights!),
        f32(cache!),
        ki!.shape[0]!,
        ki!.shape[1]!,
        ki!.shape[2]!,
        vi!.shape[2]!,
      ),
  },
  MtlabAdditiveAttentionGrad: {
    inputs: ['dcontext', 'dweights', 'cache', 'weights', 'energy', 'values'],
    outputs: ({ cache, energy, values }) => [
      { shape: dims(cache!), dtype: F },
      { shape: [cache!.shape[0]!, cache!.shape[2]!], dtype: F },
      { shape: dims(energy!), dtype: F },
      { shape: dims(values!), dtype: F },
    ],
    run: (
      [dcontext, dweights, cache, weights, energy, values],
      [dkeys, dquery, denergy, dvalues],
      { cache: ci, values: vi },
    ) =>
      compute.additiveAttentionBackward(
        f32(dcontext!),
        f32(dweights!),
        f32(cache!),
        f32(weights!),
        f32(energy!),
        f32(values!),
        f32(dkeys!),
        f32(dquery!),
        f32(denergy!),
        f32(dvalues!),
        ci!.shape[0]!,
        ci!.shape[1]!,
        ci!.shape[2]!,
        vi!.shape[2]!,
      ),
  },
  MtlabDotAttention: {
    inputs: ['keys', 'query', 'maskBias', 'values'],
    outputs: ({ keys, values }) => [
      { shape: [values!.shape[0]!, values!.shape[2]!], dtype: F },
      { shape: [keys!.shape[0]!, keys!.shape[1]!], dtype: F },
    ],
    run: ([keys, query, maskBias, values], [context, weights], { keys: ki, values: vi }) =>
      compute.dotAttentionForward(
        f32(keys!),
        f32(query!),
        f32(maskBias!),
        f32(values!),
        f32(context!),
        f32(weights!),
        ki!.shape[0]!,
        ki!.shape[1]!,
        ki!.shape[2]!,
        vi!.shape[2]!,
      ),
  },
  MtlabAdam: {
    inputs: ['param', 'grad', 'm', 'v'],
    outputs: ({ param }) => [
      { shape: dims(param!), dtype: F },
      { shape: dims(param!), dtype: F },
      { shape: dims(param!), dtype: F },
    ],
    run: ([param, grad, m, v], [paramOut, mOut, vOut], { param: pi }, a) =>
      compute.adamStep(
        f32(param!),
        f32(grad!),
        f32(m!),
        f32(v!),
        f32(paramOut!),
        f32(mOut!),
        f32(vOut!),
        pi!.shape.reduce((x, y) => x * y, 1),
        a.learningRate!,
        a.beta1!,
        a.beta2!,
        a.epsilon!,
        a.correction1!,
        a.correction2!,
        a.gradScale!,
      ),
  },
  MtlabEmbedding: {
    inputs: ['table', 'ids'],
    outputs: ({ table, ids }) => [{ shape: [ids!.shape[0]!, table!.shape[1]!], dtype: F }],
    run: ([table, ids], [out], { table: ti }) => {
      const width = ti!.shape[1]!;
      const rows = ids as Int32Array;
      const values = f32(table!);
      const result = f32(out!);
      for (let r = 0; r < rows.length; r++)
        result.set(values.subarray(rows[r]! * width, (rows[r]! + 1) * width), r * width);
    },
  },
  MtlabEmbeddingGrad: {
    inputs: ['dy', 'ids'],
    outputs: ({ dy }, attrs) => [{ shape: [attrs.vocab!, dy!.shape[1]!], dtype: F }],
    run: ([dy, ids], [out], { dy: di }) => {
      const width = di!.shape[1]!;
      const rows = ids as Int32Array;
      const grad = f32(out!);
      const upstream = f32(dy!);
      grad.fill(0);
      for (let r = 0; r < rows.length; r++) {
        const to = rows[r]! * width;
        const from = r * width;
        for (let k = 0; k < width; k++) grad[to + k]! += upstream[from + k]!;
      }
    },
  },
  MtlabLogSoftmax: {
    inputs: ['logits'],
    outputs: ({ logits }) => [{ shape: dims(logits!), dtype: F }],
    run: ([logits], [out], { logits: li }) => compute.logSoftmax(f32(logits!), f32(out!), li!.shape[0]!, li!.shape[1]!),
  },
  MtlabDotAttentionGrad: {
    inputs: ['dcontext', 'dweights', 'weights', 'keys', 'query', 'values'],
    outputs: ({ keys, query, values }) => [
      { shape: dims(keys!), dtype: F },
      { shape: dims(query!), dtype: F },
      { shape: dims(values!), dtype: F },
    ],
    run: ([dcontext, dweights, weights, keys, query, values], [dkeys, dquery, dvalues], { keys: ki, values: vi }) =>
      compute.dotAttentionBackward(
        f32(dcontext!),
        f32(dweights!),
        f32(weights!),
        f32(keys!),
        f32(query!),
        f32(values!),
        f32(dkeys!),
        f32(dquery!),
        f32(dvalues!),
        ki!.shape[0]!,
        ki!.shape[1]!,
        ki!.shape[2]!,
        vi!.shape[2]!,
      ),
  },
};

/** Split a [rows, cols] matrix into `parts` equal blocks of rows (one per time step), and its inverse. */
function splitRowsKernel(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = (inputs as Infos).x!;
    const parts = (attrs as { parts: number }).parts;
    const [rows, cols] = x.shape as [number, number];
    const block = rows / parts;
    if (!Number.isInteger(block)) throw new Error(`MtlabSplitRows: ${rows} rows do not split into ${parts} parts`);
    const specs = Array.from({ length: parts }, () => ({ shape: [block, cols], dtype: x.dtype }));
    return withMemory(backendName, backend, [x], specs, ([xv], outs) => {
      outs.forEach((out, p) => out.set(xv!.subarray(p * block * cols, (p + 1) * block * cols)));
    });
  };
}

function concatRowsKernel(backendName: string): KernelFunc {
  return ({ inputs, backend }) => {
    const parts = Object.keys(inputs)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => (inputs as Infos)[k]!);
    const cols = parts[0]!.shape[1]!;
    const rows = parts.reduce((n, p) => n + p.shape[0]!, 0);
    return withMemory(backendName, backend, parts, [{ shape: [rows, cols], dtype: parts[0]!.dtype }], (ins, [out]) => {
      let offset = 0;
      for (const values of ins) {
        out!.set(values, offset);
        offset += values.length;
      }
    });
  };
}

function kernelFunc(name: string, kernel: FusedKernel, backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const infos = inputs as Infos;
    for (const input of kernel.inputs) {
      if (infos[input] === undefined) throw new Error(`${name}: missing input ${input}`);
    }
    const numericAttrs = (attrs ?? {}) as Record<string, number>;
    return withMemory(
      backendName,
      backend,
      kernel.inputs.map((i) => infos[i]!),
      kernel.outputs(infos, numericAttrs),
      (ins, outs) => kernel.run(ins, outs, infos, numericAttrs),
    );
  };
}

const FUSED_BACKENDS = ['wasm', 'cpu'];

let registered = false;
let enabled = process.env.MTLAB_FUSED !== '0';

const nullable = (dy: tf.Tensor | tf.Tensor[]): (tf.Tensor | null)[] => (Array.isArray(dy) ? dy : [dy]);

export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of FUSED_BACKENDS) {
    for (const [name, kernel] of Object.entries(KERNELS)) {
      tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFunc(name, kernel, backendName) });
    }
    tf.registerKernel({ kernelName: 'MtlabSplitRows', backendName, kernelFunc: splitRowsKernel(backendName) });
    tf.registerKernel({ kernelName: 'MtlabConcatRows', backendName, kernelFunc: concatRowsKernel(backendName) });
  }
  // An output outside the backward path gets a null dy; the fused backward kernels want zeros there.
  const dyOf = (dy: tf.Tensor | tf.Tensor[], index: number, like: tf.Tensor): tf.Tensor =>
    nullable(dy)[index] ?? tf.zerosLike(like);
  const run = (kernel: string, inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap = {}): tf.Tensor[] => {
    const out = tf.engine().runKernel(kernel, inputs as unknown as tf.NamedTensorMap, attrs);
    return Array.isArray(out) ? out : [out as tf.Tensor];
  };
  const none = (t: tf.Tensor) => () => tf.zerosLike(t);
  tf.registerGradient({
    kernelName: 'MtlabGruCell',
    inputsToSave: ['h', 'mask'],
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const [h, mask, cache] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [dx, dg, dh] = run('MtlabGruCellGrad', { dh: dyOf(dy, 0, h), cache, h, mask });
      return { x: () => dx!, g: () => dg!, h: () => dh!, mask: none(mask) };
    },
  });
  tf.registerGradient({
    kernelName: 'MtlabLstmCell',
    inputsToSave: ['c', 'mask'],
    outputsToSave: [false, false, true],
    gradFunc: (dy, saved) => {
      const [c, mask, cache] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [da, dhPrev, dcPrev] = run('MtlabLstmCellGrad', { dh: dyOf(dy, 0, c), dc: dyOf(dy, 1, c), cache, c, mask });
      return { x: () => da!, g: () => da!, h: () => dhPrev!, c: () => dcPrev!, mask: none(mask) };
    },
  });
  tf.registerGradient({
    kernelName: 'MtlabSoftmaxCrossEntropy',
    inputsToSave: ['targets', 'weights'],
    outputsToSave: [false, true],
    gradFunc: (dy, saved, attrs) => {
      const [targets, weights, probabilities] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const loss = nullable(dy)[0] ?? tf.scalar(0);
      const [dlogits] = run('MtlabSoftmaxCrossEntropyGrad', { dy: loss, probabilities, targets, weights }, attrs);
      return { logits: () => dlogits!, targets: none(targets), weights: none(weights) };
    },
  });
  tf.registerGradient({
    kernelName: 'MtlabAdditiveAttention',
    inputsToSave: ['energy', 'maskBias', 'values'],
    outputsToSave: [false, true, true],
    gradFunc: (dy, saved) => {
      const [energy, maskBias, values, weights, cache] = saved as tf.Tensor[];
      const [dkeys, dquery, denergy, dvalues] = run('MtlabAdditiveAttentionGrad', {
        dcontext: dyOf(dy, 0, tf.zeros([values!.shape[0]!, values!.shape[2]!])),
        dweights: dyOf(dy, 1, weights!),
        cache: cache!,
        weights: weights!,
        energy: energy!,
        values: values!,
      });
      return {
        keys: () => dkeys!,
        query: () => dquery!,
        energy: () => denergy!,
        maskBias: none(maskBias!),
        values: () => dvalues!,
      };
    },
  });
  tf.registerGradient({
    kernelName: 'MtlabDotAttention',
    inputsToSave: ['keys', 'query', 'maskBias', 'values'],
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const [keys, query, maskBias, values, weights] = saved as tf.Tensor[];
      const [dkeys, dquery, dvalues] = run('MtlabDotAttentionGrad', {
        dcontext: dyOf(dy, 0, tf.zeros([values!.shape[0]!, values!.shape[2]!])),
        dweights: dyOf(dy, 1, weights!),
        weights: weights!,
        keys: keys!,
        query: query!,
        values: values!,
      });
      return { keys: () => dkeys!, query: () => dquery!, maskBias: none(maskBias!), values: () => dvalues! };
    },
  });
  tf.registerGradient({
    kernelName: 'MtlabEmbedding',
    inputsToSave: ['table', 'ids'],
    gradFunc: (dy, saved) => {
      const [table, ids] = saved as [tf.Tensor, tf.Tensor];
      const [dtable] = run('MtlabEmbeddingGrad', { dy: nullable(dy)[0]!, ids }, { vocab: table.shape[0]! });
      return { table: () => dtable!, ids: none(ids) };
    },
  });
  tf.registerGradient({
    kernelName: 'MtlabSplitRows',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const parts = (attrs as { parts: number }).parts;
      const block = x.shape[0]! / parts;
      const pieces = nullable(dy);
      const inputs: Record<string, tf.Tensor> = {};
      for (let p = 0; p < parts; p++) inputs[String(p)] = pieces[p] ?? tf.zeros([block, x.shape[1]!]);
      return { x: () => run('MtlabConcatRows', inputs, { parts })[0]! };
    },
  });
  tf.registerGradient({
    kernelName: 'MtlabConcatRows',
    gradFunc: (dy, _saved, attrs) => {
      const parts = (attrs as { parts: number }).parts;
      const pieces = run('MtlabSplitRows', { x: nullable(dy)[0]! }, { parts });
      const grads: Record<string, () => tf.Tensor> = {};
      for (let p = 0; p < parts; p++) grads[String(p)] = () => pieces[p]!;
      return grads;
    },
  });
}

/** The arithmetic in use (JavaScript or native). */
export function activeCompute(): Compute {
  return compute;
}

/** Whether the active backend runs mtlab's fused kernels. */
export function hasFusedKernels(): boolean {
  return enabled && tf.getKernel('MtlabGruCell', tf.getBackend()) !== undefined;
}

/** Turn the fused kernels off or on (tests compare both paths; benchmarks report both). */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** Run one of the kernels above; backend/ops.ts gives each a typed function. */
export function runFused(
  kernel: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, number> = {},
): tf.Tensor[] {
  const out = tf.engine().runKernel(kernel, inputs as unknown as tf.NamedTensorMap, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
