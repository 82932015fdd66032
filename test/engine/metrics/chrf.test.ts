import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corpusChrf, formatChrfScore, sentenceChrf } from '../../../engine/metrics/index.js';
import { splitPunctuation } from '../../../engine/metrics/chrf.js';

// Expected scores come from sacrebleu's algorithm run in Python on the same inputs.
const close = (actual: number, expected: number): void =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

describe('chrF and chrF++', () => {
  it('adds word unigrams and bigrams with word order 2 (chrF++)', () => {
    const score = sentenceChrf('The cat sat on the mat.', ['The cat sat on a mat.'], { wordOrder: 2 });
    close(score.score, 72.65910428863748);
    assert.equal(score.name, 'chrF2++');
    assert.equal(score.signature, 'nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|impl:mtlab|version:2.6.0');
    close(sentenceChrf('(hi) there!', ['(hi) there.'], { wordOrder: 2 }).score, 82.13789682539682);
  });

  it("splits one punctuation mark off a word's end, or else its start", () => {
    assert.deepEqual(splitPunctuation('(hi) there! "quoted a'), ['(hi', ')', 'there', '!', '"', 'quoted', 'a']);
    assert.deepEqual(splitPunctuation('. 😀 😀.'), ['.', '😀', '😀', '.']);
  });

  it('keeps the best reference per sentence', () => {
    const hyps = ['The cat sat on the mat.', 'A dog.'];
    const refs = [
      ['The cat sat on a mat.', 'The dog.'],
      ['A cat sat on the mat.', 'A dog!'],
    ];
    close(corpusChrf(hyps, refs, { wordOrder: 2 }).score, 84.02604917906746);
    assert.equal(sentenceChrf('a dog', ['the cat', 'a dog']).score, 100);
  });

  it('ignores whitespace unless asked', () => {
    assert.equal(sentenceChrf('the cat sat', ['thecat sat']).score, 100);
    close(sentenceChrf('the cat sat', ['thecat sat'], { whitespace: true }).score, 66.77015171424411);
    assert.match(sentenceChrf('a', ['a'], { whitespace: true }).signature, /\|space:yes\|/);
  });

  it('lower-cases when asked', () => {
    assert.equal(sentenceChrf('THE CAT', ['the cat']).score, 0);
    assert.equal(sentenceChrf('THE CAT', ['the cat'], { lowercase: true }).score, 100);
  });

  it('scores an empty hypothesis 0 with either smoothing', () => {
    assert.equal(sentenceChrf('', ['the cat']).score, 0);
    assert.equal(sentenceChrf('', ['the cat'], { epsSmoothing: true }).score, 0);
    assert.match(sentenceChrf('', ['x'], { epsSmoothing: true }).signature, /\|eff:no\|/);
  });

  it("prints sacrebleu's line", () => {
    assert.equal(
      formatChrfScore(corpusChrf(['the cat'], [['the cat']], { beta: 3 })),
      'chrF3|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|impl:mtlab|version:2.6.0 = 100.0',
    );
  });
});
