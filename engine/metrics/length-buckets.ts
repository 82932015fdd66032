// BLEU per source-sentence length, as in Bahdanau et al. (2014), Fig. 2: corpus BLEU of the sentences in each
// length range, which shows how a fixed-size encoding (no attention) degrades on long sentences.
import type { LengthBucketScore } from '../contract/api.js';
import { LabError } from '../errors.js';
import { Bleu, type BleuOptions } from './bleu.js';

export interface LengthBucketItem {
  /** Length of the source sentence, usually in words. */
  sourceLength: number;
  hypothesis: string;
  /** One reference, or several. */
  reference: string | readonly string[];
}

/**
 * Lower bounds of the default buckets for word-level source lengths: 1–5, 6–10, 11–15, 16–20, 21+.
 */
export const DEFAULT_LENGTH_BUCKET_EDGES: readonly number[] = [1, 6, 11, 16, 21];

/**
 * Up to `count` buckets that hold about equal shares of the sentences: the lower bounds are quantiles of the
 * source lengths (the dataset's, so every split and run of it share them), with repeated bounds dropped where many
 * sentences have the same length. Equal-width buckets up to the longest sentence left the tail buckets with a
 * handful of sentences or none (a 40-word corpus whose last bucket held 0 sentences and was reported as BLEU 0).
 */
export function lengthBucketEdges(lengths: readonly number[], count = 5): number[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new LabError('invalid-request', `length buckets: count must be a whole number ≥ 1, got ${count}`);
  }
  const sorted = lengths.filter((n) => Number.isFinite(n)).sort((a, b) => a - b);
  if (sorted.length === 0) return [1];
  const edges: number[] = [Math.max(1, sorted[0]!)];
  for (let i = 1; i < count; i++) {
    const edge = sorted[Math.floor((i * sorted.length) / count)]!;
    if (edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

export interface BleuLengthBucket extends LengthBucketScore {
  /** e.g. "1-5", or "21+" for the last, open-ended bucket. */
  label: string;
}

/**
 * Corpus BLEU per bucket of source length. `edges` are the buckets' inclusive lower bounds, ascending; bucket i
 * holds lengths edges[i]..edges[i+1]-1 and the last one is open-ended (its `to` is the longest length in it, or
 * its `from` when it is empty). Lengths below edges[0] go into the first bucket.
 *
 * A bucket with fewer than `minSentences` sentences (default 1) is merged into its shorter neighbour (the first
 * one into the next), so no bucket is reported from a handful of sentences and an empty one is never reported as
 * BLEU 0. `minSentences` is capped at the number of items, so a small split still gets one bucket.
 */
export function bleuByLength(
  items: readonly LengthBucketItem[],
  options: BleuOptions & { edges?: readonly number[]; minSentences?: number } = {},
): BleuLengthBucket[] {
  const edges = options.edges ?? DEFAULT_LENGTH_BUCKET_EDGES;
  checkEdges(edges);
  const bleu = new Bleu(options);
  const size = 2 + 2 * bleu.options.maxNgramOrder;
  const buckets = edges.map(() => ({ stats: new Array<number>(size).fill(0), sentences: 0, longest: 0 }));

  for (const item of items) {
    const references = typeof item.reference === 'string' ? [item.reference] : item.reference;
    const bucket = buckets[bucketIndex(edges, item.sourceLength)]!;
    const segment = bleu.segmentStats(item.hypothesis, references);
    for (let k = 0; k < size; k++) bucket.stats[k]! += segment[k]!;
    bucket.sentences++;
    bucket.longest = Math.max(bucket.longest, item.sourceLength);
  }

  const minSentences = Math.max(1, Math.min(options.minSentences ?? 1, items.length));
  const ranges = buckets.map((bucket, i) => ({ ...bucket, from: edges[i]!, to: edges[i + 1]! - 1 }));
  const last = ranges[ranges.length - 1]!;
  last.to = Math.max(last.from, last.longest);
  // Merge thin buckets into their neighbour, from the open-ended tail down (where they are thin on real corpora);
  // a bucket that receives a merge is checked when the walk reaches it, and the first one goes into a checked one.
  for (let i = ranges.length - 1; i >= 0 && ranges.length > 1; i--) {
    const bucket = ranges[i]!;
    if (bucket.sentences >= minSentences) continue;
    const into = i > 0 ? ranges[i - 1]! : ranges[1]!;
    for (let k = 0; k < size; k++) into.stats[k]! += bucket.stats[k]!;
    into.sentences += bucket.sentences;
    into.longest = Math.max(into.longest, bucket.longest);
    into.from = Math.min(into.from, bucket.from);
    into.to = Math.max(into.to, bucket.to);
    ranges.splice(i, 1);
  }
  const lastRange = ranges[ranges.length - 1]!;
  lastRange.to = Math.max(lastRange.from, lastRange.longest);
  return ranges.map((bucket) => {
    const { from, to } = bucket;
    const open = bucket === lastRange;
    return {
      from,
      to,
      label: open ? `${from}+` : from === to ? `${from}` : `${from}-${to}`,
      sentences: bucket.sentences,
      // (The reference count only feeds the signature, which buckets do not report.)
      bleu: bleu.scoreFromStats(bucket.stats, 1).score,
    };
  });
}

function bucketIndex(edges: readonly number[], length: number): number {
  let index = 0;
  while (index + 1 < edges.length && length >= edges[index + 1]!) index++;
  return index;
}

function checkEdges(edges: readonly number[]): void {
  if (edges.length === 0) throw new LabError('invalid-request', 'length buckets need at least one edge');
  edges.forEach((edge, i) => {
    if (!Number.isInteger(edge) || (i > 0 && edge <= edges[i - 1]!)) {
      throw new LabError(
        'invalid-request',
        `length bucket edges must be ascending whole numbers, got [${edges.join(', ')}]`,
      );
    }
  });
}
