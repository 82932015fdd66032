// BLEU (Papineni et al., 2002) exactly as sacrebleu 2.x computes it (sacrebleu/metrics/bleu.py): n-gram
// precisions clipped by the most generous reference, the brevity penalty against the closest reference length,
// the smoothing methods of Chen & Cherry (2014), optional effective order, and sacrebleu's signature.
import { LabError } from '../errors.js';
import { exactExp, exactLog } from './exact-math.js';
import { type NgramCounts, wordNgrams } from './ngrams.js';
import { formatFixed, rstrip, splitWhitespace } from './python-strings.js';
import { formatSignature } from './signature.js';
import { type BleuTokenizerName, bleuTokenizer, isBleuTokenizerName, type Tokenizer } from './tokenizers.js';

export type SmoothMethod = 'exp' | 'floor' | 'add-k' | 'none';

/**
 * Default smoothing values (Chen & Cherry 2014): `floor` is method 1, `add-k` method 2, `exp` method 3 (the NIST
 * smoothing of mteval-v13a.pl); `exp` and `none` take no value.
 */
export const SMOOTH_DEFAULTS: Readonly<Record<SmoothMethod, number | null>> = {
  none: null,
  floor: 0.1,
  'add-k': 1,
  exp: null,
};

export const MAX_NGRAM_ORDER = 4;

export interface BleuOptions {
  /** Default '13a', sacrebleu's default. Use 'none' for text that is already tokenized. */
  tokenize?: BleuTokenizerName;
  /** Lower-case hypotheses and references first (`case:lc` in the signature). Default false. */
  lowercase?: boolean;
  /** Default 'exp'. */
  smoothMethod?: SmoothMethod;
  /** For `floor` and `add-k`; null or absent takes the value in SMOOTH_DEFAULTS. */
  smoothValue?: number | null;
  /** Default 4. */
  maxNgramOrder?: number;
  /**
   * Average only over the n-gram orders the hypotheses have (and stop at the first without any), so that short
   * sentences are not scored 0. Default false for corpus BLEU and true for sentence BLEU, as in sacrebleu.
   */
  effectiveOrder?: boolean;
}

export interface BleuScore {
  name: 'BLEU';
  /** 0–100, unrounded. */
  score: number;
  /** Matched n-grams per order (with `add-k`, including the added k for orders above 1, as sacrebleu). */
  counts: number[];
  /** Hypothesis n-grams per order (likewise). */
  totals: number[];
  /** Smoothed precisions per order, 0–100. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** Total hypothesis length in tokens. */
  sysLen: number;
  /** Total length of the closest references in tokens. */
  refLen: number;
  /** sysLen / refLen (0 when refLen is 0). */
  ratio: number;
  /** sacrebleu's signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|impl:mtlab|version:2.6.0`. */
  signature: string;
}

/**
 * One segment's sufficient statistics, as sacrebleu lays them out: `[hypLen, refLen, correct_1..N, total_1..N]`.
 * Corpus BLEU sums them over segments, so any subset of a corpus can be scored without re-tokenizing.
 */
export type BleuStats = number[];

interface ResolvedBleuOptions {
  tokenize: BleuTokenizerName;
  lowercase: boolean;
  smoothMethod: SmoothMethod;
  smoothValue: number | null;
  maxNgramOrder: number;
  effectiveOrder: boolean;
}

/** A configured BLEU metric, like sacrebleu's `BLEU` object. */
export class Bleu {
  readonly options: ResolvedBleuOptions;
  private readonly tokenizer: Tokenizer;

  constructor(options: BleuOptions = {}) {
    const tokenize = options.tokenize ?? '13a';
    if (!isBleuTokenizerName(tokenize)) {
      throw new LabError('invalid-request', `unknown BLEU tokenizer "${String(tokenize)}" (13a, intl, char, none)`);
    }
    const smoothMethod = options.smoothMethod ?? 'exp';
    if (!Object.hasOwn(SMOOTH_DEFAULTS, smoothMethod)) {
      throw new LabError('invalid-request', `unknown smoothing method "${smoothMethod}" (exp, floor, add-k, none)`);
    }
    const smoothValue = options.smoothValue ?? null;
    if (smoothValue !== null && !Number.isFinite(smoothValue)) {
      throw new LabError('invalid-request', `smoothing value must be a finite number, got ${smoothValue}`);
    }
    const maxNgramOrder = options.maxNgramOrder ?? MAX_NGRAM_ORDER;
    if (!Number.isInteger(maxNgramOrder) || maxNgramOrder < 1) {
      throw new LabError('invalid-request', `maximum n-gram order must be a whole number ≥ 1, got ${maxNgramOrder}`);
    }
    this.options = {
      tokenize,
      lowercase: options.lowercase ?? false,
      smoothMethod,
      smoothValue,
      maxNgramOrder,
      effectiveOrder: options.effectiveOrder ?? false,
    };
    this.tokenizer = bleuTokenizer(tokenize);
  }

