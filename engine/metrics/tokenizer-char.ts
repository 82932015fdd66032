// The `char` tokenizer of sacrebleu (sacrebleu/tokenizers/tokenizer_char.py): every character (code point) is a
// token. Whitespace characters become "tokens" too, but vanish when BLEU splits the result on whitespace.
import { codePoints } from './python-strings.js';

export function tokenizeChar(line: string): string {
  return codePoints(line).join(' ');
}
