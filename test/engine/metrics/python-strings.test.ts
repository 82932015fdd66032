import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exactExp, exactLog } from '../../../engine/metrics/exact-math.js';
import { codePoints, formatFixed, rstrip, splitWhitespace } from '../../../engine/metrics/python-strings.js';

describe('Python string semantics', () => {
  it('splits on exactly the characters str.split() splits on', () => {
    assert.deepEqual(splitWhitespace('  a\x1cb\x85c\u202fd\ufeffe  '), ['a', 'b', 'c', 'd\ufeffe']);
    assert.deepEqual(splitWhitespace(''), []);
    assert.deepEqual(splitWhitespace(' \t '), []);
  });

  it('rstrips Python whitespace only', () => {
    assert.equal(rstrip('a b \u3000\x1f\r'), 'a b');
    assert.equal(rstrip('a\ufeff'), 'a\ufeff');
  });

  it('counts code points, not UTF-16 units', () => {
    assert.deepEqual(codePoints('a😀b'), ['a', '😀', 'b']);
  });

  it('formats like Python: exact ties round half to even', () => {
    assert.equal(formatFixed(0.125, 2), '0.12');
    assert.equal(formatFixed(0.375, 2), '0.38');
    assert.equal(formatFixed(2.5, 0), '2');
    assert.equal(formatFixed(0.05, 1), '0.1'); // 0.05 is slightly above 0.05 in binary
    assert.equal(formatFixed(48.530827009929865, 1), '48.5');
    assert.equal(formatFixed(0, 3), '0.000');
    assert.equal(formatFixed(-1.5, 0), '-2');
    assert.equal(formatFixed(1e-7, 2), '0.00');
  });
});

describe('correctly rounded exp and log', () => {
  // Python's math.exp/math.log (glibc) on inputs where V8's Math.exp/Math.log round the other way.
  it('match the correctly rounded results', () => {
    assert.equal(exactExp(-18.41832058351067), 1.0023629478128e-8);
    assert.equal(exactExp(-9.867754673681677), 0.00005181894853874972);
    assert.equal(exactLog(2.910232776078637), 1.0682330697638298);
    assert.equal(exactLog(53.92695465239235), 3.98763043922872);
  });

  it('handle the edges like Math', () => {
    assert.equal(exactExp(0), 1);
    assert.equal(exactLog(1), 0);
    assert.equal(exactExp(-1e6), 0);
    assert.equal(exactLog(0), -Infinity);
  });
});
