/**
 * One interface for the three tokenizers (word, char, BPE). A dataset chooses its kind at import or generation
 * time; BPE learns its merges on the training split, and the learned state is stored with the dataset so the
 * trainer, the translator and exported bundles all cut text the same way.
 */
import type { TokenizerKind } from '../contract/api.js';

export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** Text (normalised as on import) to tokens. */
  tokenize(text: string): string[];
  /** Tokens back to text: `detokenize(tokenize(text)) === text` for normalised text. */
  detokenize(tokens: readonly string[]): string;
  /** A short label for a token in tables and attention heatmaps (markers removed). */
  display(token: string): string;
  toJSON(): TokenizerJson;
}

export type TokenizerJson = { kind: 'word' } | { kind: 'char' } | { kind: 'bpe'; merges: [string, string][] };

export interface TokenizerPair {
  source: Tokenizer;
  target: Tokenizer;
}

/** What `datasets.tokenizer_state` holds. */
export interface TokenizerState {
  version: 1;
  source: TokenizerJson;
  target: TokenizerJson;
}
