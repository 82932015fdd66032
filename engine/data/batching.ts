/**
 * Batching: encoded pairs → padded `Batch`es (engine/data/batch.ts) with masks.
 *
 * Training batches are length-bucketed: each epoch the pairs are shuffled, cut into pools of `poolBatches`
 * batches, each pool is sorted by length and cut into batches (so a batch holds sentences of similar length and
 * little padding), and then the order of all batches is shuffled. Everything random comes from (seed, epoch)
 * alone, so a resumed run regenerates exactly the batches it would have seen.
 */
import { Rng } from '../random.js';
import type { Batch, EncodedPair } from './batch.js';
import { EOS_ID, PAD_ID, SOS_ID } from './vocab.js';

export interface BatchingOptions {
  /** Batches per sorting pool (default 32): larger pools mean less padding but less randomness. */
  poolBatches?: number;
}

export const DEFAULT_POOL_BATCHES = 32;

/** One padded batch, rows in the given order. Source rows get `<eos>`; targets are split for teacher forcing. */
export function makeBatch(pairs: readonly EncodedPair[]): Batch {
  const size = pairs.length;
  let sourceLength = 0;
  let targetLength = 0;
  for (const p of pairs) {
    sourceLength = Math.max(sourceLength, p.source.length + 1);
    targetLength = Math.max(targetLength, p.target.length + 1);
  }
  const source = new Int32Array(size * sourceLength).fill(PAD_ID);
  const sourceMask = new Float32Array(size * sourceLength);
  const sourceLengths = new Int32Array(size);
  const targetIn = new Int32Array(size * targetLength).fill(PAD_ID);
  const targetOut = new Int32Array(size * targetLength).fill(PAD_ID);
  const targetMask = new Float32Array(size * targetLength);
  pairs.forEach((p, row) => {
    const s = row * sourceLength;
    for (let i = 0; i < p.source.length; i++) source[s + i] = p.source[i]!;
    source[s + p.source.length] = EOS_ID;
    sourceMask.fill(1, s, s + p.source.length + 1);
    sourceLengths[row] = p.source.length + 1;
    const t = row * targetLength;
    targetIn[t] = SOS_ID;
    for (let i = 0; i < p.target.length; i++) {
      targetIn[t + i + 1] = p.target[i]!;
      targetOut[t + i] = p.target[i]!;
    }
    targetOut[t + p.target.length] = EOS_ID;
    targetMask.fill(1, t, t + p.target.length + 1);
  });
  return {
    size,
    sourceLength,
    targetLength,
    source,
    sourceMask,
    sourceLengths,
    targetIn,
    targetOut,
    targetMask,
    indices: pairs.map((p) => p.index),
  };
}

const byLength = (a: EncodedPair, b: EncodedPair): number =>
  a.source.length - b.source.length || a.target.length - b.target.length || a.index - b.index;

/** Real (unpadded) target tokens of a batch, `<eos>` included: what a step trains on and tokens/s counts. */
export function targetTokens(batch: Batch): number {
  let n = 0;
  for (let i = 0; i < batch.targetMask.length; i++) n += batch.targetMask[i]!;
  return n;
}

/** Padded target positions ÷ all target positions of some batches (the loss does not project them). */
export function paddingShare(batches: readonly Batch[]): number {
  let real = 0;
  let all = 0;
  for (const b of batches) {
    real += targetTokens(b);
    all += b.targetMask.length;
  }
  return all === 0 ? 0 : 1 - real / all;
}

/** How many batches an epoch of `pairs` pairs has. */
export function batchesPerEpoch(pairs: number, batchSize: number): number {
  return Math.ceil(pairs / Math.max(1, batchSize));
}

/** The random source of an epoch: depends on (seed, epoch) only. */
export function epochRng(seed: number, epoch: number): Rng {
  return new Rng(seed).fork(epoch);
}

/** The training batches of one epoch (0-based), in the order to train on them. */
export function epochBatches(
  pairs: readonly EncodedPair[],
  batchSize: number,
  seed: number,
  epoch: number,
  options: BatchingOptions = {},
): Batch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer`);
  const rng = epochRng(seed, epoch);
  const shuffled = rng.shuffle([...pairs]);
  const poolSize = batchSize * Math.max(1, options.poolBatches ?? DEFAULT_POOL_BATCHES);
  const groups: EncodedPair[][] = [];
  for (let start = 0; start < shuffled.length; start += poolSize) {
    const pool = shuffled.slice(start, start + poolSize).sort(byLength);
    for (let b = 0; b < pool.length; b += batchSize) groups.push(pool.slice(b, b + batchSize));
  }
  return rng.shuffle(groups).map(makeBatch);
}

/** Batches for validation and test: sorted by length (little padding), no randomness. */
export function evaluationBatches(pairs: readonly EncodedPair[], batchSize: number): Batch[] {
  const sorted = [...pairs].sort(byLength);
  const batches: Batch[] = [];
  for (let b = 0; b < sorted.length; b += batchSize) batches.push(makeBatch(sorted.slice(b, b + batchSize)));
  return batches;
}
