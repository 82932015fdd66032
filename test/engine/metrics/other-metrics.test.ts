import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabError } from '../../../engine/errors.js';
import {
  bleuByLength,
  corpusBleu,
  lengthBucketEdges,
  perplexity,
  sequenceAccuracy,
  tokenAccuracy,
} from '../../../engine/metrics/index.js';

describe('perplexity', () => {
  it('is the vocabulary size for a uniform model, 1 for a certain one', () => {
    assert.ok(Math.abs(perplexity(10 * Math.log(50), 10) - 50) < 1e-9);
    assert.equal(perplexity(0, 7), 1);
  });

  it('is NaN without tokens and rejects nonsense', () => {
    assert.ok(Number.isNaN(perplexity(0, 0)));
    assert.throws(() => perplexity(-1, 3), LabError);
    assert.throws(() => perplexity(Number.NaN, 3), LabError);
    assert.throws(() => perplexity(1, 2.5), LabError);
  });
});

describe('token and sequence accuracy', () => {
  // Two rows of four steps; 0 is padding.
  const target = [5, 6, 7, 0, 8, 9, 0, 0];
  const predicted = [5, 6, 4, 3, 8, 9, 2, 0];

  it('counts only non-padding target positions', () => {
    assert.deepEqual(tokenAccuracy({ predicted, target, padId: 0 }), { correct: 4, total: 5, accuracy: 0.8 });
    assert.deepEqual(tokenAccuracy({ predicted, target }), { correct: 5, total: 8, accuracy: 5 / 8 });
  });

  it('counts only masked-in positions', () => {
    const mask = [1, 1, 0, 0, 1, 1, 0, 0];
    assert.deepEqual(tokenAccuracy({ predicted, target, mask }), { correct: 4, total: 4, accuracy: 1 });
    assert.deepEqual(sequenceAccuracy({ predicted, target, mask, steps: 4 }), { correct: 2, total: 2, accuracy: 1 });
  });

  it('counts a sequence as right only when every counted token is', () => {
    assert.deepEqual(sequenceAccuracy({ predicted, target, padId: 0, steps: 4 }), {
      correct: 1,
      total: 2,
      accuracy: 0.5,
    });
    // A row of padding only is left out.
    const padded = sequenceAccuracy({ predicted: [1, 0, 0, 0], target: [1, 0, 0, 0], padId: 0, steps: 2 });
    assert.deepEqual(padded, { correct: 1, total: 1, accuracy: 1 });
  });

  it('counts a target <unk> (unkId) as wrong, whatever was predicted', () => {
    const t = [5, 1, 7, 1];
    const p = [5, 1, 7, 1];
    assert.deepEqual(tokenAccuracy({ predicted: p, target: t }), { correct: 4, total: 4, accuracy: 1 });
    assert.deepEqual(tokenAccuracy({ predicted: p, target: t, unkId: 1 }), { correct: 2, total: 4, accuracy: 0.5 });
    assert.deepEqual(sequenceAccuracy({ predicted: p, target: t, unkId: 1, steps: 2 }), {
      correct: 0,
      total: 2,
      accuracy: 0,
    });
  });

  it('takes typed arrays, reports NaN when nothing counts, and rejects mismatched shapes', () => {
    const ids = Int32Array.from([1, 2]);
    assert.equal(tokenAccuracy({ predicted: ids, target: Float32Array.from([1, 3]) }).accuracy, 0.5);
    assert.ok(Number.isNaN(tokenAccuracy({ predicted: [0], target: [0], padId: 0 }).accuracy));
    assert.throws(() => tokenAccuracy({ predicted: [1], target: [1, 2] }), LabError);
    assert.throws(() => sequenceAccuracy({ predicted: [1, 2, 3], target: [1, 2, 3], steps: 2 }), LabError);
  });
});

