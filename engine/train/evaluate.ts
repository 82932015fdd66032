/**
 * Evaluation of a model on a split: teacher-forced loss, perplexity and token accuracy; decoded sequence accuracy,
 * BLEU and chrF; and, where the dataset has gold word alignments and the model attends, how well the attention of
 * the reference translation agrees with them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecodeConfig, Split } from '../contract/api.js';
import type { EncodedPair } from '../data/batch.js';
import { evaluationBatches } from '../data/batching.js';
import type { PreparedData } from '../data/encode.js';
import { EOS, UNK_ID } from '../data/vocab.js';
import { beamSearchAsync, greedySearchAsync, type Hypothesis } from '../decode/search.js';
import { replaceUnknowns } from '../decode/unk-replace.js';
import {
  alignmentCounts,
  type AlignmentCounts,
  alignmentScores,
  bleuByLength,
  corpusBleu,
  corpusChrf,
  exactMatch,
  lengthBucketEdges,
  sumAlignmentCounts,
  tokenAccuracy,
} from '../metrics/index.js';
import { Dropout } from '../model/dropout.js';
import type { Seq2Seq } from '../model/seq2seq.js';
import { timeMajor } from '../model/seq2seq.js';
import type { LengthBucketScore } from '../contract/api.js';

export interface EvaluationOptions {
  decode: DecodeConfig;
  /** Use the configured decoding strategy (test) or always greedy (validation: faster). */
  strategy: 'greedy' | 'configured';
  batchSize: number;
}

export interface Evaluation {
  /**
   * loss, perplexity, token_accuracy, sequence_accuracy, bleu, chrf (both on text after unknown-word replacement),
   * unknowns (`<unk>` tokens the decoder emitted), and alignment_agreement / aer if known.
   */
  metrics: Record<string, number>;
  /** The evaluated pairs, and the hypothesis for each. */
  pairs: EncodedPair[];
  hypotheses: Hypothesis[];
  /** Each hypothesis as text, its `<unk>` replaced by the source word it attended to most (where it has attention). */
  texts: string[];
  bleuByLength: LengthBucketScore[];
}

interface TeacherForcedStats {
  nll: number;
  tokens: number;
  correct: number;
  alignment: AlignmentCounts[];
}

async function teacherForcedStats(
  model: Seq2Seq,
  data: PreparedData,
  split: Split,
  pairs: EncodedPair[],
  batchSize: number,
): Promise<TeacherForcedStats> {
  const stats: TeacherForcedStats = { nll: 0, tokens: 0, correct: 0, alignment: [] };
  const gold = data.text[split];
  const wantAlignment = model.config.attention !== 'none' && gold.some((p) => p.alignment !== null);
  for (const batch of evaluationBatches(pairs, batchSize)) {
    const targets = timeMajor(batch.targetOut, batch.size, batch.targetLength);
    const mask = timeMajor(batch.targetMask, batch.size, batch.targetLength);
    // The tensors to read, computed in one tidy; read without blocking (webgpu cannot read synchronously).
    const outputs = tf.tidy((): { picked: tf.Tensor; predicted: tf.Tensor; attention?: tf.Tensor } => {
      const out = model.teacherForced(batch, Dropout.none);
      const vocab = out.logits.shape[1]!;
      const logProbs = tf.logSoftmax(out.logits);
      const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(targets, 'int32'), vocab)), 1);
      const predicted = tf.argMax(out.logits, 1);
      return out.attention === null ? { picked, predicted } : { picked, predicted, attention: out.attention };
    });
    const reads = [outputs.picked, outputs.predicted, ...(outputs.attention === undefined ? [] : [outputs.attention])];
    const [picked, predicted, attention] = await Promise.all(reads.map((t) => t.data()));
    reads.forEach((t) => t.dispose());
    {
      for (let i = 0; i < targets.length; i++) if (mask[i] !== 0) stats.nll -= picked[i]!;
      // A target `<unk>` counts and is always wrong.
      const accuracy = tokenAccuracy({ predicted: predicted as Int32Array, target: targets, mask, unkId: UNK_ID });
      stats.tokens += accuracy.total;
      stats.correct += accuracy.correct;
      if (wantAlignment && attention !== undefined) {
        // [targetLength, batch, sourceLength] → one matrix per sentence (rows: reference target words).
        const weights = attention as Float32Array;
        const { size, targetLength, sourceLength } = batch;
        for (let b = 0; b < size; b++) {
          const alignment = gold[batch.indices[b]!]?.alignment;
          if (alignment === null || alignment === undefined) continue;
          const targetWords =
            batch.targetMask.subarray(b * targetLength, (b + 1) * targetLength).reduce((a, m) => a + m, 0) - 1;
          const sourceWords = batch.sourceLengths[b]! - 1;
          const matrix = new Float32Array(targetWords * sourceLength);
          for (let t = 0; t < targetWords; t++) {
            const row = (t * size + b) * sourceLength;
            matrix.set(weights.subarray(row, row + sourceLength), t * sourceLength);
          }
          stats.alignment.push(
            alignmentCounts(
              { weights: matrix, columns: sourceLength, targetLength: targetWords, sourceLength: sourceWords },
              alignment,
            ),
          );
        }
      }
    }
  }
  return stats;
}

