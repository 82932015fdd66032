/**
 * From stored text to what batching takes: tokenize with the dataset's tokenizers, build the source and target
 * vocabularies from the training split, and map each split to `EncodedPair`s (ids without specials).
 */
import type { DataConfig, Split } from '../contract/api.js';
import type { Store, StoredPair } from '../store/store.js';
import type { EncodedPair } from './batch.js';
import type { TokenizerPair } from './tokenizer.js';
import { loadTokenizers } from './tokenizers.js';
import { Vocab, type VocabOptions } from './vocab.js';

export interface Vocabularies {
  source: Vocab;
  target: Vocab;
}

interface TextPair {
  source: string;
  target: string;
}

export function buildVocabularies(
  train: readonly TextPair[],
  tokenizers: TokenizerPair,
  options: VocabOptions = {},
): Vocabularies {
  return {
    source: Vocab.build(
      train.map((p) => tokenizers.source.tokenize(p.source)),
      options,
    ),
    target: Vocab.build(
      train.map((p) => tokenizers.target.tokenize(p.target)),
      options,
    ),
  };
}

/**
 * Encode a split. `index` is the pair's position in `pairs`. With `maxLength` > 0, pairs with more tokens than
 * that on either side are left out (the indexes of the others do not change).
 */
export function encodePairs(
  pairs: readonly TextPair[],
  tokenizers: TokenizerPair,
  vocabularies: Vocabularies,
  maxLength = 0,
): EncodedPair[] {
  const out: EncodedPair[] = [];
  pairs.forEach((pair, index) => {
    const source = tokenizers.source.tokenize(pair.source);
    const target = tokenizers.target.tokenize(pair.target);
    if (maxLength > 0 && (source.length > maxLength || target.length > maxLength)) return;
    out.push({ source: vocabularies.source.encode(source), target: vocabularies.target.encode(target), index });
  });
  return out;
}

export interface PreparedData {
  tokenizers: TokenizerPair;
  vocabularies: Vocabularies;
  /** The stored pairs of each split (text and gold alignment), indexed as `EncodedPair.index` refers to them. */
  text: Record<Split, StoredPair[]>;
  /** Training pairs longer than `maxLength` are left out; validation and test pairs never are. */
  encoded: Record<Split, EncodedPair[]>;
}

/** Everything a run needs from its dataset, as its `DataConfig` asks. */
export function prepareData(store: Store, config: DataConfig): PreparedData {
  const tokenizers = loadTokenizers(store, config.dataset);
  const text = {
    train: store.datasetPairs(config.dataset, 'train'),
    valid: store.datasetPairs(config.dataset, 'valid'),
    test: store.datasetPairs(config.dataset, 'test'),
  };
  const vocabularies = buildVocabularies(text.train, tokenizers, { minFreq: config.minFreq, maxSize: config.maxVocab });
  return {
    tokenizers,
    vocabularies,
    text,
    encoded: {
      train: encodePairs(text.train, tokenizers, vocabularies, config.maxLength),
      valid: encodePairs(text.valid, tokenizers, vocabularies),
      test: encodePairs(text.test, tokenizers, vocabularies),
    },
  };
}
