import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EncodedPair } from '../../../engine/data/batch.js';
import { batchesPerEpoch, epochBatches, evaluationBatches, makeBatch } from '../../../engine/data/batching.js';
import { buildVocabularies, encodePairs } from '../../../engine/data/encode.js';
import { WordTokenizer } from '../../../engine/data/word-tokenizer.js';
import { EOS_ID, PAD_ID, SOS_ID } from '../../../engine/data/vocab.js';
import { Rng } from '../../../engine/random.js';

function randomPairs(n: number, seed: number): EncodedPair[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, index) => ({
    source: Array.from({ length: rng.range(1, 30) }, () => rng.range(4, 50)),
    target: Array.from({ length: rng.range(1, 30) }, () => rng.range(4, 50)),
    index,
  }));
}

describe('makeBatch', () => {
  it('pads, masks, appends <eos> to sources and splits targets for teacher forcing', () => {
    const batch = makeBatch([
      { source: [10, 11, 12], target: [20], index: 7 },
      { source: [13], target: [21, 22, 23], index: 3 },
    ]);
    assert.equal(batch.size, 2);
    assert.equal(batch.sourceLength, 4);
    assert.equal(batch.targetLength, 4);
    assert.deepEqual([...batch.source], [10, 11, 12, EOS_ID, 13, EOS_ID, PAD_ID, PAD_ID]);
    assert.deepEqual([...batch.sourceMask], [1, 1, 1, 1, 1, 1, 0, 0]);
    assert.deepEqual([...batch.sourceLengths], [4, 2]);
    assert.deepEqual([...batch.targetIn], [SOS_ID, 20, PAD_ID, PAD_ID, SOS_ID, 21, 22, 23]);
    assert.deepEqual([...batch.targetOut], [20, EOS_ID, PAD_ID, PAD_ID, 21, 22, 23, EOS_ID]);
    assert.deepEqual([...batch.targetMask], [1, 1, 0, 0, 1, 1, 1, 1]);
    assert.deepEqual(batch.indices, [7, 3]);
  });
});

describe('epochBatches', () => {
  const pairs = randomPairs(1000, 1);

  it('uses every pair exactly once per epoch', () => {
    const batches = epochBatches(pairs, 32, 5, 0);
    assert.equal(batches.length, batchesPerEpoch(1000, 32));
    const seen = batches.flatMap((b) => b.indices).sort((a, b) => a - b);
    assert.deepEqual(
      seen,
      pairs.map((p) => p.index),
    );
    assert.ok(batches.every((b) => b.size <= 32));
  });

  it('is the same for the same (seed, epoch) and differs across epochs and seeds', () => {
    const order = (seed: number, epoch: number): number[][] =>
      epochBatches(pairs, 32, seed, epoch).map((b) => b.indices);
    assert.deepEqual(order(5, 3), order(5, 3));
    assert.notDeepEqual(order(5, 3), order(5, 4));
    assert.notDeepEqual(order(5, 3), order(6, 3));
  });

  it('buckets by length, so padding is small', () => {
    const batches = epochBatches(pairs, 32, 5, 0);
    let padding = 0;
    let cells = 0;
    for (const b of batches) {
      cells += b.size * b.sourceLength;
      padding += b.sourceMask.reduce((n, m) => n + (m === 0 ? 1 : 0), 0);
    }
    // Random batching would pad about a third of the cells with lengths 1-30.
    assert.ok(padding / cells < 0.05, `padding ${(padding / cells).toFixed(3)}`);
  });

  it('evaluation batches are sorted and deterministic', () => {
    const batches = evaluationBatches(pairs, 100);
    assert.equal(batches.length, 10);
    assert.ok(batches[0]!.sourceLength <= batches[9]!.sourceLength);
    assert.deepEqual(
      batches.map((b) => b.indices),
      evaluationBatches(pairs, 100).map((b) => b.indices),
    );
  });
});

describe('encoding', () => {
  it('builds vocabularies from the training split and drops long pairs on request', () => {
    const word = new WordTokenizer();
    const tokenizers = { source: word, target: word };
    const train = [
      { source: 'the cat sleeps', target: 'le chat dort' },
      { source: 'the dog sleeps', target: 'le chien dort' },
    ];
    const vocabularies = buildVocabularies(train, tokenizers, { minFreq: 2 });
    assert.deepEqual(vocabularies.source.tokens.slice(4), ['sleeps', 'the']);
    const encoded = encodePairs(
      [...train, { source: 'the big red cat', target: 'le gros chat rouge' }],
      tokenizers,
      vocabularies,
      3,
    );
    assert.equal(encoded.length, 2);
    assert.deepEqual(encoded[0], {
      source: [vocabularies.source.id('the'), 1, vocabularies.source.id('sleeps')],
      target: [vocabularies.target.id('le'), 1, vocabularies.target.id('dort')],
      index: 0,
    });
  });
});
