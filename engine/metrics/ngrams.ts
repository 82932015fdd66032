// n-gram counting for BLEU and chrF (sacrebleu/metrics/helpers.py). Counts are kept per order, one Map each,
// so that an n-gram's order never has to be recovered from its key.
import { codePoints, removeWhitespace } from './python-strings.js';

/** `counts[n - 1]` maps each n-gram to how often it occurs. */
export type NgramCounts = Map<string, number>[];

/**
 * Word n-grams of orders 1..maxOrder. Tokens never contain whitespace (they come from a whitespace split), so a
 * space-joined key is unambiguous.
 */
export function wordNgrams(tokens: readonly string[], maxOrder: number): NgramCounts {
  const counts: NgramCounts = [];
  for (let n = 1; n <= maxOrder; n++) counts.push(ngramsOfOrder(tokens, n, ' '));
  return counts;
}

/**
 * Character n-grams of orders 1..maxOrder over code points; whitespace is removed first unless
 * `includeWhitespace` (sacrebleu's `extract_all_char_ngrams`).
 */
export function charNgrams(line: string, maxOrder: number, includeWhitespace: boolean): NgramCounts {
  const text = includeWhitespace ? line : removeWhitespace(line);
  const chars = codePoints(text);
  const counts: NgramCounts = [];
  for (let n = 1; n <= maxOrder; n++) {
    // Without surrogate pairs a code point is one UTF-16 unit, and slicing the string is faster than joining.
    counts.push(chars.length === text.length ? substringsOfLength(text, n) : ngramsOfOrder(chars, n, ''));
  }
  return counts;
}

function substringsOfLength(text: string, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= text.length; i++) {
    const key = text.slice(i, i + n);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export function ngramsOfOrder(items: readonly string[], n: number, separator: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= items.length; i++) {
    let key = items[i]!;
    for (let k = 1; k < n; k++) key += separator + items[i + k]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The total number of n-grams counted in one order. */
export function totalCount(counts: Map<string, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}
