import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asciiFold, countWords, normalizeText } from '../../../engine/data/normalize.js';
import { tutorialKeepsPair, tutorialNormalize } from '../../../engine/data/tutorial-preset.js';

describe('normalizeText', () => {
  it('composes to NFC, makes Unicode spaces plain and collapses them', () => {
    assert.equal(normalizeText('  Cours\u202F!\u00A0 Vite\u2009?\t'), 'Cours ! Vite ?');
    assert.equal(normalizeText('e\u0301te\u0301'), '\u00E9t\u00E9');
    assert.equal(normalizeText('zero\u200Bwidth soft\u00ADhyphen'), 'zerowidth softhyphen');
    assert.equal(normalizeText('a\u0007b'), 'ab');
  });

  it('turns the tokenizer marker characters into spaces', () => {
    assert.equal(normalizeText('a\uFFEDb\u2581c'), 'a b c');
  });

  it('lower-cases and ASCII-folds on request', () => {
    assert.equal(normalizeText('Été À Noël', { lowercase: true }), 'été à noël');
    assert.equal(normalizeText('Été À Noël', { asciiFold: true }), 'Ete A Noel');
    assert.equal(asciiFold('cœur « garçon » l’été'), 'coeur " garcon " l\'ete');
  });

  it('counts space-separated words', () => {
    assert.equal(countWords(''), 0);
    assert.equal(countWords('one'), 1);
    assert.equal(countWords('one two three'), 3);
  });
});

describe('the pytorch-tutorial preset', () => {
  it('normalises as the tutorial does: "." dropped, "!?" split off, non-letters to spaces', () => {
    assert.equal(tutorialNormalize("I'm OK."), 'i m ok');
    assert.equal(tutorialNormalize('Cours\u202F!'), 'cours !');
    assert.equal(tutorialNormalize('Qu’est-ce que c’est\u00A0?'), 'qu est ce que c est ?');
    assert.equal(tutorialNormalize('Il a 20 ans, déjà.'), 'il a ans deja');
    assert.equal(tutorialNormalize('cœur'), 'c ur');
  });

  it('keeps short pairs whose English side starts with a prefix', () => {
    assert.ok(tutorialKeepsPair('i m ok', 'je vais bien'));
    assert.ok(tutorialKeepsPair('he isn t here', 'il n est pas ici'));
    assert.ok(!tutorialKeepsPair('i mean it', 'je suis serieux'));
    assert.ok(!tutorialKeepsPair('you are one two three four five six seven eight', 'x'));
    assert.ok(tutorialKeepsPair('you are one two three four five six seven', 'x'));
  });
});
