/**
 * The words of the toy English → French grammar. Every French noun starts with a consonant (and none with "h"),
 * so determiners never elide ("le chien", never "l'"), and no preposition meets a determiner it would contract
 * with ("à le" → "au"): every word on both sides is one token of the word tokenizer, which keeps the gold
 * alignment exact.
 */
export type Gender = 'm' | 'f';

export interface NounEntry {
  english: [singular: string, plural: string];
  french: [singular: string, plural: string];
  gender: Gender;
}

/** French forms: masculine singular, feminine singular, masculine plural, feminine plural. */
export type FrenchForms = [ms: string, fs: string, mp: string, fp: string];

export interface AdjectiveEntry {
  english: string;
  french: FrenchForms;
}

export interface VerbEntry {
  /** Third person singular and plural. */
  english: [singular: string, plural: string];
  french: [singular: string, plural: string];
}

export interface DeterminerEntry {
  english: string;
  /** Per gender and number; `null` where the determiner does not exist (no plural "a", no singular "these"). */
  french: [ms: string | null, fs: string | null, mp: string | null, fp: string | null];
}

const noun = (en: string, enPlural: string, fr: string, frPlural: string, gender: Gender): [string, NounEntry] => [
  en,
  { english: [en, enPlural], french: [fr, frPlural], gender },
];

export const NOUNS: ReadonlyMap<string, NounEntry> = new Map([
  noun('dog', 'dogs', 'chien', 'chiens', 'm'),
  noun('cat', 'cats', 'chat', 'chats', 'm'),
  noun('horse', 'horses', 'cheval', 'chevaux', 'm'),
  noun('boy', 'boys', 'garçon', 'garçons', 'm'),
  noun('book', 'books', 'livre', 'livres', 'm'),
  noun('bicycle', 'bicycles', 'vélo', 'vélos', 'm'),
  noun('truck', 'trucks', 'camion', 'camions', 'm'),
  noun('boat', 'boats', 'bateau', 'bateaux', 'm'),
  noun('train', 'trains', 'train', 'trains', 'm'),
  noun('garden', 'gardens', 'jardin', 'jardins', 'm'),
  noun('wall', 'walls', 'mur', 'murs', 'm'),
  noun('bed', 'beds', 'lit', 'lits', 'm'),
  noun('pen', 'pens', 'stylo', 'stylos', 'm'),
  noun('bag', 'bags', 'sac', 'sacs', 'm'),
  noun('hat', 'hats', 'chapeau', 'chapeaux', 'm'),
  noun('cake', 'cakes', 'gâteau', 'gâteaux', 'm'),
  noun('glass', 'glasses', 'verre', 'verres', 'm'),
  noun('knife', 'knives', 'couteau', 'couteaux', 'm'),
  noun('rabbit', 'rabbits', 'lapin', 'lapins', 'm'),
  noun('duck', 'ducks', 'canard', 'canards', 'm'),
  noun('pig', 'pigs', 'cochon', 'cochons', 'm'),
  noun('wolf', 'wolves', 'loup', 'loups', 'm'),
  noun('car', 'cars', 'voiture', 'voitures', 'f'),
  noun('house', 'houses', 'maison', 'maisons', 'f'),
  noun('table', 'tables', 'table', 'tables', 'f'),
  noun('chair', 'chairs', 'chaise', 'chaises', 'f'),
  noun('girl', 'girls', 'fille', 'filles', 'f'),
  noun('woman', 'women', 'femme', 'femmes', 'f'),
  noun('cow', 'cows', 'vache', 'vaches', 'f'),
  noun('mouse', 'mice', 'souris', 'souris', 'f'),
  noun('flower', 'flowers', 'fleur', 'fleurs', 'f'),
  noun('lamp', 'lamps', 'lampe', 'lampes', 'f'),
  noun('window', 'windows', 'fenêtre', 'fenêtres', 'f'),
  noun('box', 'boxes', 'boîte', 'boîtes', 'f'),
  noun('cup', 'cups', 'tasse', 'tasses', 'f'),
  noun('apple', 'apples', 'pomme', 'pommes', 'f'),
  noun('dress', 'dresses', 'robe', 'robes', 'f'),
  noun('shirt', 'shirts', 'chemise', 'chemises', 'f'),
  noun('bottle', 'bottles', 'bouteille', 'bouteilles', 'f'),
  noun('hen', 'hens', 'poule', 'poules', 'f'),
  noun('goat', 'goats', 'chèvre', 'chèvres', 'f'),
  noun('turtle', 'turtles', 'tortue', 'tortues', 'f'),
  noun('key', 'keys', 'clé', 'clés', 'f'),
  noun('spoon', 'spoons', 'cuillère', 'cuillères', 'f'),
]);

