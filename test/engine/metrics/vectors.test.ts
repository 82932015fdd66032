// Every vector of ../shared/data/metric-vectors.json: inputs and scores asserted by sacrebleu's own test suite
// (or computed with sacrebleu 2.6.0), each with its settings in `params` and its allowed error in `tolerance`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
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
import { sharedData } from '../../helpers/paths.js';

interface MetricVector {
  id: number;
  metric: 'corpus_bleu' | 'corpus_bleu_raw' | 'sentence_bleu' | 'sentence_chrf' | 'corpus_chrf';
  hyps: string[];
  refs: string[][];
  params: Record<string, string | number | boolean | null>;
  call: string;
  expected: number;
  tolerance: number;
  scale: string;
}

const file = path.join(sharedData, 'metric-vectors.json');
const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: MetricVector[] }).vectors;

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
  it('has the 17 vectors the data README promises', () => {
    assert.equal(vectors.length, 17);
  });

  for (const vector of vectors) {
    it(`vector ${vector.id}: ${vector.call}`, () => {
      const result = score(vector);
      const value = vector.scale.startsWith('0-1 ') ? result.score / 100 : result.score;
      assert.ok(
        Math.abs(value - vector.expected) <= vector.tolerance,
        `got ${value}, expected ${vector.expected} ± ${vector.tolerance}`,
      );
    });
  }
});
