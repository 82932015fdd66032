// Evaluation metrics: BLEU and chrF as sacrebleu 2.x computes them, perplexity, token and sequence accuracy,
// BLEU by source length, and the alignment quality of attention weights.
export {
  Bleu,
  type BleuOptions,
  type BleuScore,
  type BleuStats,
  computeBleu,
  corpusBleu,
  formatBleuScore,
  MAX_NGRAM_ORDER,
  sentenceBleu,
  SMOOTH_DEFAULTS,
  type SmoothMethod,
} from './bleu.js';
export {
  Chrf,
  type ChrfOptions,
  type ChrfScore,
  type ChrfStats,
  corpusChrf,
  formatChrfScore,
  sentenceChrf,
} from './chrf.js';
export { BLEU_TOKENIZER_NAMES, type BleuTokenizerName, bleuTokenizer, isBleuTokenizerName } from './tokenizers.js';
export { tokenize13a } from './tokenizer-13a.js';
export { tokenizeIntl } from './tokenizer-intl.js';
export { tokenizeChar } from './tokenizer-char.js';
export { SACREBLEU_VERSION } from './signature.js';
export { perplexity } from './perplexity.js';
export { type Accuracy, exactMatch, sequenceAccuracy, type TokenComparison, tokenAccuracy } from './accuracy.js';
export {
  type BleuLengthBucket,
  bleuByLength,
  DEFAULT_LENGTH_BUCKET_EDGES,
  lengthBucketEdges,
  type LengthBucketItem,
} from './length-buckets.js';
export {
  type AlignmentCounts,
  alignmentCounts,
  alignmentErrorRate,
  type AlignmentLink,
  type AlignmentScores,
  alignmentScores,
  argmaxAlignment,
  type AttentionWeights,
  type GoldAlignment,
  parseAlignment,
  sumAlignmentCounts,
} from './alignment.js';
