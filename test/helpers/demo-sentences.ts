/**
 * Sentences for the demo store: a tiny English→French grammar with gold word alignments (adjectives of colour move
 * after the noun, determiners and adjectives agree in gender and number), and a handful of real-looking pairs for
 * an "imported" corpus. Demo data only: the lab's own toy-fr generator lives in engine/data.
 */
import { Rng } from '../../engine/random.js';

export interface AlignedPair {
  source: string[];
  target: string[];
  /** `[sourceIndex, targetIndex]` pairs. */
  alignment: [number, number][];
}

type Gender = 'm' | 'f';
interface Noun {
  en: string;
  enPlural: string;
  fr: string;
  frPlural: string;
  gender: Gender;
}
interface Adjective {
  en: string;
  /** [masculine, feminine, masculine plural, feminine plural] */
  fr: [string, string, string, string];
  /** Most adjectives follow the noun in French; a few (petit, grand) come before it. */
  before: boolean;
}

const NOUNS: Noun[] = [
  { en: 'car', enPlural: 'cars', fr: 'voiture', frPlural: 'voitures', gender: 'f' },
  { en: 'cat', enPlural: 'cats', fr: 'chat', frPlural: 'chats', gender: 'm' },
  { en: 'dog', enPlural: 'dogs', fr: 'chien', frPlural: 'chiens', gender: 'm' },
  { en: 'house', enPlural: 'houses', fr: 'maison', frPlural: 'maisons', gender: 'f' },
  { en: 'book', enPlural: 'books', fr: 'livre', frPlural: 'livres', gender: 'm' },
  { en: 'apple', enPlural: 'apples', fr: 'pomme', frPlural: 'pommes', gender: 'f' },
  { en: 'tree', enPlural: 'trees', fr: 'arbre', frPlural: 'arbres', gender: 'm' },
  { en: 'flower', enPlural: 'flowers', fr: 'fleur', frPlural: 'fleurs', gender: 'f' },
  { en: 'bird', enPlural: 'birds', fr: 'oiseau', frPlural: 'oiseaux', gender: 'm' },
  { en: 'table', enPlural: 'tables', fr: 'table', frPlural: 'tables', gender: 'f' },
];

const ADJECTIVES: Adjective[] = [
  { en: 'green', fr: ['vert', 'verte', 'verts', 'vertes'], before: false },
  { en: 'red', fr: ['rouge', 'rouge', 'rouges', 'rouges'], before: false },
  { en: 'blue', fr: ['bleu', 'bleue', 'bleus', 'bleues'], before: false },
  { en: 'black', fr: ['noir', 'noire', 'noirs', 'noires'], before: false },
  { en: 'small', fr: ['petit', 'petite', 'petits', 'petites'], before: true },
  { en: 'big', fr: ['grand', 'grande', 'grands', 'grandes'], before: true },
];

const VERBS: { en: string; enPlural: string; fr: string; frPlural: string }[] = [
  { en: 'sees', enPlural: 'see', fr: 'voit', frPlural: 'voient' },
  { en: 'likes', enPlural: 'like', fr: 'aime', frPlural: 'aiment' },
  { en: 'follows', enPlural: 'follow', fr: 'suit', frPlural: 'suivent' },
  { en: 'finds', enPlural: 'find', fr: 'trouve', frPlural: 'trouvent' },
];

interface Phrase {
  source: string[];
  target: string[];
  alignment: [number, number][];
}

