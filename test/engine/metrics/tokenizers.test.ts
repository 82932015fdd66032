import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenize13a, tokenizeChar, tokenizeIntl } from '../../../engine/metrics/index.js';
import { splitWhitespace } from '../../../engine/metrics/python-strings.js';

// Expected outputs were produced by sacrebleu's own tokenizer code.
describe('13a tokenizer', () => {
  it('unescapes &quot; &amp; &lt; &gt; (but not &apos;) and splits punctuation off', () => {
    assert.equal(
      tokenize13a('&quot;Hi&quot; &amp; bye &apos;x&apos; &lt;b&gt;'),
      '" Hi " & bye & apos ; x & apos ; < b >',
    );
  });

  it('keeps decimal points and thousands commas, splits a dash after a digit', () => {
    assert.equal(
      tokenize13a('It costs 3.5 or 1,000 dollars, see 2-3 and a-b.'),
      'It costs 3.5 or 1,000 dollars , see 2 - 3 and a-b .',
    );
    // The line is padded with spaces first, so a final period after a number is split off.
    assert.equal(tokenize13a('in 1990.'), 'in 1990 .');
  });

  it('drops <skipped>, joins words hyphenated over a line break, and leaves CJK punctuation alone', () => {
    assert.equal(tokenize13a('<skipped> a-\nb\nc'), 'ab c');
    assert.equal(tokenize13a('東京は大きい。「はい」'), '東京は大きい。「はい」');
  });

  it('collapses every kind of whitespace Python splits on', () => {
    assert.equal(tokenize13a('\u3000a\u00a0b\x1cc\x85d\t\n'), 'a b c d');
  });
});

describe('intl tokenizer', () => {
  it('splits Unicode punctuation and symbols off, keeping punctuation between digits', () => {
    assert.equal(tokenizeIntl('東京は大きい。「はい」、そうです！'), '東京は大きい 。 「 はい 」 、 そうです ！');
    assert.equal(
      tokenizeIntl('¿Qué tal? «Bonjour» 5€ 3.5 1,000 x+y 👍'),
      '¿ Qué tal ? « Bonjour » 5 € 3.5 1,000 x + y 👍',
    );
    assert.equal(tokenizeIntl('Привет, мир! ٣٫٥ و٤،'), 'Привет , мир ! ٣٫٥ و٤،');
  });

  it('keeps a final period after a number, as mteval-v14 does', () => {
    assert.equal(tokenizeIntl('in 1990.'), 'in 1990.');
  });
});

describe('char tokenizer', () => {
  it('makes every code point a token; whitespace vanishes when BLEU splits', () => {
    assert.equal(tokenizeChar('ab c'), 'a b   c');
    assert.deepEqual(splitWhitespace(tokenizeChar('a😀 b')), ['a', '😀', 'b']);
  });
});
