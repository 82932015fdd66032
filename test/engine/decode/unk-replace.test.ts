// Unknown-word replacement (engine/decode/unk-replace.ts): each <unk> becomes the source token it attended to most.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UNK_ID } from '../../../engine/data/vocab.js';
import { replaceUnknowns } from '../../../engine/decode/unk-replace.js';

describe('unknown-word replacement', () => {
  const source = ['tom', 'lives', 'in', 'tbilisi'];

  it('copies the most-attended source token for each <unk>, and only for <unk>', () => {
    const ids = [UNK_ID, 7, 8, UNK_ID];
    const tokens = ['<unk>', 'habite', 'à', '<unk>'];
    // Rows over the source tokens and the source <eos> (last column).
    const attention = [
      Float32Array.from([0.7, 0.1, 0.1, 0.05, 0.05]),
      Float32Array.from([0.1, 0.6, 0.1, 0.1, 0.1]),
      Float32Array.from([0.1, 0.1, 0.6, 0.1, 0.1]),
      Float32Array.from([0.05, 0.05, 0.1, 0.6, 0.2]),
    ];
    const result = replaceUnknowns(ids, tokens, attention, source);
    assert.deepEqual(result.tokens, ['tom', 'habite', 'à', 'tbilisi']);
    assert.deepEqual(result.replaced, [0, 3]);
    assert.equal(result.unknowns, 2);
    assert.deepEqual(tokens, ['<unk>', 'habite', 'à', '<unk>'], 'the input is not changed');
  });

  it('never copies the source <eos>, even where it has the most weight', () => {
    const result = replaceUnknowns([UNK_ID], ['<unk>'], [Float32Array.from([0.1, 0.3, 0.1, 0.1, 0.4])], source);
    assert.deepEqual(result.tokens, ['lives']);
  });

  it('keeps <unk> where there is no attention (and still counts it)', () => {
    const result = replaceUnknowns([UNK_ID, 9], ['<unk>', 'x'], [], source);
    assert.deepEqual(result.tokens, ['<unk>', 'x']);
    assert.deepEqual(result.replaced, []);
    assert.equal(result.unknowns, 1);
    const noSource = replaceUnknowns([UNK_ID], ['<unk>'], [Float32Array.from([1])], []);
    assert.deepEqual(noSource.tokens, ['<unk>']);
  });
});
