/**
 * Text normalisation applied to every imported sentence, before filters, deduplication and tokenization.
 *
 * Always: Unicode NFC; every Unicode space (U+00A0, U+202F, U+2009, U+3000, tabs, ...) becomes a plain space;
 * invisible characters that only get in the way (zero-width space, soft hyphen, stray byte-order marks) are
 * removed, and so are control characters; runs of spaces collapse to one and the ends are trimmed. The two marker characters the tokenizers use
 * (see `MARKERS`) become spaces, so tokenization stays reversible.
 * Optionally: lower-casing, and ASCII folding (accents stripped: "été" → "ete", plus a few letters and quotes
 * that have no decomposition: "œ" → "oe", "’" → "'").
 */
export interface NormalizeOptions {
  lowercase?: boolean;
  asciiFold?: boolean;
}

/** Characters the tokenizers reserve: the word tokenizer's joiner and BPE's word-start mark. */
export const MARKERS = { joiner: '\uFFED', wordStart: '\u2581' } as const;

const SPACES = /[\p{Zs}\t\n\v\f\r\u0085\u2028\u2029\uFFED\u2581]+/gu;
// Control characters (other than the spaces above) carry no text; zero-width spaces and soft hyphens are invisible.
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000E-\u001F\u007F\u200B\u2060\uFEFF\u00AD]/gu;
const COMBINING_MARKS = /\p{Mn}/gu;

/** Letters and punctuation that NFD does not take apart, folded by hand. */
const ASCII_FOLDS: Record<string, string> = {
  œ: 'oe',
  Œ: 'OE',
  æ: 'ae',
  Æ: 'AE',
  ß: 'ss',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ı: 'i',
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u00AB': '"',
  '\u00BB': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2010': '-',
  '\u2011': '-',
  '\u2026': '...',
};
const FOLDABLE = new RegExp(`[${Object.keys(ASCII_FOLDS).join('')}]`, 'gu');

/** Strip accents: decompose, drop the combining marks, recompose what is left. */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARKS, '').normalize('NFC');
}

export function asciiFold(text: string): string {
  return stripAccents(text).replace(FOLDABLE, (c) => ASCII_FOLDS[c] ?? c);
}

export function normalizeText(text: string, options: NormalizeOptions = {}): string {
  let out = text.normalize('NFC').replace(INVISIBLE, '').replace(SPACES, ' ').trim();
  if (options.lowercase) out = out.toLowerCase();
  if (options.asciiFold) out = asciiFold(out);
  return out;
}

/** Words = space-separated pieces of normalised text (what `maxWords` counts). */
export function countWords(normalized: string): number {
  if (normalized.length === 0) return 0;
  let n = 1;
  for (let i = 0; i < normalized.length; i++) if (normalized.charCodeAt(i) === 32) n++;
  return n;
}
