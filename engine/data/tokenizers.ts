/** Making, saving and loading a dataset's source and target tokenizers. */
import type { TokenizerKind } from '../contract/api.js';
import { LabError } from '../errors.js';
import type { Store } from '../store/store.js';
import { BpeTokenizer, learnBpe } from './bpe.js';
import { CharTokenizer } from './char-tokenizer.js';
import type { Tokenizer, TokenizerJson, TokenizerPair, TokenizerState } from './tokenizer.js';
import { WordTokenizer } from './word-tokenizer.js';

export const TOKENIZER_KINDS: readonly TokenizerKind[] = ['word', 'char', 'bpe'];

/** Merges learned per side when an import asks for BPE without saying how many. */
export const DEFAULT_BPE_MERGES = 2000;

export function tokenizerFromJSON(json: TokenizerJson): Tokenizer {
  switch (json.kind) {
    case 'word':
      return new WordTokenizer();
    case 'char':
      return new CharTokenizer();
    case 'bpe':
      if (!Array.isArray(json.merges)) throw new LabError('invalid-data', 'BPE tokenizer state has no merges');
      return new BpeTokenizer(json.merges);
    default:
      throw new LabError('invalid-data', `unknown tokenizer kind ${JSON.stringify((json as { kind: unknown }).kind)}`);
  }
}

export function tokenizerState(pair: TokenizerPair): TokenizerState {
  return { version: 1, source: pair.source.toJSON(), target: pair.target.toJSON() };
}

export function tokenizersFromState(kind: TokenizerKind, state: unknown): TokenizerPair {
  if (state === null || state === undefined) {
    if (kind === 'bpe') throw new LabError('invalid-data', 'a BPE dataset has no stored merges');
    return { source: tokenizerFromJSON({ kind }), target: tokenizerFromJSON({ kind }) };
  }
  const s = state as Partial<TokenizerState>;
  if (s.source === undefined || s.target === undefined) {
    throw new LabError('invalid-data', 'the stored tokenizer state lacks its source or target side');
  }
  return { source: tokenizerFromJSON(s.source), target: tokenizerFromJSON(s.target) };
}

/**
 * Tokenizers for new data of the given kind; BPE learns `bpeMerges` merges per side from the training pairs
 * (source and target separately).
 */
export function createTokenizers(
  kind: TokenizerKind,
  train: readonly { source: string; target: string }[],
  bpeMerges = DEFAULT_BPE_MERGES,
): TokenizerPair {
  if (kind !== 'bpe') return { source: tokenizerFromJSON({ kind }), target: tokenizerFromJSON({ kind }) };
  return {
    source: new BpeTokenizer(
      learnBpe(
        train.map((p) => p.source),
        bpeMerges,
      ),
    ),
    target: new BpeTokenizer(
      learnBpe(
        train.map((p) => p.target),
        bpeMerges,
      ),
    ),
  };
}

/** The tokenizers a stored dataset was made with (what the trainer and translator use). */
export function loadTokenizers(store: Store, datasetName: string): TokenizerPair {
  const dataset = store.getDataset(datasetName);
  return tokenizersFromState(dataset.tokenizer, store.datasetTokenizerState(datasetName));
}
