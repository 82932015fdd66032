// The BLEU tokenizers by the names sacrebleu gives them (also the `tok:` field of the signature).
import { tokenize13a } from './tokenizer-13a.js';
import { tokenizeChar } from './tokenizer-char.js';
import { tokenizeIntl } from './tokenizer-intl.js';

export type BleuTokenizerName = '13a' | 'intl' | 'char' | 'none';

export const BLEU_TOKENIZER_NAMES: readonly BleuTokenizerName[] = ['13a', 'intl', 'char', 'none'];

/** A tokenizer maps a line to its tokens joined by single spaces (sacrebleu's convention). */
export type Tokenizer = (line: string) => string;

const TOKENIZERS: Record<BleuTokenizerName, Tokenizer> = {
  '13a': tokenize13a,
  intl: tokenizeIntl,
  char: tokenizeChar,
  // For text that is already tokenized: BLEU splits it on whitespace as it is.
  none: (line) => line,
};

export function isBleuTokenizerName(name: string): name is BleuTokenizerName {
  return (BLEU_TOKENIZER_NAMES as readonly string[]).includes(name);
}

export function bleuTokenizer(name: BleuTokenizerName): Tokenizer {
  return TOKENIZERS[name];
}
