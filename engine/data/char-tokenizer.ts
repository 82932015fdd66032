/** Character tokenizer: one token per code point, spaces included (shown as "␣"). */
import type { Tokenizer, TokenizerJson } from './tokenizer.js';

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;

  tokenize(text: string): string[] {
    return Array.from(text);
  }

  detokenize(tokens: readonly string[]): string {
    return tokens.join('');
  }

  display(token: string): string {
    return token === ' ' ? '\u2423' : token;
  }

  toJSON(): TokenizerJson {
    return { kind: 'char' };
  }
}
