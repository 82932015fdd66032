// chrF (Popović, 2015) and chrF++ (Popović, 2017) exactly as sacrebleu 2.x computes them
// (sacrebleu/metrics/chrf.py): character n-gram F-beta averaged over orders 1..charOrder, plus word n-grams of
// orders 1..wordOrder for chrF++; per segment the reference with the best F-score is kept, and corpus chrF is
// the F-score of the summed statistics.
import { LabError } from '../errors.js';
import { checkStreams } from './bleu.js';
import { charNgrams, type NgramCounts, ngramsOfOrder, totalCount } from './ngrams.js';
import { formatFixed, splitWhitespace } from './python-strings.js';
import { formatSignature } from './signature.js';

export interface ChrfOptions {
  /** Character n-gram order, default 6. */
  charOrder?: number;
  /** Word n-gram order, default 0 (chrF); 2 gives chrF++. */
  wordOrder?: number;
  /** Weight of recall relative to precision, default 2. */
  beta?: number;
  /** Lower-case hypotheses and references first. Default false. */
  lowercase?: boolean;
  /** Keep whitespace in character n-grams. Default false: whitespace is removed first. */
  whitespace?: boolean;
  /**
   * Epsilon smoothing as in chrF++.py, NLTK and Moses (every order counts, empty ones as 1e-16). Default false,
   * sacrebleu's default: orders without hypothesis or reference n-grams are left out (`eff:yes`).
   */
  epsSmoothing?: boolean;
}

export interface ChrfScore {
  /** `chrF2`, or `chrF2++` with word order 2 (one `+` per word order), as sacrebleu names it. */
  name: string;
  /** 0–100, unrounded. */
  score: number;
  charOrder: number;
  wordOrder: number;
  beta: number;
  /** e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|impl:mtlab|version:2.6.0`. */
  signature: string;
}

/** One segment's statistics: `[hyp, ref, match]` counts per order, character orders first, then word orders. */
export type ChrfStats = number[];

// string.punctuation, which chrF++ splits off the start or end of a word.
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

const EPSILON = 1e-16;

interface ResolvedChrfOptions {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  whitespace: boolean;
  epsSmoothing: boolean;
}

/** A configured chrF metric, like sacrebleu's `CHRF` object. */
export class Chrf {
  readonly options: ResolvedChrfOptions;

  constructor(options: ChrfOptions = {}) {
    const charOrder = options.charOrder ?? 6;
    const wordOrder = options.wordOrder ?? 0;
    const beta = options.beta ?? 2;
    if (!Number.isInteger(charOrder) || charOrder < 0) {
      throw new LabError('invalid-request', `chrF character order must be a whole number ≥ 0, got ${charOrder}`);
    }
    if (!Number.isInteger(wordOrder) || wordOrder < 0) {
      throw new LabError('invalid-request', `chrF word order must be a whole number ≥ 0, got ${wordOrder}`);
    }
    if (charOrder + wordOrder === 0) throw new LabError('invalid-request', 'chrF needs a character or word order');
    if (!Number.isFinite(beta)) throw new LabError('invalid-request', `chrF beta must be a number, got ${beta}`);
    this.options = {
      charOrder,
      wordOrder,
      beta,
      lowercase: options.lowercase ?? false,
      whitespace: options.whitespace ?? false,
      epsSmoothing: options.epsSmoothing ?? false,
    };
  }

  get name(): string {
    return `chrF${this.options.beta}${'+'.repeat(this.options.wordOrder)}`;
  }

  /** Character n-grams of orders 1..charOrder, then word n-grams of orders 1..wordOrder. */
  ngrams(line: string): NgramCounts {
    const text = this.options.lowercase ? line.toLowerCase() : line;
    const counts = charNgrams(text, this.options.charOrder, this.options.whitespace);
    if (this.options.wordOrder > 0) {
      const words = splitPunctuation(text);
      for (let n = 1; n <= this.options.wordOrder; n++) counts.push(ngramsOfOrder(words, n, ' '));
    }
    return counts;
  }

  /** Statistics of one hypothesis against the reference (of one or more) that gives it the best F-score. */
  segmentStats(hypothesis: string, references: readonly string[]): ChrfStats {
    if (references.length === 0) throw new LabError('invalid-request', 'chrF needs at least one reference');
    const hypothesisNgrams = this.ngrams(hypothesis);
    let best: ChrfStats = [];
    let bestFScore = -1;
    for (const reference of references) {
      const referenceNgrams = this.ngrams(reference);
      const stats: ChrfStats = [];
      for (let i = 0; i < hypothesisNgrams.length; i++) {
        stats.push(...matchStatistics(hypothesisNgrams[i]!, referenceNgrams[i]!));
      }
      const fScore = this.fScore(stats);
      if (fScore > bestFScore) {
        bestFScore = fScore;
        best = stats;
      }
    }
    return best;
  }

