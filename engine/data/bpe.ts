/**
 * Byte-pair encoding (Sennrich et al., 2016) on top of the word tokenizer. Each word token is spelled as a
 * word-start mark "▁" followed by its characters; learning repeatedly merges the most frequent adjacent pair of
 * symbols in the training split (ties broken by the pair's text, so the result never depends on input order);
 * encoding applies the learned merges in the order they were learned. Decoding concatenates the pieces, cuts at
 * each "▁" to recover the word tokens, and lets the word tokenizer restore spaces and punctuation.
 *
 *   "les chatons."  →  ▁les  ▁chat  ons  ▁￭.       (with merges that made "▁les", "▁chat", "ons")
 */
import { MARKERS } from './normalize.js';
import type { Tokenizer, TokenizerJson } from './tokenizer.js';
import { stripJoiners, WordTokenizer } from './word-tokenizer.js';

const WORD_START = MARKERS.wordStart;
/** Separates the two halves of a pair key; normalised text has no control characters. */
const SEP = '\u0000';

interface HeapEntry {
  count: number;
  key: string;
}

/** Max-heap on count, then smallest key first. */
class PairHeap {
  private readonly items: HeapEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  private before(a: HeapEntry, b: HeapEntry): boolean {
    return a.count > b.count || (a.count === b.count && a.key < b.key);
  }

  push(entry: HeapEntry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): HeapEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l]!, items[best]!)) best = l;
        if (r < items.length && this.before(items[r]!, items[best]!)) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}

function spell(word: string): string[] {
  return [WORD_START, ...Array.from(word)];
}

function addPairs(symbols: readonly string[], weight: number, into: Map<string, number>): void {
  for (let i = 0; i + 1 < symbols.length; i++) {
    const key = symbols[i]! + SEP + symbols[i + 1]!;
    into.set(key, (into.get(key) ?? 0) + weight);
  }
}

function mergePair(symbols: readonly string[], left: string, right: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(left + right);
      i++;
    } else out.push(symbols[i]!);
  }
  return out;
}

/**
 * Learn up to `merges` merges from sentences (already normalised). Stops early when no pair occurs twice.
 */
export function learnBpe(sentences: Iterable<string>, merges: number): [string, string][] {
  const words = new WordTokenizer();
  const wordCounts = new Map<string, number>();
  for (const sentence of sentences) {
    for (const word of words.tokenize(sentence)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  }
  const vocabulary = [...wordCounts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const spelled = vocabulary.map(([word]) => spell(word));
  const counts = vocabulary.map(([, n]) => n);

  const pairCounts = new Map<string, number>();
  const wordsWithPair = new Map<string, Set<number>>();
  spelled.forEach((symbols, w) => {
    addPairs(symbols, counts[w]!, pairCounts);
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i]! + SEP + symbols[i + 1]!;
      let set = wordsWithPair.get(key);
      if (set === undefined) wordsWithPair.set(key, (set = new Set()));
      set.add(w);
    }
  });
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push({ count, key });

  const learned: [string, string][] = [];
  while (learned.length < merges && heap.size > 0) {
    const top = heap.pop()!;
    if (pairCounts.get(top.key) !== top.count) continue; // stale: the count changed after this entry was pushed
    if (top.count < 2) break;
    const [left, right] = top.key.split(SEP) as [string, string];
    learned.push([left, right]);
    const changed = new Map<string, number>();
    for (const w of wordsWithPair.get(top.key) ?? []) {
      const before = spelled[w]!;
      const after = mergePair(before, left, right);
      if (after.length === before.length) continue; // the pair left this word in an earlier merge
      addPairs(before, -counts[w]!, changed);
      addPairs(after, counts[w]!, changed);
      spelled[w] = after;
      for (let i = 0; i + 1 < after.length; i++) {
        const key = after[i]! + SEP + after[i + 1]!;
        let set = wordsWithPair.get(key);
        if (set === undefined) wordsWithPair.set(key, (set = new Set()));
        set.add(w);
      }
    }
    for (const [key, delta] of changed) {
      if (delta === 0) continue;
      const count = (pairCounts.get(key) ?? 0) + delta;
      if (count <= 0) pairCounts.delete(key);
      else {
        pairCounts.set(key, count);
        heap.push({ count, key });
      }
    }
    pairCounts.delete(top.key);
    wordsWithPair.delete(top.key);
  }
  return learned;
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  private readonly words = new WordTokenizer();
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, string[]>();

  constructor(readonly merges: readonly (readonly [string, string])[]) {
    this.ranks = new Map(merges.map(([a, b], i) => [a + SEP + b, i]));
  }

  /** One word token to its pieces: apply the lowest-ranked applicable merge until none applies. */
  private encodeWord(word: string): string[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    let symbols = spell(word);
    for (;;) {
      let bestRank = Infinity;
      let bestIndex = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(symbols[i]! + SEP + symbols[i + 1]!);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestIndex = i;
        }
      }
      if (bestIndex < 0) break;
      symbols = mergePair(symbols, symbols[bestIndex]!, symbols[bestIndex + 1]!);
    }
    if (this.cache.size < 100_000) this.cache.set(word, symbols);
    return symbols;
  }

  tokenize(text: string): string[] {
    const pieces: string[] = [];
    for (const word of this.words.tokenize(text)) pieces.push(...this.encodeWord(word));
    return pieces;
  }

  detokenize(tokens: readonly string[]): string {
    const words = tokens
      .join('')
      .split(WORD_START)
      .filter((w) => w !== '');
    return this.words.detokenize(words);
  }

  /** Word-initial pieces as they are; pieces inside a word after a "·". */
  display(token: string): string {
    if (token === WORD_START) return token;
    if (token.startsWith(WORD_START)) return stripJoiners(token.slice(1));
    return '\u00B7' + stripJoiners(token);
  }

  toJSON(): TokenizerJson {
    return { kind: 'bpe', merges: this.merges.map(([a, b]) => [a, b]) };
  }
}
