/**
 * Word tokenizer: split at spaces, and split punctuation off words, marking with a joiner (U+FFED "￭", as
 * OpenNMT's tokenizer does) every place where two tokens touched without a space, so detokenisation is exact:
 *
 *   "le chat (noir) dort."  →  le  chat  (￭  noir  ￭)  dort  ￭.
 *   "l'homme"               →  l'￭  homme        (an apostrophe inside a word stays with its left part)
 *
 * A token is a run of letters, digits and combining marks, or one other character. The joiner goes on the
 * punctuation side of the join: a leading joiner glues a token to the one before it, a trailing joiner to the
 * one after it.
 */
import { MARKERS } from './normalize.js';
import type { Tokenizer, TokenizerJson } from './tokenizer.js';

const JOINER = MARKERS.joiner;
const PIECE = /[\p{L}\p{N}\p{M}]+(?:['\u2019](?=[\p{L}\p{N}]))?|[^\p{L}\p{N}\p{M}]/gu;
const WORD_START = /^[\p{L}\p{N}\p{M}]/u;

export function stripJoiners(token: string): string {
  if (token.length <= 1) return token;
  let start = 0;
  let end = token.length;
  if (token.startsWith(JOINER)) start = 1;
  if (end - start > 1 && token.endsWith(JOINER)) end -= 1;
  return token.slice(start, end);
}

export class WordTokenizer implements Tokenizer {
  readonly kind = 'word' as const;

  tokenize(text: string): string[] {
    const tokens: string[] = [];
    for (const chunk of text.split(' ')) {
      if (chunk === '') continue;
      let first = true;
      for (const match of chunk.matchAll(PIECE)) {
        const piece = match[0];
        if (first) tokens.push(piece);
        // Punctuation is glued to whatever precedes it ...
        else if (!WORD_START.test(piece)) tokens.push(JOINER + piece);
        else {
          // ... and a word to the punctuation (or the word ending in an apostrophe) before it.
          tokens[tokens.length - 1] += JOINER;
          tokens.push(piece);
        }
        first = false;
      }
    }
    return tokens;
  }

  detokenize(tokens: readonly string[]): string {
    let text = '';
    let glueNext = true;
    for (const token of tokens) {
      const leading = token.length > 1 && token.startsWith(JOINER);
      const trailing = token.length > 1 && token.endsWith(JOINER) && !(leading && token.length === 2);
      if (!glueNext && !leading) text += ' ';
      text += stripJoiners(token);
      glueNext = trailing;
    }
    return text;
  }

  display(token: string): string {
    return stripJoiners(token);
  }

  toJSON(): TokenizerJson {
    return { kind: 'word' };
  }
}