  /** sacrebleu's `CHRF._compute_f_score`: the score (0–100) of summed statistics. */
  fScore(stats: readonly number[]): number {
    const order = this.options.charOrder + this.options.wordOrder;
    const factor = this.options.beta ** 2;
    let score = 0;
    let effectiveOrder = 0;
    let averagePrecision = 0;
    let averageRecall = 0;
    for (let i = 0; i < order; i++) {
      const hypothesisCount = stats[3 * i]!;
      const referenceCount = stats[3 * i + 1]!;
      const matchCount = stats[3 * i + 2]!;
      // chrF++.py style epsilon smoothing (also used by Moses and NLTK).
      const precision = hypothesisCount > 0 ? matchCount / hypothesisCount : EPSILON;
      const recall = referenceCount > 0 ? matchCount / referenceCount : EPSILON;
      const denominator = factor * precision + recall;
      score += denominator > 0 ? ((1 + factor) * precision * recall) / denominator : EPSILON;
      // sacrebleu < 2.0 style effective order: leave out orders that one side does not have.
      if (hypothesisCount > 0 && referenceCount > 0) {
        averagePrecision += precision;
        averageRecall += recall;
        effectiveOrder++;
      }
    }
    if (this.options.epsSmoothing) return (100 * score) / order;
    if (effectiveOrder === 0) return 0;
    averagePrecision /= effectiveOrder;
    averageRecall /= effectiveOrder;
    if (averagePrecision + averageRecall === 0) return 0;
    // Same operation order as sacrebleu, so that the last bits agree too.
    const fScore = ((1 + factor) * averagePrecision * averageRecall) / (factor * averagePrecision + averageRecall);
    return 100 * fScore;
  }

  scoreFromStats(stats: readonly number[], references: number): ChrfScore {
    const { charOrder, wordOrder, beta } = this.options;
    return {
      name: this.name,
      score: this.fScore(stats),
      charOrder,
      wordOrder,
      beta,
      signature: this.signature(references),
    };
  }

  /** Corpus chrF: `references[k][i]` is the k-th reference for `hypotheses[i]`. */
  corpusScore(hypotheses: readonly string[], references: readonly (readonly string[])[]): ChrfScore {
    checkStreams(hypotheses, references);
    const stats = new Array<number>(3 * (this.options.charOrder + this.options.wordOrder)).fill(0);
    for (let i = 0; i < hypotheses.length; i++) {
      const segment = this.segmentStats(
        hypotheses[i]!,
        references.map((stream) => stream[i]!),
      );
      for (let k = 0; k < stats.length; k++) stats[k]! += segment[k]!;
    }
    return this.scoreFromStats(stats, references.length);
  }

  signature(references: number): string {
    return formatSignature(references, [
      ['case', this.options.lowercase ? 'lc' : 'mixed'],
      ['eff', this.options.epsSmoothing ? 'no' : 'yes'],
      ['nc', this.options.charOrder],
      ['nw', this.options.wordOrder],
      ['space', this.options.whitespace ? 'yes' : 'no'],
    ]);
  }
}

/** Corpus chrF (chrF++ with `wordOrder: 2`), like `sacrebleu.corpus_chrf`. */
export function corpusChrf(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: ChrfOptions = {},
): ChrfScore {
  return new Chrf(options).corpusScore(hypotheses, references);
}

/** Sentence chrF against one or more references, like `sacrebleu.sentence_chrf`. */
export function sentenceChrf(hypothesis: string, references: readonly string[], options: ChrfOptions = {}): ChrfScore {
  return new Chrf(options).corpusScore(
    [hypothesis],
    references.map((reference) => [reference]),
  );
}

/** `[hypothesis n-grams, reference n-grams, matches]` for one order; no hypothesis count without a reference. */
function matchStatistics(hypothesis: Map<string, number>, reference: Map<string, number>): [number, number, number] {
  let matchCount = 0;
  let hypothesisCount = 0;
  for (const [ngram, count] of hypothesis) {
    hypothesisCount += count;
    const referenceCount = reference.get(ngram);
    if (referenceCount !== undefined) matchCount += Math.min(count, referenceCount);
  }
  return [reference.size > 0 ? hypothesisCount : 0, totalCount(reference), matchCount];
}

/**
 * chrF++'s word split (after github.com/m-popovic/chrF): whitespace-separated words, with one punctuation mark
 * split off the end of a word, or else off its start. As in sacrebleu, '(hi)' becomes '(hi' and ')'.
 */
export function splitPunctuation(sentence: string): string[] {
  const words: string[] = [];
  for (const word of splitWhitespace(sentence)) {
    // A one-character word stays whole. (A character outside the BMP is two UTF-16 units, but neither is
    // punctuation, so it also reaches the last branch unchanged.)
    if (word.length === 1) words.push(word);
    else if (PUNCTUATION.has(word[word.length - 1]!)) words.push(word.slice(0, -1), word[word.length - 1]!);
    else if (PUNCTUATION.has(word[0]!)) words.push(word[0]!, word.slice(1));
    else words.push(word);
  }
  return words;
}

/** sacrebleu's text line, e.g. `chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|impl:mtlab|version:2.6.0 = 59.7`. */
export function formatChrfScore(score: ChrfScore, width = 1): string {
  return `${score.name}|${score.signature} = ${formatFixed(score.score, width)}`;
}
