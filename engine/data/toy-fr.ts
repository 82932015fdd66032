/**
 * `toy-fr`: a seeded English → French grammar, the lab's default data. It has what makes translation harder than
 * copying — gender and number agreement of determiners, adjectives and verbs, adjectives that move behind the
 * noun ("the green car" → "la voiture verte") and some that do not ("the small dogs see the red house" → "les
 * petits chiens voient la maison rouge"), prepositional phrases, coordination with "and" — and sentences from 2
 * to 25 words, so the effect of attention on long sentences shows. Every word translates to exactly one word,
 * so each pair comes with its gold alignment (Pharaoh "i-j": source word i ↔ target word j, 0-based), which
 * indexes the word tokenizer's tokens exactly (all words are plain letters).
 */
import { Rng } from '../random.js';
import {
  AND,
  DETERMINERS,
  formIndex,
  INTRANSITIVE_VERBS,
  NOUNS,
  POST_ADJECTIVES,
  PRE_ADJECTIVES,
  PREPOSITIONS,
  TRANSITIVE_VERBS,
} from './toy-fr-lexicon.js';

export interface NounPhrase {
  /** Key of `DETERMINERS`: the, a, this, these, my, your, our. */
  determiner: string;
  /** English singular noun, a key of `NOUNS`. */
  noun: string;
  plural: boolean;
  /** An adjective that stays before the noun in French (a key of `PRE_ADJECTIVES`). */
  before?: string;
  /** An adjective that follows the noun in French (a key of `POST_ADJECTIVES`). */
  after?: string;
  /** "the cat on the table". */
  modifier?: PrepositionalPhrase;
}

export interface PrepositionalPhrase {
  preposition: string;
  object: NounPhrase;
}

export interface Clause {
  /** One noun phrase, or two joined by "and" (then the verb is plural). */
  subject: NounPhrase[];
  /** English plain form: a key of `TRANSITIVE_VERBS` (needs `object`) or `INTRANSITIVE_VERBS`. */
  verb: string;
  object?: NounPhrase;
  adjunct?: PrepositionalPhrase;
}

export interface AlignedPair {
  source: string;
  target: string;
  /** Pharaoh format, sorted: "0-0 1-2 2-1". */
  alignment: string;
}

/** Words of both sides, each tagged with the link it shares with its translation. */
class Realization {
  private readonly english: { word: string; link: number }[] = [];
  private readonly french: { word: string; link: number }[] = [];
  private links = 0;

  link(): number {
    return this.links++;
  }

  en(link: number, word: string): void {
    this.english.push({ word, link });
  }

  fr(link: number, word: string): void {
    this.french.push({ word, link });
  }

  both(english: string, french: string): void {
    const link = this.link();
    this.en(link, english);
    this.fr(link, french);
  }

  finish(): AlignedPair {
    // "a" is "an" before a vowel sound; every English word here starting with a vowel letter has one.
    const englishWords = this.english.map((w, i) => {
      const next = this.english[i + 1]?.word ?? '';
      return w.word === 'a' && /^[aeiou]/.test(next) ? 'an' : w.word;
    });
    const sourceIndex = new Map(this.english.map((w, i) => [w.link, i]));
    const alignment = this.french
      .map((w, j) => [sourceIndex.get(w.link)!, j] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([i, j]) => `${i}-${j}`)
      .join(' ');
    return { source: englishWords.join(' '), target: this.french.map((w) => w.word).join(' '), alignment };
  }
}

function lookup<T>(map: ReadonlyMap<string, T>, key: string, what: string): T {
  const entry = map.get(key);
  if (entry === undefined) throw new Error(`toy-fr has no ${what} "${key}"`);
  return entry;
}

function addNounPhrase(r: Realization, np: NounPhrase): void {
  const noun = lookup(NOUNS, np.noun, 'noun');
  const form = formIndex(noun.gender, np.plural);
  const determiner = lookup(DETERMINERS, np.determiner, 'determiner');
  const frenchDeterminer = determiner.french[form];
  if (frenchDeterminer === null) {
    throw new Error(`"${np.determiner}" cannot go with a ${np.plural ? 'plural' : 'singular'} noun`);
  }
  const det = r.link();
  const before = np.before === undefined ? -1 : r.link();
  const head = r.link();
  const after = np.after === undefined ? -1 : r.link();
  const beforeForm = np.before === undefined ? '' : lookup(PRE_ADJECTIVES, np.before, 'adjective').french[form];
  const afterForm = np.after === undefined ? '' : lookup(POST_ADJECTIVES, np.after, 'adjective').french[form];
  // English: determiner, adjectives, noun. French: determiner, [petit/grand...], noun, [colour...].
  r.en(det, determiner.english);
  if (np.before !== undefined) r.en(before, np.before);
  if (np.after !== undefined) r.en(after, np.after);
  r.en(head, noun.english[np.plural ? 1 : 0]);
  r.fr(det, frenchDeterminer);
  if (np.before !== undefined) r.fr(before, beforeForm);
  r.fr(head, noun.french[np.plural ? 1 : 0]);
  if (np.after !== undefined) r.fr(after, afterForm);
  if (np.modifier !== undefined) addPrepositionalPhrase(r, np.modifier);
}

function addPrepositionalPhrase(r: Realization, pp: PrepositionalPhrase): void {
  r.both(pp.preposition, lookup(PREPOSITIONS, pp.preposition, 'preposition'));
  addNounPhrase(r, pp.object);
}

