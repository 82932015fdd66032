/**
 * Gradient flow (the lectures' "gradient of an RNN cell", vanishing gradients): for a fixed probe batch, the norm of
 * the total gradient of the loss with respect to each encoder state h_t and each decoder state s_i,
 *
 *     g_t = ‖∂L/∂h_t‖   (mean over the probe sentences),
 *
 * measured by adding a zero tensor ε_t to h_t where it feeds both the outputs and the next step (engine/model/
 * encoder.ts `probes`) and taking ∂L/∂ε_t: the whole gradient, through the recurrence and through attention. A
 * vanilla RNN without attention shows g_t falling off towards the start of the sentence; gates and attention keep it
 * up.
 *
 * The per-step Jacobian is estimated, cheaply, by the ratio of successive norms, γ_t = g_{t−1} / g_t: where the only
 * way from h_{t−1} to the loss runs through h_t (no attention, the encoder), γ_t is the gain of ∂h_t/∂h_{t−1} along
 * the direction the gradient takes (between its smallest and largest singular values); with attention, each h_t
 * also reaches the loss directly and γ_t mixes both paths. It is not the Jacobian's spectral norm.
 *
 * The probe batch: validation sentences that all have the same source length (the most common length at or above
 * the median, so positions line up and the sentences are long enough to show decay), at most 16.
 */
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '../backend/ops.js';
import type { Batch, EncodedPair } from '../data/batch.js';
import { makeBatch } from '../data/batching.js';
import { Dropout } from '../model/dropout.js';
import { type Seq2Seq, timeMajor } from '../model/seq2seq.js';

export const PROBE_SENTENCES = 16;

export interface GradientFlow {
  /** g_t for encoder positions 1..S (the source tokens and `<eos>`). */
  encoder: number[];
  /** g_i for decoder positions 1..T (mean over the sentences whose target reaches position i). */
  decoder: number[];
  /** γ_t = g_{t−1} / g_t for t = 2..S (encoder): the estimate of the per-step Jacobian's gain. */
  encoderRatio: number[];
  /** Probe sentences, and their source length (words + `<eos>`). */
  sentences: number;
  sourceLength: number;
}

/** The probe pairs: up to 16 validation pairs of one source length (the most common at or above the median). */
export function pickProbePairs(pairs: readonly EncodedPair[], count = PROBE_SENTENCES): EncodedPair[] {
  if (pairs.length === 0) return [];
  const lengths = pairs.map((p) => p.source.length).sort((a, b) => a - b);
  const median = lengths[lengths.length >> 1]!;
  const byLength = new Map<number, EncodedPair[]>();
  for (const p of pairs) {
    if (p.source.length < median) continue;
    const list = byLength.get(p.source.length) ?? [];
    list.push(p);
    byLength.set(p.source.length, list);
  }
  let best: EncodedPair[] = [];
  for (const [length, list] of [...byLength.entries()].sort((a, b) => a[0] - b[0])) {
    // The most pairs; among equals, the longer length (more positions to see decay over).
    if (list.length > best.length || (list.length === best.length && length > (best[0]?.source.length ?? 0))) {
      best = list;
    }
  }
  return best.slice(0, count);
}

function rowNorms(grad: Float32Array, rows: number, width: number): number[] {
  const norms: number[] = [];
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let k = 0; k < width; k++) sum += grad[r * width + k]! ** 2;
    norms.push(Math.sqrt(sum));
  }
  return norms;
}

/** Gradient flow of `model` on `pairs` (one source length: see pickProbePairs). */
export async function gradientFlow(model: Seq2Seq, pairs: readonly EncodedPair[]): Promise<GradientFlow | null> {
  if (pairs.length === 0) return null;
  const batch: Batch = makeBatch(pairs);
  const { size, sourceLength, targetLength } = batch;
  const hidden = model.config.hiddenSize;
  const targets = timeMajor(batch.targetOut, size, targetLength);
  const mask = timeMajor(batch.targetMask, size, targetLength);
  const encoderProbes = Array.from({ length: sourceLength }, () => tf.zeros([size, hidden]));
  const decoderProbes = Array.from({ length: targetLength }, () => tf.zeros([size, hidden]));
  const grads = tf.tidy(() =>
    tf.grads((...probes: tf.Tensor[]) =>
      softmaxCrossEntropy(
        model.teacherForced(batch, Dropout.none, undefined, {
          encoder: probes.slice(0, sourceLength),
          decoder: probes.slice(sourceLength),
        }).logits,
        targets,
        mask,
        0,
      ),
    )([...encoderProbes, ...decoderProbes]),
  );
  const values = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
  tf.dispose([...grads, ...encoderProbes, ...decoderProbes]);
  // The loss is a mean over all real target tokens; the norms are per sentence, averaged over the probe batch.
  const encoder = values.slice(0, sourceLength).map((g) => {
    const norms = rowNorms(g, size, hidden);
    return norms.reduce((a, b) => a + b, 0) / size;
  });
  const decoder = values.slice(sourceLength).map((g, i) => {
    const norms = rowNorms(g, size, hidden).filter((_, r) => batch.targetMask[r * targetLength + i] === 1);
    return norms.length === 0 ? 0 : norms.reduce((a, b) => a + b, 0) / norms.length;
  });
  const encoderRatio = encoder.slice(1).map((g, i) => (g === 0 ? 0 : encoder[i]! / g));
  return { encoder, decoder, encoderRatio, sentences: size, sourceLength };
}
