import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BpeTokenizer, learnBpe } from '../../../engine/data/bpe.js';
import { CharTokenizer } from '../../../engine/data/char-tokenizer.js';
import { normalizeText } from '../../../engine/data/normalize.js';
import {
  createTokenizers,
  loadTokenizers,
  tokenizerFromJSON,
  tokenizersFromState,
  tokenizerState,
} from '../../../engine/data/tokenizers.js';
import { WordTokenizer } from '../../../engine/data/word-tokenizer.js';
import { Rng } from '../../../engine/random.js';
import { Store } from '../../../engine/store/store.js';
import { tinyStats } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/paths.js';

const J = '\uFFED';

/** Random normalised text with letters, accents, digits, punctuation and apostrophes. */
function randomTexts(count: number, seed: number): string[] {
  const alphabet = [...'abcdefghijklmnopqrstuvwxyzéèàçœ0123456789', ...'.,;:!?\'’"()-«»/%$…', ' ', ' ', ' '];
  const rng = new Rng(seed);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = rng.range(1, 40);
    texts.push(normalizeText(Array.from({ length }, () => rng.pick(alphabet)).join('')));
  }
  return texts.filter((t) => t !== '');
}

const SAMPLES = [
  'Go.',
  'Va !',
  'le chat (noir) dort.',
  "l'homme qu'il a vu aujourd'hui",
  "I'm sure it's fine, isn't it?",
  'Wait... what?!',
  '« Bonjour », dit-il.',
  '3.5 % of $20',
  "'quoted'",
];

describe('word tokenizer', () => {
  const word = new WordTokenizer();

  it('splits punctuation off with joiners', () => {
    assert.deepEqual(word.tokenize('le chat (noir) dort.'), ['le', 'chat', `(${J}`, 'noir', `${J})`, 'dort', `${J}.`]);
    assert.deepEqual(word.tokenize("l'homme"), [`l'${J}`, 'homme']);
    assert.deepEqual(word.tokenize('Va !'), ['Va', '!']);
    assert.deepEqual(word.tokenize('la voiture verte'), ['la', 'voiture', 'verte']);
  });

  it('detokenises exactly what it tokenised', () => {
    for (const text of [...SAMPLES, ...randomTexts(2000, 7)]) {
      assert.equal(word.detokenize(word.tokenize(text)), text, JSON.stringify(text));
    }
  });

  it('labels tokens without joiners', () => {
    assert.deepEqual(
      word.tokenize('dit-il.').map((t) => word.display(t)),
      ['dit', '-', 'il', '.'],
    );
  });
});

describe('char tokenizer', () => {
  it('round-trips and shows spaces', () => {
    const char = new CharTokenizer();
    for (const text of [...SAMPLES, ...randomTexts(200, 8)]) assert.equal(char.detokenize(char.tokenize(text)), text);
    assert.deepEqual(char.tokenize('é a'), ['é', ' ', 'a']);
    assert.equal(char.display(' '), '\u2423');
  });
});

describe('BPE', () => {
  const corpus = [
    'the lower the newer',
    'the newest and the widest',
    'lower lowest newer newest',
    'le chat, les chats.',
    'les chatons dorment !',
  ];

  it('learns the most frequent pairs first, deterministically', () => {
    const merges = learnBpe(corpus, 50);
    assert.ok(merges.length > 10 && merges.length <= 50);
    assert.deepEqual(merges, learnBpe([...corpus].reverse(), 50));
    // "▁t" + "h" ... the most frequent pair: "e" "s"/"w" "e" etc. come before rare ones.
    const ranked = merges.map(([a, b]) => a + b);
    assert.ok(ranked.includes('\u2581the'));
  });

  it('encodes then decodes back to the text, also for unseen words', () => {
    const bpe = new BpeTokenizer(learnBpe(corpus, 100));
    for (const text of [...corpus, ...SAMPLES, ...randomTexts(500, 9)]) {
      assert.equal(bpe.detokenize(bpe.tokenize(text)), text, JSON.stringify(text));
    }
    const pieces = bpe.tokenize('the lowest chatons');
    assert.ok(pieces.length < 'the lowest chatons'.replaceAll(' ', '').length, 'merges shorten the sequence');
    assert.ok(pieces[0]!.startsWith('\u2581'));
  });

  it('stops early when no pair repeats', () => {
    assert.deepEqual(learnBpe(['ab'], 10), []);
  });

  it('survives a JSON round trip of its merges', () => {
    const bpe = new BpeTokenizer(learnBpe(corpus, 30));
    const again = tokenizerFromJSON(JSON.parse(JSON.stringify(bpe.toJSON())));
    assert.deepEqual(again.tokenize('the newest chats'), bpe.tokenize('the newest chats'));
  });

  it('labels word-initial pieces plainly and inner pieces with a dot', () => {
    const bpe = new BpeTokenizer([
      ['\u2581', 'c'],
      ['\u2581c', 'h'],
    ]);
    assert.deepEqual(bpe.tokenize('chat'), ['\u2581ch', 'a', 't']);
    assert.deepEqual(
      bpe.tokenize('chat').map((t) => bpe.display(t)),
      ['ch', '·a', '·t'],
    );
  });
});

describe('tokenizer state', () => {
  it('creates BPE per side from the training pairs and loads it back from the store', () => {
    const train = [
      { source: 'the cats sleep', target: 'les chats dorment' },
      { source: 'the cat sleeps', target: 'le chat dort' },
    ];
    const pair = createTokenizers('bpe', train, 20);
    const state = tokenizerState(pair);
    assert.equal(state.source.kind, 'bpe');
    assert.notDeepEqual(state.source, state.target);

    const store = Store.open(path.join(tempDir(), 'store.db'));
    store.addDataset({
      name: 'bpe-data',
      kind: 'imported',
      tokenizer: 'bpe',
      source: {},
      options: {},
      stats: tinyStats,
      tokenizerState: state,
      splits: { train: train.map((p) => ({ ...p, alignment: null })), valid: [], test: [] },
    });
    const loaded = loadTokenizers(store, 'bpe-data');
    assert.deepEqual(loaded.target.tokenize('les chats dorment'), pair.target.tokenize('les chats dorment'));
    store.close();
  });

  it('word and char datasets need no stored state; BPE does', () => {
    assert.equal(tokenizersFromState('char', null).source.kind, 'char');
    assert.throws(() => tokenizersFromState('bpe', null), /no stored merges/);
  });
});
