/**
 * The benchmark's "real data" case (issue 17): a model and batches of the size a researcher trains on a public
 * corpus of ~30,000 pairs (German→English, lower-cased, up to 40 words): GRU + Bahdanau, embedding = hidden = 256,
 * vocabularies 8,000 (source) and 6,000 (target), batches of 64 sentences whose lengths follow a realistic
 * distribution up to 40 tokens, made by the trainer's own length-pooled batching (engine/data/batching.ts), so
 * they carry the padding real training has. The same batches are written to a file that the PyTorch peer trains
 * on (bench/pytorch/bench.py --batches).
 *
 * Lengths: log-normal with median 11 tokens (σ 0.45), cut to 1..39 (+ `<eos>` = 40), target = source × U(0.8, 1.25):
 * the shape of Multi30k / IWSLT sentence lengths.
 */
import type { Batch, EncodedPair } from '../engine/data/batch.js';
import { epochBatches } from '../engine/data/batching.js';
import type { ModelConfig } from '../engine/contract/api.js';
import { Rng } from '../engine/random.js';
import { REFERENCE_MODEL } from './reference.js';

export const REAL_DATA = {
  sourceVocab: 8000,
  targetVocab: 6000,
  batch: 64,
  maxLength: 40,
  embedding: 256,
  hidden: 256,
  /** Distinct batches the steps cycle through (both sides train on the same ones, in the same order). */
  batches: 24,
} as const;

export const REAL_DATA_MODEL: ModelConfig = {
  ...REFERENCE_MODEL,
  embeddingSize: REAL_DATA.embedding,
  hiddenSize: REAL_DATA.hidden,
  attentionSize: REAL_DATA.hidden,
};

/** `count` sentence pairs of random ids with realistic lengths (words, before `<eos>`). */
export function realDataPairs(seed: number, count: number): EncodedPair[] {
  const rng = new Rng(seed);
  const longest = REAL_DATA.maxLength - 1;
  return Array.from({ length: count }, (_, index) => {
    const sourceLength = Math.min(longest, Math.max(1, Math.round(11 * Math.exp(0.45 * rng.normal()))));
    const ratio = 0.8 + 0.45 * rng.next();
    const targetLength = Math.min(longest, Math.max(1, Math.round(sourceLength * ratio)));
    return {
      source: Array.from({ length: sourceLength }, () => 4 + rng.int(REAL_DATA.sourceVocab - 4)),
      target: Array.from({ length: targetLength }, () => 4 + rng.int(REAL_DATA.targetVocab - 4)),
      index,
    };
  });
}

/** The benchmark's batches: one epoch of the trainer's batching over enough pairs, the first `REAL_DATA.batches`. */
export function realDataBatches(seed = 1): Batch[] {
  const pairs = realDataPairs(seed, REAL_DATA.batch * REAL_DATA.batches * 4);
  return epochBatches(pairs, REAL_DATA.batch, seed, 0).slice(0, REAL_DATA.batches);
}

/** The batches as the PyTorch peer reads them (bench/pytorch/bench.py --batches FILE): ids row by row. */
export function batchesJson(batches: readonly Batch[]): string {
  const rows = (data: Int32Array | Float32Array, size: number, length: number): number[][] =>
    Array.from({ length: size }, (_, r) => Array.from(data.subarray(r * length, (r + 1) * length)));
  return JSON.stringify({
    sourceVocab: REAL_DATA.sourceVocab,
    targetVocab: REAL_DATA.targetVocab,
    embedding: REAL_DATA.embedding,
    hidden: REAL_DATA.hidden,
    batches: batches.map((b) => ({
      source: rows(b.source, b.size, b.sourceLength),
      sourceLengths: Array.from(b.sourceLengths),
      targetIn: rows(b.targetIn, b.size, b.targetLength),
      targetOut: rows(b.targetOut, b.size, b.targetLength),
    })),
  });
}