describe('BLEU by source length', () => {
  const items = [
    { sourceLength: 3, hypothesis: 'the cat sat on the mat', reference: 'the cat sat on a mat' },
    { sourceLength: 8, hypothesis: 'a dog barked', reference: 'the dog barked loudly' },
    { sourceLength: 9, hypothesis: 'hello', reference: ['hello there', 'hello'] },
    { sourceLength: 30, hypothesis: 'a b c d e', reference: 'a b c d e' },
    { sourceLength: 0, hypothesis: 'x', reference: 'y' },
  ];

  it('scores each bucket as a corpus, with its sentence count, and never reports an empty bucket', () => {
    const buckets = bleuByLength(items);
    // The default edges give 2, 2, 0, 0 and 1 sentences: the empty 11-15 and 16-20 fold into 6-10.
    assert.deepEqual(
      buckets.map((b) => [b.label, b.from, b.to, b.sentences]),
      [
        ['1-5', 1, 5, 2],
        ['6-20', 6, 20, 2],
        ['21+', 21, 30, 1],
      ],
    );
    const first = corpusBleu(['the cat sat on the mat', 'x'], [['the cat sat on a mat', 'y']]).score;
    assert.equal(buckets[0]!.bleu, first);
    const secondMulti = corpusBleu(
      ['a dog barked', 'hello'],
      [
        ['the dog barked loudly', 'hello there'],
        ['the dog barked loudly', 'hello'],
      ],
    ).score;
    assert.ok(Math.abs(buckets[1]!.bleu - secondMulti) < 1e-9, `${buckets[1]!.bleu} vs ${secondMulti}`);
    assert.ok(Math.abs(buckets[2]!.bleu - 100) < 1e-9);
    assert.ok(buckets.every((b) => b.sentences > 0));
  });

  it('merges buckets below the minimum size into their shorter neighbour, the first into the next', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      sourceLength: i < 30 ? 1 + (i % 10) : 11 + i,
      hypothesis: 'a b',
      reference: 'a b',
    }));
    const buckets = bleuByLength(many, { edges: [1, 6, 11, 45, 50], minSentences: 6 });
    // Counts before merging: 15 (1-5), 15 (6-10), 4 (11-44), 5 (45-49), 1 (50+): the last two become 45+ (6),
    // then 11-44 folds into 6-10.
    assert.deepEqual(
      buckets.map((b) => [b.label, b.from, b.to, b.sentences]),
      [
        ['1-5', 1, 5, 15],
        ['6-44', 6, 44, 19],
        ['45+', 45, 50, 6],
      ],
    );
    // The minimum is capped at the number of items: two sentences still give one bucket, not none.
    const two = bleuByLength(many.slice(0, 2), { edges: [1, 6, 11], minSentences: 20 });
    assert.deepEqual(
      two.map((b) => [b.from, b.to, b.sentences]),
      [[1, 2, 2]],
    );
    // A thin first bucket goes into the next one.
    const thinFirst = bleuByLength([{ sourceLength: 1, hypothesis: 'a', reference: 'a' }, ...many.slice(30)], {
      edges: [1, 41],
      minSentences: 5,
    });
    assert.deepEqual(
      thinFirst.map((b) => [b.label, b.sentences]),
      [['1+', 11]],
    );
  });

  it('puts bucket bounds at the quantiles of the source lengths', () => {
    // A skewed corpus, as real ones are: most sentences short, a long tail up to 40 words.
    const lengths = [
      ...Array.from({ length: 50 }, (_, i) => 3 + (i % 6)),
      ...Array.from({ length: 40 }, (_, i) => 9 + (i % 8)),
      ...Array.from({ length: 10 }, (_, i) => 20 + 2 * i),
    ];
    const edges = lengthBucketEdges(lengths);
    assert.equal(edges.length, 5);
    assert.equal(edges[0], 3);
    const sorted = [...lengths].sort((a, b) => a - b);
    assert.deepEqual(
      edges.slice(1),
      [20, 40, 60, 80].map((q) => sorted[q]),
    );
    // Every bucket of the corpus itself then holds about a fifth of it (ties may move a few).
    const buckets = bleuByLength(
      lengths.map((n) => ({ sourceLength: n, hypothesis: 'x', reference: 'x' })),
      { edges },
    );
    for (const b of buckets) assert.ok(b.sentences >= 10 && b.sentences <= 30, `${b.label}: ${b.sentences}`);
    // Repeated lengths give fewer buckets rather than empty ones; no lengths give one bucket.
    assert.deepEqual(lengthBucketEdges([4, 4, 4, 4, 4, 9, 9, 9, 9, 9]), [4, 9]);
    assert.deepEqual(lengthBucketEdges([4, 4, 4, 4, 4, 4, 9]), [4]);
    assert.deepEqual(lengthBucketEdges([]), [1]);
    assert.deepEqual(lengthBucketEdges([0, 0, 2]), [1, 2]);
    assert.throws(() => lengthBucketEdges([1, 2], 0), LabError);
  });

  it('takes other edges and BLEU options', () => {
    const buckets = bleuByLength(items, { edges: [0, 10], tokenize: 'none', effectiveOrder: true });
    assert.deepEqual(
      buckets.map((b) => [b.label, b.sentences]),
      [
        ['0-9', 4],
        ['10+', 1],
      ],
    );
    assert.throws(() => bleuByLength(items, { edges: [5, 5] }), LabError);
    assert.throws(() => bleuByLength(items, { edges: [] }), LabError);
  });
});
