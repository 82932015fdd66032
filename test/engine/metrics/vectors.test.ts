// Every vector of test/fixtures/metric-vectors.json (written by metric-vectors.py beside it): the inputs of
// sacrebleu's own test suite with the value that suite asserts (`upstream`, with its tolerance), and the score
// sacrebleu 2.6.0 computes for each (`sacrebleu`), which mtlab must reproduce to within rounding.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  type BleuOptions,
  type BleuScore,
  type ChrfOptions,
  type ChrfScore,
  corpusBleu,
  corpusChrf,
  isBleuTokenizerName,
  sentenceBleu,
  sentenceChrf,
  type SmoothMethod,
} from '../../../engine/metrics/index.js';
import { fixture } from '../../helpers/paths.js';

interface MetricVector {
  id: number;
  metric: 'corpus_bleu' | 'corpus_bleu_raw' | 'sentence_bleu' | 'sentence_chrf' | 'corpus_chrf';
  hyps: string[];
  refs: string[][];
  params: Record<string, string | number | boolean | null>;
  upstream: { source: string; value: number; tolerance: number } | null;
  note?: string;
  sacrebleu: number;
  scale: '0-100' | '0-1';
}

const file = JSON.parse(readFileSync(fixture('metric-vectors.json'), 'utf8')) as {
  sacrebleu_version: string;
  vectors: MetricVector[];
};
const vectors = file.vectors;

function bleuOptions(params: MetricVector['params']): BleuOptions {
  const options: BleuOptions = {};
  if (typeof params.tokenize === 'string') {
    const name = params.tokenize.split(' ')[0]!; // "13a (default)"
    assert.ok(isBleuTokenizerName(name), `tokenizer ${name}`);
    options.tokenize = name;
  }
  if (typeof params.smooth_method === 'string') options.smoothMethod = params.smooth_method as SmoothMethod;
  if (typeof params.smooth_value === 'number') options.smoothValue = params.smooth_value;
  if (typeof params.lowercase === 'boolean') options.lowercase = params.lowercase;
  if (typeof params.use_effective_order === 'boolean') options.effectiveOrder = params.use_effective_order;
  if (typeof params.max_ngram_order === 'number') options.maxNgramOrder = params.max_ngram_order;
  return options;
}

function chrfOptions(params: MetricVector['params']): ChrfOptions {
  const options: ChrfOptions = {};
  if (typeof params.char_order === 'number') options.charOrder = params.char_order;
  if (typeof params.word_order === 'number') options.wordOrder = params.word_order;
  if (typeof params.beta === 'number') options.beta = params.beta;
  if (typeof params.eps_smoothing === 'boolean') options.epsSmoothing = params.eps_smoothing;
  if (typeof params.remove_whitespace === 'boolean') options.whitespace = !params.remove_whitespace;
  return options;
}

function score(vector: MetricVector): BleuScore | ChrfScore {
  const { hyps, refs, params } = vector;
  switch (vector.metric) {
    case 'corpus_bleu':
      return corpusBleu(hyps, refs, bleuOptions(params));
    case 'corpus_bleu_raw':
      // sacrebleu.raw_corpus_bleu: no tokenization, floor smoothing, effective order.
      return corpusBleu(hyps, refs, { ...bleuOptions(params), tokenize: 'none', smoothMethod: 'floor' });
    case 'sentence_bleu':
      return sentenceBleu(
        hyps[0]!,
        refs.map((stream) => stream[0]!),
        bleuOptions(params),
      );
    case 'sentence_chrf':
      return sentenceChrf(
        hyps[0]!,
        refs.map((stream) => stream[0]!),
        chrfOptions(params),
      );
    case 'corpus_chrf':
      return corpusChrf(hyps, refs, chrfOptions(params));
  }
}

describe('sacrebleu test vectors', () => {
  it('were computed with sacrebleu 2.6.0, 15 of them with the values its own tests assert', () => {
    assert.equal(file.sacrebleu_version, '2.6.0');
    assert.equal(vectors.length, 21);
    assert.equal(vectors.filter((v) => v.upstream !== null).length, 15);
  });

  for (const vector of vectors) {
    const origin = vector.upstream?.source.replace(/^.*:/, '') ?? vector.note ?? '';
    it(`vector ${vector.id}: ${vector.metric} ${JSON.stringify(vector.params)} (${origin})`, () => {
      const result = score(vector);
      const value = vector.scale === '0-1' ? result.score / 100 : result.score;
      // sacrebleu's own score, to within the rounding of a different order of float operations.
      assert.ok(
        Math.abs(value - vector.sacrebleu) <= 1e-9 * Math.max(1, Math.abs(vector.sacrebleu)),
        `got ${value}, sacrebleu ${file.sacrebleu_version} computes ${vector.sacrebleu}`,
      );
      if (vector.upstream !== null) {
        const { value: asserted, tolerance } = vector.upstream;
        assert.ok(
          Math.abs(value - asserted) <= tolerance,
          `got ${value}, sacrebleu's test asserts ${asserted} ± ${tolerance}`,
        );
      }
    });
  }
});
