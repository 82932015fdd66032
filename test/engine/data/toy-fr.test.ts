import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOUNS, POST_ADJECTIVES, PRE_ADJECTIVES } from '../../../engine/data/toy-fr-lexicon.js';
import { generateToyFr, realizeNounPhrase, realizeSentence, TOY_FR_MAX_WORDS } from '../../../engine/data/toy-fr.js';
import { WordTokenizer } from '../../../engine/data/word-tokenizer.js';

describe('toy-fr grammar', () => {
  it('puts colour adjectives after the noun, with agreement', () => {
    assert.deepEqual(realizeNounPhrase({ determiner: 'the', noun: 'car', plural: false, after: 'green' }), {
      source: 'the green car',
      target: 'la voiture verte',
      alignment: '0-0 1-2 2-1',
    });
    assert.equal(
      realizeNounPhrase({ determiner: 'these', noun: 'car', plural: true, after: 'white' }).target,
      'ces voitures blanches',
    );
    assert.equal(
      realizeNounPhrase({ determiner: 'my', noun: 'horse', plural: true, after: 'grey' }).target,
      'mes chevaux gris',
    );
  });

  it('keeps "petit" and "grand" before the noun and agrees the verb', () => {
    const pair = realizeSentence([
      {
        subject: [{ determiner: 'the', noun: 'dog', plural: true, before: 'small' }],
        verb: 'see',
        object: { determiner: 'the', noun: 'house', plural: false, after: 'red' },
      },
    ]);
    assert.equal(pair.source, 'the small dogs see the red house');
    assert.equal(pair.target, 'les petits chiens voient la maison rouge');
    assert.equal(pair.alignment, '0-0 1-1 2-2 3-3 4-4 5-6 6-5');
    const singular = realizeSentence([
      {
        subject: [{ determiner: 'a', noun: 'apple', plural: false, before: 'big', after: 'green' }],
        verb: 'sleep',
        adjunct: { preposition: 'under', object: { determiner: 'our', noun: 'table', plural: false } },
      },
    ]);
    assert.equal(singular.source, 'a big green apple sleeps under our table');
    assert.equal(singular.target, 'une grande pomme verte dort sous notre table');
  });

  it('writes "an" before a vowel and makes coordinated subjects plural', () => {
    const pair = realizeSentence([
      {
        subject: [
          { determiner: 'a', noun: 'cat', plural: false, before: 'old' },
          { determiner: 'the', noun: 'girl', plural: false },
        ],
        verb: 'run',
      },
      {
        subject: [{ determiner: 'this', noun: 'cow', plural: false }],
        verb: 'like',
        object: { determiner: 'a', noun: 'apple', plural: false },
      },
    ]);
    assert.equal(pair.source, 'an old cat and the girl run and this cow likes an apple');
    assert.equal(pair.target, 'un vieux chat et la fille courent et cette vache aime une pomme');
  });

  it('refuses what the grammar cannot say', () => {
    assert.throws(() => realizeNounPhrase({ determiner: 'a', noun: 'car', plural: true }), /cannot go with a plural/);
    assert.throws(
      () => realizeSentence([{ subject: [{ determiner: 'the', noun: 'cat', plural: false }], verb: 'see' }]),
      /needs an object/,
    );
  });

  it('has at least 40 nouns of both genders and 15 adjectives that follow the noun', () => {
    const genders = [...NOUNS.values()].map((n) => n.gender);
    assert.ok(NOUNS.size >= 40);
    assert.ok(genders.filter((g) => g === 'm').length >= 15 && genders.filter((g) => g === 'f').length >= 15);
    assert.ok(POST_ADJECTIVES.size >= 15);
    assert.ok(PRE_ADJECTIVES.has('small') && PRE_ADJECTIVES.has('big'));
    // No elision: no French noun starts with a vowel or h.
    for (const noun of NOUNS.values()) assert.match(noun.french[0], /^[^aeiouyhéèêâîôû]/);
  });
});

describe('toy-fr generation', () => {
  const pairs = generateToyFr(2000, 3);

  it('gives the same pairs for the same seed and others for another', () => {
    assert.deepEqual(generateToyFr(300, 3), pairs.slice(0, 300));
    assert.notDeepEqual(generateToyFr(300, 4), pairs.slice(0, 300));
  });

  it('never repeats a sentence', () => {
    assert.equal(new Set(pairs.map((p) => p.source)).size, pairs.length);
  });

  it('aligns every word one to one, indexing the word tokenizer tokens', () => {
    const word = new WordTokenizer();
    for (const pair of pairs) {
      const source = word.tokenize(pair.source);
      const target = word.tokenize(pair.target);
      assert.deepEqual(source, pair.source.split(' '));
      assert.deepEqual(target, pair.target.split(' '));
      const links = pair.alignment.split(' ').map((l) => l.split('-').map(Number) as [number, number]);
      assert.equal(links.length, source.length);
      assert.equal(source.length, target.length);
      assert.deepEqual(
        links.map(([i]) => i),
        source.map((_, i) => i),
      );
      assert.deepEqual(
        links.map(([, j]) => j).sort((a, b) => a - b),
        target.map((_, j) => j),
      );
    }
  });

  it('spreads sentence lengths from 2 to over 20 words', () => {
    const lengths = pairs.map((p) => p.source.split(' ').length);
    assert.equal(Math.min(...lengths), 2);
    assert.ok(Math.max(...lengths) > 20 && Math.max(...lengths) <= TOY_FR_MAX_WORDS);
    assert.ok(lengths.filter((n) => n >= 15).length > pairs.length * 0.1, 'enough long sentences');
  });

  it('generates bare noun phrases and sentences with moved and unmoved adjectives', () => {
    const post = [...POST_ADJECTIVES.keys()].join('|');
    const pre = [...PRE_ADJECTIVES.keys()].join('|');
    assert.ok(
      pairs.some((p) => new RegExp(`^the (${post}) [a-z]+$`).test(p.source)),
      'like "the green car"',
    );
    assert.ok(
      pairs.some((p) =>
        new RegExp(
          `^[a-z]+ (${pre}) [a-z]+ (see|like|want|find|follow|watch|carry|push) [a-z]+ (${post} )?[a-z]+$`,
        ).test(p.source),
      ),
      'like "the small dogs see the red house"',
    );
    assert.ok(pairs.some((p) => / and /.test(p.source)));
  });
});