/** Decode `pairs` with greedy or beam search (as configured). */
export async function decodePairs(
  model: Seq2Seq,
  pairs: readonly EncodedPair[],
  decode: DecodeConfig,
  strategy: 'greedy' | 'beam',
): Promise<Hypothesis[]> {
  const sources = pairs.map((p) => p.source);
  const limits = { maxLengthRatio: decode.maxLengthRatio, maxLengthOffset: decode.maxLengthOffset };
  if (strategy === 'greedy') return greedySearchAsync(model, sources, limits);
  const beams = await beamSearchAsync(model, sources, {
    ...limits,
    beamSize: decode.beamSize,
    lengthPenalty: decode.lengthPenalty,
    nBest: 1,
  });
  return beams.map((best) => best[0]!);
}

/** Turn output ids into text with the dataset's target tokenizer. */
export function hypothesisText(data: PreparedData, tokens: readonly number[]): string {
  return data.tokenizers.target.detokenize(data.vocabularies.target.decode(tokens));
}

/**
 * A hypothesis as text with unknown-word replacement (decode/unk-replace.ts): each `<unk>` becomes the source token
 * it attended to most, where the model has attention and both sides use the same kind of tokens. Also returns how
 * many `<unk>` the decoder emitted.
 */
export function replacedHypothesisText(
  data: PreparedData,
  sourceText: string,
  hypothesis: Hypothesis,
): { text: string; unknowns: number } {
  const tokens = data.vocabularies.target.decode(hypothesis.tokens);
  const copyable = data.tokenizers.source.kind === data.tokenizers.target.kind;
  const source = copyable && hypothesis.attention.length > 0 ? data.tokenizers.source.tokenize(sourceText) : [];
  const replaced = replaceUnknowns(hypothesis.tokens, tokens, hypothesis.attention, source);
  return { text: data.tokenizers.target.detokenize(replaced.tokens), unknowns: replaced.unknowns };
}

/** Source words of a pair, for BLEU by length: the word count of the stored source text. */
function sourceWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/** A BLEU-by-length bucket with fewer sentences than this is merged into its neighbour. */
export const MIN_BUCKET_SENTENCES = 20;

const bucketEdges = new WeakMap<PreparedData, number[]>();

/**
 * The BLEU-by-length buckets of a dataset: the same for every split and run, at the quintiles of its source lengths.
 */
function datasetBucketEdges(data: PreparedData): number[] {
  let edges = bucketEdges.get(data);
  if (edges === undefined) {
    const lengths: number[] = [];
    for (const pairs of Object.values(data.text)) {
      for (const pair of pairs) lengths.push(sourceWords(pair.source));
    }
    edges = lengthBucketEdges(lengths);
    bucketEdges.set(data, edges);
  }
  return edges;
}

