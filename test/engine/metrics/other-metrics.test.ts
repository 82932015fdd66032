import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabError } from '../../../engine/errors.js';
import {
  bleuByLength,
  corpusBleu,
  DEFAULT_LENGTH_BUCKET_EDGES,
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

  it('scores each bucket as a corpus, with its sentence count', () => {
    const buckets = bleuByLength(items);
    assert.deepEqual(
      buckets.map((b) => [b.label, b.from, b.to, b.sentences]),
      [
        ['1-5', 1, 5, 2],
        ['6-10', 6, 10, 2],
        ['11-15', 11, 15, 0],
        ['16-20', 16, 20, 0],
        ['21+', 21, 30, 1],
      ],
    );
    const first = corpusBleu(['the cat sat on the mat', 'x'], [['the cat sat on a mat', 'y']]).score;
    assert.equal(buckets[0]!.bleu, first);
    assert.equal(buckets[2]!.bleu, 0);
    assert.ok(Math.abs(buckets[4]!.bleu - 100) < 1e-9);
  });

  it('sizes five buckets to the longest source sentence', () => {
    assert.deepEqual(lengthBucketEdges(25), [...DEFAULT_LENGTH_BUCKET_EDGES]);
    assert.deepEqual(lengthBucketEdges(10), [1, 3, 5, 7, 9]);
    assert.deepEqual(lengthBucketEdges(11), [1, 4, 7, 10, 13]);
    assert.deepEqual(lengthBucketEdges(3), [1, 2, 3, 4, 5]);
    const short = bleuByLength(items.slice(0, 2), { edges: lengthBucketEdges(4) });
    assert.deepEqual(
      short.map((b) => [b.label, b.sentences]),
      [
        ['1', 0],
        ['2', 0],
        ['3', 1],
        ['4', 0],
        ['5+', 1],
      ],
    );
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