function nounPhrase(rng: Rng, definite: boolean): Phrase & { plural: boolean } {
  const noun = NOUNS[rng.int(NOUNS.length)]!;
  const plural = rng.next() < 0.3;
  const adjective = rng.next() < 0.6 ? ADJECTIVES[rng.int(ADJECTIVES.length)]! : null;
  const form = (noun.gender === 'f' ? 1 : 0) + (plural ? 2 : 0);
  const enDet = definite ? 'the' : plural ? 'some' : /^[aeiou]/.test(noun.en) ? 'an' : 'a';
  const frDet = plural
    ? definite
      ? 'les'
      : 'des'
    : definite
      ? noun.gender === 'f'
        ? 'la'
        : 'le'
      : noun.gender === 'f'
        ? 'une'
        : 'un';
  const enNoun = plural ? noun.enPlural : noun.en;
  const frNoun = plural ? noun.frPlural : noun.fr;
  if (adjective === null) {
    return {
      source: [enDet, enNoun],
      target: [frDet, frNoun],
      alignment: [
        [0, 0],
        [1, 1],
      ],
      plural,
    };
  }
  const frAdj = adjective.fr[form]!;
  const target = adjective.before ? [frDet, frAdj, frNoun] : [frDet, frNoun, frAdj];
  const alignment: [number, number][] = adjective.before
    ? [
        [0, 0],
        [1, 1],
        [2, 2],
      ]
    : [
        [0, 0],
        [1, 2],
        [2, 1],
      ];
  return { source: [enDet, adjective.en, enNoun], target, alignment, plural };
}

/** One sentence of the grammar: `NP verb NP`, or a bare noun phrase. */
export function toySentence(rng: Rng): AlignedPair {
  const subject = nounPhrase(rng, rng.next() < 0.7);
  if (rng.next() < 0.15) return subject;
  const verb = VERBS[rng.int(VERBS.length)]!;
  const object = nounPhrase(rng, rng.next() < 0.5);
  const source = [...subject.source, subject.plural ? verb.enPlural : verb.en, ...object.source];
  const target = [...subject.target, subject.plural ? verb.frPlural : verb.fr, ...object.target];
  const s0 = subject.source.length;
  const t0 = subject.target.length;
  const alignment: [number, number][] = [
    ...subject.alignment,
    [s0, t0],
    ...object.alignment.map(([s, t]): [number, number] => [s + s0 + 1, t + t0 + 1]),
  ];
  return { source, target, alignment };
}

export function toyCorpus(count: number, seed: number): AlignedPair[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => toySentence(rng));
}

/** Sentence pairs in the style of the Tatoeba English–French corpus (written for the demo). */
export const TATOEBA_STYLE_PAIRS: [string, string][] = [
  ['Go.', 'Va !'],
  ['Hi.', 'Salut !'],
  ['Run!', 'Cours !'],
  ['Wait!', 'Attends !'],
  ['I see.', 'Je comprends.'],
  ['I won!', "J'ai gagné !"],
  ['Be calm.', 'Sois calme.'],
  ['Get out!', 'Sortez !'],
  ['Go away.', 'Va-t-en.'],
  ['Hold on.', 'Attends un peu.'],
  ['I am cold.', "J'ai froid."],
  ['I like it.', "Je l'aime bien."],
  ['It is late.', 'Il est tard.'],
  ['Open the door.', 'Ouvre la porte.'],
  ['Tom is happy.', 'Tom est heureux.'],
  ['We are tired.', 'Nous sommes fatigués.'],
  ['I lost my keys.', "J'ai perdu mes clés."],
  ['She is reading a book.', 'Elle lit un livre.'],
  ['The cat is sleeping.', 'Le chat dort.'],
  ['Where is the station?', 'Où est la gare ?'],
  ['I have never seen the sea.', "Je n'ai jamais vu la mer."],
  ['Do you speak French?', 'Parlez-vous français ?'],
  ['He drinks too much coffee.', 'Il boit trop de café.'],
  ['The weather is nice today.', "Il fait beau aujourd'hui."],
  ['I will call you tomorrow.', "Je t'appellerai demain."],
  ['My sister lives in Paris.', 'Ma sœur habite à Paris.'],
  ['Can you help me, please?', "Peux-tu m'aider, s'il te plaît ?"],
  ['We missed the last train.', 'Nous avons raté le dernier train.'],
  ['This house is too big for us.', 'Cette maison est trop grande pour nous.'],
  ['I forgot to close the window.', "J'ai oublié de fermer la fenêtre."],
  ['They arrived before the rain started.', "Ils sont arrivés avant qu'il ne commence à pleuvoir."],
  ['The children are playing in the garden.', 'Les enfants jouent dans le jardin.'],
];

/** Lower-case word tokens, punctuation split off (what the word tokenizer would give). */
export function wordTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/([.!?,;:])/g, ' $1 ')
    .split(/\s+/)
    .filter((t) => t.length > 0);
}