  /** Lower-case (optionally) and tokenize one line into tokens. */
  tokens(line: string): string[] {
    const text = this.options.lowercase ? line.toLowerCase() : line;
    return splitWhitespace(this.tokenizer(rstrip(text)));
  }

  /** Statistics of one hypothesis against its references (at least one). */
  segmentStats(hypothesis: string, references: readonly string[]): BleuStats {
    const order = this.options.maxNgramOrder;
    let referenceNgrams: NgramCounts | null = null;
    const referenceLengths: number[] = [];
    for (const reference of references) {
      const tokens = this.tokens(reference);
      referenceLengths.push(tokens.length);
      const ngrams = wordNgrams(tokens, order);
      if (referenceNgrams === null) referenceNgrams = ngrams;
      else {
        // Clip by the reference that has the most of each n-gram.
        for (let n = 0; n < order; n++) {
          const merged = referenceNgrams[n]!;
          for (const [ngram, count] of ngrams[n]!) if (count > (merged.get(ngram) ?? 0)) merged.set(ngram, count);
        }
      }
    }
    if (referenceNgrams === null) throw new LabError('invalid-request', 'BLEU needs at least one reference');

    const hypothesisTokens = this.tokens(hypothesis);
    const hypothesisNgrams = wordNgrams(hypothesisTokens, order);
    const correct = new Array<number>(order).fill(0);
    const total = new Array<number>(order).fill(0);
    for (let n = 0; n < order; n++) {
      const reference = referenceNgrams[n]!;
      for (const [ngram, count] of hypothesisNgrams[n]!) {
        total[n]! += count;
        const referenceCount = reference.get(ngram);
        if (referenceCount !== undefined) correct[n]! += Math.min(count, referenceCount);
      }
    }
    const hypothesisLength = hypothesisTokens.length;
    return [hypothesisLength, closestReferenceLength(hypothesisLength, referenceLengths), ...correct, ...total];
  }

  /** The score of summed statistics; `references` is the number of reference streams (for the signature). */
  scoreFromStats(stats: readonly number[], references: number): BleuScore {
    const order = this.options.maxNgramOrder;
    const result = computeBleu({
      correct: stats.slice(2, 2 + order),
      total: stats.slice(2 + order, 2 + 2 * order),
      sysLen: stats[0]!,
      refLen: stats[1]!,
      smoothMethod: this.options.smoothMethod,
      smoothValue: this.options.smoothValue,
      effectiveOrder: this.options.effectiveOrder,
      maxNgramOrder: order,
    });
    return { ...result, signature: this.signature(references) };
  }

  /** Corpus BLEU: `references[k][i]` is the k-th reference for `hypotheses[i]`. */
  corpusScore(hypotheses: readonly string[], references: readonly (readonly string[])[]): BleuScore {
    checkStreams(hypotheses, references);
    const stats = new Array<number>(2 + 2 * this.options.maxNgramOrder).fill(0);
    for (let i = 0; i < hypotheses.length; i++) {
      const segment = this.segmentStats(
        hypotheses[i]!,
        references.map((stream) => stream[i]!),
      );
      for (let k = 0; k < stats.length; k++) stats[k]! += segment[k]!;
    }
    return this.scoreFromStats(stats, references.length);
  }

  /** sacrebleu's signature for these options and this many reference streams. */
  signature(references: number): string {
    const { smoothMethod, smoothValue } = this.options;
    const smoothDefault = SMOOTH_DEFAULTS[smoothMethod];
    const smooth =
      smoothDefault === null ? smoothMethod : `${smoothMethod}[${formatFixed(smoothValue ?? smoothDefault, 2)}]`;
    return formatSignature(references, [
      ['case', this.options.lowercase ? 'lc' : 'mixed'],
      ['eff', this.options.effectiveOrder ? 'yes' : 'no'],
      ['tok', this.options.tokenize],
      ['smooth', smooth],
    ]);
  }
}

/** Corpus BLEU, like `sacrebleu.corpus_bleu(hypotheses, references, ...)`. */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = {},
): BleuScore {
  return new Bleu(options).corpusScore(hypotheses, references);
}