function addClause(r: Realization, clause: Clause): void {
  if (clause.subject.length === 0) throw new Error('a clause needs a subject');
  clause.subject.forEach((np, i) => {
    if (i > 0) r.both(AND[0], AND[1]);
    addNounPhrase(r, np);
  });
  const plural = clause.subject.length > 1 || clause.subject[0]!.plural;
  const transitive = TRANSITIVE_VERBS.get(clause.verb);
  const verb = transitive ?? lookup(INTRANSITIVE_VERBS, clause.verb, 'verb');
  r.both(verb.english[plural ? 1 : 0], verb.french[plural ? 1 : 0]);
  if (transitive !== undefined) {
    if (clause.object === undefined) throw new Error(`"${clause.verb}" needs an object`);
    addNounPhrase(r, clause.object);
  } else if (clause.object !== undefined) throw new Error(`"${clause.verb}" takes no object`);
  if (clause.adjunct !== undefined) addPrepositionalPhrase(r, clause.adjunct);
}

/** A noun phrase on its own: `{the, car, after: green}` → "the green car" / "la voiture verte". */
export function realizeNounPhrase(np: NounPhrase): AlignedPair {
  const r = new Realization();
  addNounPhrase(r, np);
  return r.finish();
}

/** One clause, or several joined by "and". */
export function realizeSentence(clauses: readonly Clause[]): AlignedPair {
  const r = new Realization();
  clauses.forEach((clause, i) => {
    if (i > 0) r.both(AND[0], AND[1]);
    addClause(r, clause);
  });
  return r.finish();
}

// -------------------------------------------------------------------------------------------------------------
// Random sentences

const NOUN_KEYS = [...NOUNS.keys()];
const PRE_KEYS = [...PRE_ADJECTIVES.keys()];
const POST_KEYS = [...POST_ADJECTIVES.keys()];
const TRANSITIVE_KEYS = [...TRANSITIVE_VERBS.keys()];
const INTRANSITIVE_KEYS = [...INTRANSITIVE_VERBS.keys()];
const PREPOSITION_KEYS = [...PREPOSITIONS.keys()];
/** "the" is the most common determiner, as in real text. */
const SINGULAR_DETERMINERS = ['the', 'the', 'the', 'a', 'a', 'this', 'my', 'your', 'our'];
const PLURAL_DETERMINERS = ['the', 'the', 'the', 'these', 'my', 'your', 'our'];

/** Probabilities of the grammar's choices. */
const P = {
  plural: 0.4,
  preAdjective: 0.25,
  postAdjective: 0.45,
  subjectModifier: 0.1,
  coordinatedSubject: 0.12,
  transitive: 0.65,
  adjunct: 0.35,
  /** Sentence shapes: a bare noun phrase, then one, two or three clauses joined by "and". */
  shapes: [0.12, 0.58, 0.24, 0.06],
};
/** Longer draws are drawn again: long enough to show what attention changes, short enough to learn quickly. */
export const TOY_FR_MAX_WORDS = 25;

function randomNounPhrase(rng: Rng, modifierChance: number): NounPhrase {
  const plural = rng.chance(P.plural);
  const np: NounPhrase = {
    determiner: rng.pick(plural ? PLURAL_DETERMINERS : SINGULAR_DETERMINERS),
    noun: rng.pick(NOUN_KEYS),
    plural,
  };
  if (rng.chance(P.preAdjective)) np.before = rng.pick(PRE_KEYS);
  if (rng.chance(P.postAdjective)) np.after = rng.pick(POST_KEYS);
  if (rng.chance(modifierChance)) np.modifier = randomPrepositionalPhrase(rng);
  return np;
}

function randomPrepositionalPhrase(rng: Rng): PrepositionalPhrase {
  return { preposition: rng.pick(PREPOSITION_KEYS), object: randomNounPhrase(rng, 0) };
}

function randomClause(rng: Rng): Clause {
  const subject = rng.chance(P.coordinatedSubject)
    ? [randomNounPhrase(rng, 0), randomNounPhrase(rng, 0)]
    : [randomNounPhrase(rng, P.subjectModifier)];
  const clause: Clause = rng.chance(P.transitive)
    ? { subject, verb: rng.pick(TRANSITIVE_KEYS), object: randomNounPhrase(rng, 0) }
    : { subject, verb: rng.pick(INTRANSITIVE_KEYS) };
  if (rng.chance(clause.object === undefined ? 2 * P.adjunct : P.adjunct)) {
    clause.adjunct = randomPrepositionalPhrase(rng);
  }
  return clause;
}

function pickShape(rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < P.shapes.length; i++) {
    u -= P.shapes[i]!;
    if (u < 0) return i;
  }
  return P.shapes.length - 1;
}

export function randomToyFrPair(rng: Rng): AlignedPair {
  const shape = pickShape(rng);
  if (shape === 0) return realizeNounPhrase(randomNounPhrase(rng, 0.3));
  const clauses: Clause[] = [];
  for (let i = 0; i < shape; i++) clauses.push(randomClause(rng));
  return realizeSentence(clauses);
}

/** `count` distinct pairs (no English sentence twice, so no pair can land in two splits). */
export function generateToyFr(count: number, seed: number): AlignedPair[] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const pairs: AlignedPair[] = [];
  for (let attempts = 0; pairs.length < count; attempts++) {
    if (attempts > count * 20 + 1000) throw new Error(`toy-fr could not make ${count} distinct pairs`);
    const pair = randomToyFrPair(rng);
    if (seen.has(pair.source) || pair.source.split(' ').length > TOY_FR_MAX_WORDS) continue;
    seen.add(pair.source);
    pairs.push(pair);
  }
  return pairs;
}
