/**
 * A vocabulary: token ↔ id, built from the training split with a minimum frequency and a maximum size.
 * Ids 0-3 are always the specials, in this order, so models can rely on them.
 */
export const PAD = '<pad>';
export const UNK = '<unk>';
export const SOS = '<sos>';
export const EOS = '<eos>';
export const SPECIALS = [PAD, UNK, SOS, EOS] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
export const SOS_ID = 2;
export const EOS_ID = 3;

export interface VocabOptions {
  /** Tokens seen fewer times are left out (map to `<unk>`). */
  minFreq?: number;
  /** Largest size, specials included (0 or undefined = unlimited). */
  maxSize?: number;
}

export interface VocabJson {
  tokens: string[];
}

export class Vocab {
  private readonly ids: Map<string, number>;

  private constructor(readonly tokens: readonly string[]) {
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Count tokens and keep the most frequent (ties broken alphabetically, so the result never depends on order). */
  static build(sentences: Iterable<readonly string[]>, options: VocabOptions = {}): Vocab {
    const minFreq = Math.max(1, options.minFreq ?? 1);
    const counts = new Map<string, number>();
    for (const sentence of sentences) {
      for (const token of sentence) counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    for (const special of SPECIALS) counts.delete(special);
    const kept = [...counts.entries()]
      .filter(([, n]) => n >= minFreq)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([t]) => t);
    const limit = options.maxSize && options.maxSize > 0 ? Math.max(0, options.maxSize - SPECIALS.length) : kept.length;
    return new Vocab([...SPECIALS, ...kept.slice(0, limit)]);
  }

  static fromJSON(json: VocabJson): Vocab {
    if (!Array.isArray(json.tokens) || SPECIALS.some((s, i) => json.tokens[i] !== s)) {
      throw new Error('vocabulary must start with <pad> <unk> <sos> <eos>');
    }
    if (new Set(json.tokens).size !== json.tokens.length) throw new Error('vocabulary has duplicate tokens');
    return new Vocab(json.tokens);
  }

  toJSON(): VocabJson {
    return { tokens: [...this.tokens] };
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number {
    return this.ids.get(token) ?? UNK_ID;
  }

  token(id: number): string {
    return this.tokens[id] ?? UNK;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.id(t));
  }

  /** Ids to tokens, stopping at the first `<eos>` and dropping `<pad>` and `<sos>`. */
  decode(ids: Iterable<number>): string[] {
    const out: string[] = [];
    for (const id of ids) {
      if (id === EOS_ID) break;
      if (id === PAD_ID || id === SOS_ID) continue;
      out.push(this.token(id));
    }
    return out;
  }
}