const adjective = (en: string, ms: string, fs: string, mp: string, fp: string): [string, AdjectiveEntry] => [
  en,
  { english: en, french: [ms, fs, mp, fp] },
];

/** Adjectives that follow the noun in French: "the green car" → "la voiture verte". */
export const POST_ADJECTIVES: ReadonlyMap<string, AdjectiveEntry> = new Map([
  adjective('red', 'rouge', 'rouge', 'rouges', 'rouges'),
  adjective('green', 'vert', 'verte', 'verts', 'vertes'),
  adjective('blue', 'bleu', 'bleue', 'bleus', 'bleues'),
  adjective('black', 'noir', 'noire', 'noirs', 'noires'),
  adjective('white', 'blanc', 'blanche', 'blancs', 'blanches'),
  adjective('grey', 'gris', 'grise', 'gris', 'grises'),
  adjective('yellow', 'jaune', 'jaune', 'jaunes', 'jaunes'),
  adjective('pink', 'rose', 'rose', 'roses', 'roses'),
  adjective('orange', 'orange', 'orange', 'orange', 'orange'),
  adjective('round', 'rond', 'ronde', 'ronds', 'rondes'),
  adjective('heavy', 'lourd', 'lourde', 'lourds', 'lourdes'),
  adjective('clean', 'propre', 'propre', 'propres', 'propres'),
  adjective('dirty', 'sale', 'sale', 'sales', 'sales'),
  adjective('empty', 'vide', 'vide', 'vides', 'vides'),
  adjective('hot', 'chaud', 'chaude', 'chauds', 'chaudes'),
  adjective('cold', 'froid', 'froide', 'froids', 'froides'),
]);

/** Adjectives that stay before the noun: "the small dogs" → "les petits chiens". */
export const PRE_ADJECTIVES: ReadonlyMap<string, AdjectiveEntry> = new Map([
  adjective('small', 'petit', 'petite', 'petits', 'petites'),
  adjective('big', 'grand', 'grande', 'grands', 'grandes'),
  adjective('old', 'vieux', 'vieille', 'vieux', 'vieilles'),
  adjective('young', 'jeune', 'jeune', 'jeunes', 'jeunes'),
  adjective('pretty', 'joli', 'jolie', 'jolis', 'jolies'),
]);

const verb = (en: string, enPlural: string, fr: string, frPlural: string): [string, VerbEntry] => [
  enPlural,
  { english: [en, enPlural], french: [fr, frPlural] },
];

/** Keyed by the English plain form ("see"). */
export const TRANSITIVE_VERBS: ReadonlyMap<string, VerbEntry> = new Map([
  verb('sees', 'see', 'voit', 'voient'),
  verb('likes', 'like', 'aime', 'aiment'),
  verb('wants', 'want', 'veut', 'veulent'),
  verb('finds', 'find', 'trouve', 'trouvent'),
  verb('follows', 'follow', 'suit', 'suivent'),
  verb('watches', 'watch', 'regarde', 'regardent'),
  verb('carries', 'carry', 'porte', 'portent'),
  verb('pushes', 'push', 'pousse', 'poussent'),
]);

export const INTRANSITIVE_VERBS: ReadonlyMap<string, VerbEntry> = new Map([
  verb('sleeps', 'sleep', 'dort', 'dorment'),
  verb('runs', 'run', 'court', 'courent'),
  verb('waits', 'wait', 'attend', 'attendent'),
  verb('plays', 'play', 'joue', 'jouent'),
  verb('falls', 'fall', 'tombe', 'tombent'),
]);

export const PREPOSITIONS: ReadonlyMap<string, string> = new Map([
  ['on', 'sur'],
  ['under', 'sous'],
  ['in', 'dans'],
  ['with', 'avec'],
  ['behind', 'derrière'],
  ['without', 'sans'],
]);

export const DETERMINERS: ReadonlyMap<string, DeterminerEntry> = new Map([
  ['the', { english: 'the', french: ['le', 'la', 'les', 'les'] }],
  ['a', { english: 'a', french: ['un', 'une', null, null] }],
  ['this', { english: 'this', french: ['ce', 'cette', null, null] }],
  ['these', { english: 'these', french: [null, null, 'ces', 'ces'] }],
  ['my', { english: 'my', french: ['mon', 'ma', 'mes', 'mes'] }],
  ['your', { english: 'your', french: ['votre', 'votre', 'vos', 'vos'] }],
  ['our', { english: 'our', french: ['notre', 'notre', 'nos', 'nos'] }],
]);

export const AND: readonly [english: string, french: string] = ['and', 'et'];

/** Index into `FrenchForms` and `DeterminerEntry.french`. */
export function formIndex(gender: Gender, plural: boolean): 0 | 1 | 2 | 3 {
  return ((plural ? 2 : 0) + (gender === 'f' ? 1 : 0)) as 0 | 1 | 2 | 3;
}
