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
 * Five buckets of equal width that cover source lengths 1..longest (the last one open-ended), so a corpus of short
 * sentences is not lumped into one bucket: 25 words gives the default 1–5, 6–10, …, 21+; 10 words gives 1–2, 3–4, …
 */
export function lengthBucketEdges(longest: number, count = 5): number[] {
  const width = Math.max(1, Math.ceil(longest / count));
  return Array.from({ length: count }, (_, i) => 1 + i * width);
}

export interface BleuLengthBucket extends LengthBucketScore {
  /** e.g. "1-5", or "21+" for the last, open-ended bucket. */
  label: string;
}

/**
 * Corpus BLEU per bucket of source length. `edges` are the buckets' inclusive lower bounds, ascending; bucket i
 * holds lengths edges[i]..edges[i+1]-1 and the last one is open-ended (its `to` is the longest length in it, or
 * its `from` when it is empty). Lengths below edges[0] go into the first bucket. Every bucket is returned, empty
 * ones with `sentences: 0` and `bleu: 0`.
 */
export function bleuByLength(
  items: readonly LengthBucketItem[],
  options: BleuOptions & { edges?: readonly number[] } = {},
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

  return buckets.map((bucket, i) => {
    const from = edges[i]!;
    const last = i === edges.length - 1;
    const to = last ? Math.max(from, bucket.longest) : edges[i + 1]! - 1;
    return {
      from,
      to,
      label: last ? `${from}+` : from === to ? `${from}` : `${from}-${to}`,
      sentences: bucket.sentences,
      // (The reference count only feeds the signature, which buckets do not report.)
      bleu: bucket.sentences === 0 ? 0 : bleu.scoreFromStats(bucket.stats, 1).score,
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
