// The `intl` tokenizer of sacrebleu (sacrebleu/tokenizers/tokenizer_intl.py), after mteval-v14.pl's
// international tokenization: split off Unicode punctuation (\p{P}) unless it sits between digits, and every
// Unicode symbol (\p{S}). As in mteval-v14 (and unlike 13a), a number followed by a final period keeps the
// period, because the line is not padded with spaces first.
import { splitWhitespace } from './python-strings.js';

const INTL_RULES: readonly [RegExp, string][] = [
  // Separate out punctuation preceded by a non-digit.
  [/(\P{N})(\p{P})/gu, '$1 $2 '],
  // Separate out punctuation followed by a non-digit.
  [/(\p{P})(\P{N})/gu, ' $1 $2'],
  // Separate out symbols.
  [/(\p{S})/gu, ' $1 '],
];

export function tokenizeIntl(line: string): string {
  let text = line;
  for (const [pattern, replacement] of INTL_RULES) text = text.replace(pattern, replacement);
  return splitWhitespace(text).join(' ');
}