/** Sentence BLEU against one or more references, like `sacrebleu.sentence_bleu` (effective order by default). */
export function sentenceBleu(hypothesis: string, references: readonly string[], options: BleuOptions = {}): BleuScore {
  const bleu = new Bleu({ ...options, effectiveOrder: options.effectiveOrder ?? true });
  return bleu.corpusScore(
    [hypothesis],
    references.map((reference) => [reference]),
  );
}

/** The reference length closest to the hypothesis length; on a tie, the shorter one. */
export function closestReferenceLength(hypothesisLength: number, referenceLengths: readonly number[]): number {
  let closestDiff = -1;
  let closestLength = -1;
  for (const length of referenceLengths) {
    const diff = Math.abs(hypothesisLength - length);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLength = length;
    } else if (diff === closestDiff && length < closestLength) closestLength = length;
  }
  return closestLength;
}

export interface ComputeBleuInput {
  correct: number[];
  total: number[];
  sysLen: number;
  refLen: number;
  smoothMethod: SmoothMethod;
  smoothValue: number | null;
  effectiveOrder: boolean;
  maxNgramOrder: number;
}

/** sacrebleu's `BLEU.compute_bleu`: BLEU from its sufficient statistics, with smoothing. */
export function computeBleu(input: ComputeBleuInput): Omit<BleuScore, 'signature'> {
  const { sysLen, refLen, smoothMethod, effectiveOrder, maxNgramOrder } = input;
  const smoothValue = input.smoothValue ?? SMOOTH_DEFAULTS[smoothMethod] ?? 0;
  // Copies: add-k smoothing adds k to them, and the result reports them as sacrebleu does.
  const correct = [...input.correct];
  const total = [...input.total];

  const bp = sysLen < refLen ? (sysLen > 0 ? exactExp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxNgramOrder).fill(0);
  const ratio = refLen ? sysLen / refLen : 0;
  const result = { name: 'BLEU' as const, counts: correct, totals: total, precisions, bp, sysLen, refLen, ratio };

  // No matches at all: the score is 0 (sacrebleu issue #141), whatever the smoothing.
  if (!correct.some((count) => count !== 0)) return { ...result, score: 0 };

  let mtevalSmoothing = 1;
  let usedOrder = maxNgramOrder;
  for (let n = 1; n <= maxNgramOrder; n++) {
    if (smoothMethod === 'add-k' && n > 1) {
      correct[n - 1]! += smoothValue;
      total[n - 1]! += smoothValue;
    }
    if (total[n - 1] === 0) break;
    // With effective order, only the orders the hypotheses reach count (a fix for short sentences).
    if (effectiveOrder) usedOrder = n;
    if (correct[n - 1] === 0) {
      if (smoothMethod === 'exp') {
        mtevalSmoothing *= 2;
        precisions[n - 1] = 100 / (mtevalSmoothing * total[n - 1]!);
      } else if (smoothMethod === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / total[n - 1]!;
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]!) / total[n - 1]!;
    }
  }

  let logSum = 0;
  for (let n = 0; n < usedOrder; n++) logSum += flooredLog(precisions[n]!);
  return { ...result, score: bp * exactExp(logSum / usedOrder) };
}

/** sacrebleu's `my_log`: log, with log(0) floored to a very low number instead of -Infinity. */
function flooredLog(value: number): number {
  return value === 0 ? -9999999999 : exactLog(value);
}

/** Check that every reference stream has one line per hypothesis. */
export function checkStreams(hypotheses: readonly string[], references: readonly (readonly string[])[]): void {
  if (hypotheses.length === 0) throw new LabError('invalid-request', 'there are no hypotheses to score');
  if (references.length === 0) throw new LabError('invalid-request', 'at least one reference stream is needed');
  references.forEach((stream, k) => {
    if (stream.length !== hypotheses.length) {
      throw new LabError(
        'invalid-request',
        `reference stream ${k + 1} has ${stream.length} lines but there are ${hypotheses.length} hypotheses`,
      );
    }
  });
}

/**
 * sacrebleu's text line, e.g.
 * `BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|impl:mtlab|version:2.6.0 = 48.5 82.4/50.0/45.5/37.5 (BP = 0.943 …)`.
 * `width` is the number of decimals of the score (sacrebleu's `--width`, default 1).
 */
export function formatBleuScore(score: BleuScore, width = 1): string {
  const precisions = score.precisions.map((p) => formatFixed(p, 1)).join('/');
  return (
    `BLEU|${score.signature} = ${formatFixed(score.score, width)} ${precisions} ` +
    `(BP = ${formatFixed(score.bp, 3)} ratio = ${formatFixed(score.ratio, 3)} ` +
    `hyp_len = ${score.sysLen} ref_len = ${score.refLen})`
  );
}