export async function evaluate(
  model: Seq2Seq,
  data: PreparedData,
  split: Split,
  pairs: EncodedPair[],
  options: EvaluationOptions,
): Promise<Evaluation> {
  const forced = await teacherForcedStats(model, data, split, pairs, options.batchSize);
  const strategy = options.strategy === 'greedy' ? 'greedy' : options.decode.strategy;
  const hypotheses = await decodePairs(model, pairs, options.decode, strategy);
  const text = data.text[split];
  let unknowns = 0;
  const hypothesisStrings = hypotheses.map((h, i) => {
    const replaced = replacedHypothesisText(data, text[pairs[i]!.index]!.source, h);
    unknowns += replaced.unknowns;
    return replaced.text;
  });
  const references = pairs.map((p) => text[p.index]!.target);
  let exact = 0;
  hypotheses.forEach((h, i) => {
    if (exactMatch(h, pairs[i]!.target, UNK_ID)) exact++;
  });
  const metrics: Record<string, number> = {
    loss: forced.tokens === 0 ? 0 : forced.nll / forced.tokens,
    perplexity: forced.tokens === 0 ? 1 : Math.exp(forced.nll / forced.tokens),
    token_accuracy: forced.tokens === 0 ? 0 : (100 * forced.correct) / forced.tokens,
    sequence_accuracy: pairs.length === 0 ? 0 : (100 * exact) / pairs.length,
    bleu: pairs.length === 0 ? 0 : corpusBleu(hypothesisStrings, [references]).score,
    chrf: pairs.length === 0 ? 0 : corpusChrf(hypothesisStrings, [references]).score,
    unknowns,
  };
  if (forced.alignment.length > 0) {
    const scores = alignmentScores(sumAlignmentCounts(forced.alignment));
    metrics.alignment_agreement = 100 * scores.argmaxAgreement;
    metrics.aer = 100 * scores.aer;
  }
  const buckets = bleuByLength(
    pairs.map((p, i) => ({
      sourceLength: sourceWords(text[p.index]!.source),
      hypothesis: hypothesisStrings[i]!,
      reference: references[i]!,
    })),
    { edges: datasetBucketEdges(data), minSentences: MIN_BUCKET_SENTENCES },
  ).map(({ from, to, sentences, bleu }) => ({ from, to, sentences, bleu }));
  return { metrics, pairs, hypotheses, texts: hypothesisStrings, bleuByLength: buckets };
}

/** Up to `count` pairs spread evenly over source lengths: the fixed sentences whose translations runs record. */
export function pickSamples(pairs: readonly EncodedPair[], count: number): EncodedPair[] {
  const sorted = [...pairs].sort((a, b) => a.source.length - b.source.length || a.index - b.index);
  if (sorted.length <= count) return sorted;
  const picked: EncodedPair[] = [];
  for (let i = 0; i < count; i++) picked.push(sorted[Math.round((i * (sorted.length - 1)) / Math.max(1, count - 1))]!);
  return picked;
}

/** Labels for an attention matrix: display forms of the tokens, with `<eos>` where the model saw or produced it. */
export function attentionLabels(
  data: PreparedData,
  split: Split,
  pair: EncodedPair,
  hypothesis: Hypothesis,
): { source: string[]; target: string[] } {
  const tokenizer = data.tokenizers;
  // The source as written (an out-of-vocabulary word shows as itself, not as <unk>).
  const written = tokenizer.source.tokenize(data.text[split][pair.index]!.source);
  const source = [...written.map((t) => tokenizer.source.display(t)), EOS];
  // One label per output step (an untrained model may emit <pad> or <sos>; they keep their row).
  const target = hypothesis.tokens.map((id) => tokenizer.target.display(data.vocabularies.target.token(id)));
  if (hypothesis.finished) target.push(EOS);
  return { source, target };
}
