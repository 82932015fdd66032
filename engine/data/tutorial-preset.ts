/**
 * The `pytorch-tutorial` import preset: the data preparation of the PyTorch tutorial "NLP From Scratch:
 * Translation with a Sequence to Sequence Network and Attention" (intermediate/seq2seq_translation_tutorial),
 * reproduced step for step so results can be compared with it:
 *
 *   normalizeString(s): lower-case, strip, NFD and drop combining marks (category Mn), put a space before each
 *     of `.!?`, turn every run of characters other than ASCII letters, `!` and `?` into one space (so `.` goes
 *     again and apostrophes split words: "I'm" → "i m"), strip.
 *   filterPair(p): both sides have fewer than MAX_LENGTH = 10 space-separated words and the English side starts
 *     with one of `ENGLISH_PREFIXES` (a plain string prefix test, so "he is" also matches "he isn t ...").
 *
 * On the manythings eng-fra.tsv of 2017-09-29 (142,787 lines) this keeps 11,822 pairs, the same number the
 * tutorial's own Python code keeps on that file. The tutorial translates French → English (`reverse=True`); the
 * preset keeps the file's direction (English → French) unless the import also asks for `reverse`.
 */
export const TUTORIAL_MAX_LENGTH = 10;
/** `len(words) < MAX_LENGTH`, as a maximum word count. */
export const TUTORIAL_MAX_WORDS = TUTORIAL_MAX_LENGTH - 1;

export const ENGLISH_PREFIXES = [
  'i am ',
  'i m ',
  'he is',
  'he s ',
  'she is',
  'she s ',
  'you are',
  'you re ',
  'we are',
  'we re ',
  'they are',
  'they re ',
] as const;

const COMBINING_MARKS = /\p{Mn}/gu;
const SENTENCE_PUNCTUATION = /([.!?])/g;
const NOT_LETTER = /[^a-zA-Z!?]+/g;

/** The tutorial's `normalizeString`, character for character. */
export function tutorialNormalize(text: string): string {
  const ascii = text.toLowerCase().trim().normalize('NFD').replace(COMBINING_MARKS, '');
  return ascii.replace(SENTENCE_PUNCTUATION, ' $1').replace(NOT_LETTER, ' ').trim();
}

/** The content half of the tutorial's `filterPair` (the length half is `maxWords` = 9). */
export function hasTutorialPrefix(english: string): boolean {
  return ENGLISH_PREFIXES.some((prefix) => english.startsWith(prefix));
}

/** The tutorial's `filterPair` on already normalised text. */
export function tutorialKeepsPair(english: string, other: string): boolean {
  return (
    english.split(' ').length < TUTORIAL_MAX_LENGTH &&
    other.split(' ').length < TUTORIAL_MAX_LENGTH &&
    hasTutorialPrefix(english)
  );
}
