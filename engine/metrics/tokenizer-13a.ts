// The `13a` tokenizer of sacrebleu (sacrebleu/tokenizers/tokenizer_13a.py + tokenizer_re.py), itself a copy of
// the tokenization in mteval-v13a.pl that WMT used: unescape a few XML entities, then put spaces around
// punctuation and symbols, except periods and commas between digits and dashes not preceded by a digit.
import { splitWhitespace } from './python-strings.js';

const POST_TOKENIZER_RULES: readonly [RegExp, string][] = [
  // Language-dependent part (assuming Western languages): the ASCII ranges { to ~, [ to `, space to &,
  // ( to +, : to @, and /.
  [/([{-~[-` -&(-+:-@/])/g, ' $1 '],
  // Tokenize period and comma unless preceded by a digit.
  [/([^0-9])([.,])/g, '$1 $2 '],
  // Tokenize period and comma unless followed by a digit.
  [/([.,])([^0-9])/g, ' $1 $2'],
  // Tokenize dash when preceded by a digit.
  [/([0-9])(-)/g, '$1 $2 '],
];

export function tokenize13a(line: string): string {
  // Language-independent part.
  let text = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (text.includes('&')) {
    text = text.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  text = ` ${text} `;
  for (const [pattern, replacement] of POST_TOKENIZER_RULES) text = text.replace(pattern, replacement);
  // No leading or trailing spaces, one space between words.
  return splitWhitespace(text).join(' ');
}
