import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabError } from '../../../engine/errors.js';
import { corpusBleu, formatBleuScore, sentenceBleu, type SmoothMethod } from '../../../engine/metrics/index.js';

// Expected scores come from sacrebleu's algorithm run in Python on the same inputs.
const close = (actual: number, expected: number): void =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

describe('corpus BLEU', () => {
  it('scores an empty hypothesis 0 with a zero brevity penalty', () => {
    const score = sentenceBleu('', ['the cat sat']);
    assert.equal(score.score, 0);
    assert.equal(score.bp, 0);
    assert.equal(score.sysLen, 0);
    assert.equal(score.refLen, 3);
    assert.equal(corpusBleu(['', 'the cat'], [['a b', 'the cat']]).score, 0); // only bigrams at most: no 3-grams
  });

  it('scores 0 without any match, whatever the smoothing', () => {
    for (const smoothMethod of ['exp', 'floor', 'add-k', 'none'] as SmoothMethod[]) {
      const score = corpusBleu(['x y z w'], [['a b c d']], { smoothMethod });
      assert.equal(score.score, 0, smoothMethod);
      assert.deepEqual(score.precisions, [0, 0, 0, 0]);
    }
  });

  it('smooths missing higher-order matches as each method says', () => {
    const hyps = ['the cat sat on a mat'];
    const refs = [['the cat is on the mat']];
    assert.equal(corpusBleu(hyps, refs, { smoothMethod: 'none' }).score, 0);
    close(corpusBleu(hyps, refs, { smoothMethod: 'exp' }).score, 19.304869754804482);
    close(corpusBleu(hyps, refs, { smoothMethod: 'floor' }).score, 10.266900960803408);
    close(corpusBleu(hyps, refs, { smoothMethod: 'add-k' }).score, 32.46679154750989);
    close(corpusBleu(hyps, refs, { smoothMethod: 'floor', smoothValue: 0.5 }).score, 22.957488466614336);
    close(corpusBleu(hyps, refs, { smoothMethod: 'add-k', smoothValue: 2 }).score, 44.17918226831576);
    // exp: the first order without matches counts as 1/2 match, the next as 1/4, ...
    assert.deepEqual(corpusBleu(hyps, refs).precisions, [(100 * 4) / 6, (100 * 1) / 5, 100 / (2 * 4), 100 / (4 * 3)]);
    // add-k adds k to the counts of orders above 1, and sacrebleu reports them so.
    const addK = corpusBleu(hyps, refs, { smoothMethod: 'add-k' });
    assert.deepEqual(addK.counts, [4, 2, 1, 1]);
    assert.deepEqual(addK.totals, [6, 6, 5, 4]);
  });

  it('uses effective order for sentences, not for corpora, unless asked', () => {
    assert.equal(corpusBleu(['the cat'], [['the cat']]).score, 0);
    close(sentenceBleu('the cat', ['the cat']).score, 100);
    close(corpusBleu(['the cat'], [['the cat']], { effectiveOrder: true }).score, 100);
    assert.match(sentenceBleu('the cat', ['the cat']).signature, /\|eff:yes\|/);
  });

  it('clips by the most generous reference and takes the closest length, the shorter on a tie', () => {
    // Hypothesis length 5, references 2 and 8 long: both 3 away, so 2.
    const score = corpusBleu(['the the the cat sat'], [['the cat'], ['the the dog sat here now x y']]);
    assert.equal(score.refLen, 2);
    assert.deepEqual(score.counts, [4, 2, 0, 0]);
    assert.deepEqual(score.totals, [5, 4, 3, 2]);
    close(score.score, 30.213753973567677);
    assert.equal(sentenceBleu('the the the cat sat', ['the cat', 'the the dog sat here now x y']).refLen, 2);
  });

  it('sums statistics over sentences rather than averaging sentence scores', () => {
    const hyps = ['the cat sat on the mat', 'a dog barked', 'hello'];
    const refs = [['the cat sat on a mat', 'the dog barked loudly', 'hello there']];
    close(corpusBleu(hyps, refs).score, 40.680733257903356);
  });

  it('lower-cases when asked, and says so in the signature', () => {
    const hyps = ['The Cat sat on the Mat'];
    const refs = [['the cat sat on the mat']];
    assert.ok(corpusBleu(hyps, refs).score < 50);
    const lowercased = corpusBleu(hyps, refs, { lowercase: true });
    close(lowercased.score, 100.00000000000004); // sic: sacrebleu's floating point
    assert.equal(lowercased.signature, 'nrefs:1|case:lc|eff:no|tok:13a|smooth:exp|impl:mtlab|version:2.6.0');
  });

  it('tokenizes non-Latin punctuation with intl but not with 13a', () => {
    const hyps = ['東京は大きい。「はい」'];
    const refs = [['東京は大きい。「いいえ」']];
    close(corpusBleu(hyps, refs, { tokenize: 'intl' }).score, 42.72870063962342);
    assert.equal(corpusBleu(hyps, refs, { tokenize: '13a' }).score, 0);
    assert.ok(corpusBleu(hyps, refs, { tokenize: 'char' }).score > 50);
  });

  it('writes sacrebleu signatures and its text line', () => {
    const hyps = ['the cat sat on a mat'];
    const refs = [['the cat is on the mat'], ['a cat sat on the mat']];
    assert.equal(
      corpusBleu(hyps, refs).signature,
      'nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|impl:mtlab|version:2.6.0',
    );
    assert.match(corpusBleu(hyps, refs, { smoothMethod: 'floor' }).signature, /\|smooth:floor\[0\.10\]\|/);
    assert.match(corpusBleu(hyps, refs, { smoothMethod: 'floor', smoothValue: 0.01 }).signature, /floor\[0\.01\]/);
    assert.match(corpusBleu(hyps, refs, { smoothMethod: 'add-k' }).signature, /\|smooth:add-k\[1\.00\]\|/);
    assert.match(
      corpusBleu(hyps, refs, { smoothMethod: 'none', tokenize: 'none' }).signature,
      /tok:none\|smooth:none\|/,
    );
    assert.equal(
      formatBleuScore(corpusBleu(['The dog bit the man.'], [['The dog bit the man.']])),
      'BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|impl:mtlab|version:2.6.0 = 100.0 100.0/100.0/100.0/100.0 ' +
        '(BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)',
    );
  });

  it('rejects reference streams of the wrong length, no references and unknown settings', () => {
    assert.throws(
      () => corpusBleu(['a', 'b'], [['a']]),
      (e: unknown) => e instanceof LabError && /stream 1 has 1/.test(e.message),
    );
    assert.throws(() => corpusBleu(['a'], []), LabError);
    assert.throws(() => corpusBleu([], [[]]), LabError);
    assert.throws(() => sentenceBleu('a', []), LabError);
    assert.throws(() => corpusBleu(['a'], [['a']], { smoothMethod: 'magic' as SmoothMethod }), LabError);
    assert.throws(() => corpusBleu(['a'], [['a']], { maxNgramOrder: 0 }), LabError);
  });
});
