import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabError } from '../../../engine/errors.js';
import {
  alignmentCounts,
  alignmentErrorRate,
  alignmentScores,
  argmaxAlignment,
  parseAlignment,
  sumAlignmentCounts,
} from '../../../engine/metrics/index.js';

// "the green car" → "la voiture verte": gold 0-0 1-2 2-1 (srcIndex-tgtIndex).
// Rows are target words, columns source words plus a trailing <eos> column; the last row is <eos>.
const attention = {
  // prettier-ignore
  weights: Float32Array.from([
    0.8, 0.1, 0.05, 0.05, // la      → the
    0.1, 0.2, 0.6, 0.1,   // voiture → car
    0.1, 0.3, 0.2, 0.4,   // verte   → <eos> when uncropped, green when cropped
    0.0, 0.0, 0.1, 0.9,   // <eos>
  ]),
  columns: 4,
  targetLength: 3,
  sourceLength: 3,
};

describe('word alignment of attention', () => {
  it('parses Pharaoh alignments, with ? for possible links', () => {
    assert.deepEqual(parseAlignment('0-0 1-2  2?1\n'), {
      sure: [
        { source: 0, target: 0 },
        { source: 1, target: 2 },
      ],
      possible: [{ source: 2, target: 1 }],
    });
    assert.deepEqual(parseAlignment(''), { sure: [], possible: [] });
    assert.throws(
      () => parseAlignment('0-0 1:2'),
      (e: unknown) => e instanceof LabError && /link 2 "1:2"/.test(e.message),
    );
  });

  it('takes the argmax source word of each target row inside the given lengths', () => {
    assert.deepEqual(argmaxAlignment(attention), [
      { source: 0, target: 0 },
      { source: 2, target: 1 },
      { source: 1, target: 2 },
    ]);
    // Uncropped, the third row attends most to <eos> (column 3).
    assert.equal(argmaxAlignment({ ...attention, sourceLength: 4 })[2]!.source, 3);
  });

  it('scores a perfect alignment AER 0 and agreement 1', () => {
    const counts = alignmentCounts(attention, '0-0 1-2 2-1');
    assert.deepEqual(alignmentScores(counts), { aer: 0, argmaxAgreement: 1 });
  });

  it('computes AER with sure links only (P = S) and with possible links', () => {
    // Predicted: 0-0 2-1 1-2. Gold sure 0-0 1-2 only: |A∩S| = 2, |A∩P| = 2, |A| = 3, |S| = 2.
    const sureOnly = alignmentCounts(attention, '0-0 1-2');
    assert.ok(Math.abs(alignmentScores(sureOnly).aer - (1 - 4 / 5)) < 1e-12);
    // With 2?1 possible: |A∩P| = 3 → AER = 1 − 5/5 = 0.
    assert.equal(alignmentScores(alignmentCounts(attention, '0-0 1-2 2?1')).aer, 0);
    assert.equal(alignmentErrorRate(argmaxAlignment(attention), '0-0 1-2 2?1'), 0);
    assert.ok(Math.abs(alignmentErrorRate([{ source: 1, target: 0 }], '0-0') - 1) < 1e-12);
  });

  it('leaves target words without gold links out of the argmax agreement', () => {
    // Target 1 (voiture) has no gold link; this gold links target 2 (verte) to "car", which it does not attend to.
    const counts = alignmentCounts(attention, '0-0 2-2');
    assert.equal(counts.alignedTargets, 2);
    assert.equal(counts.agreeingTargets, 1);
    assert.equal(alignmentScores(counts).argmaxAgreement, 0.5);
  });

  it('sums counts over sentences for corpus scores', () => {
    const total = sumAlignmentCounts([
      alignmentCounts(attention, '0-0 1-2 2-1'),
      alignmentCounts(attention, '0-0 2-2'),
    ]);
    assert.equal(total.predicted, 6);
    assert.equal(alignmentScores(total).argmaxAgreement, 4 / 5);
    assert.ok(Number.isNaN(alignmentScores(sumAlignmentCounts([])).aer));
  });

  it('rejects gold links outside the evaluated words and matrices of the wrong size', () => {
    assert.throws(() => alignmentCounts(attention, '3-0'), /outside/);
    assert.throws(() => argmaxAlignment({ ...attention, targetLength: 5 }), LabError);
    assert.throws(() => argmaxAlignment({ ...attention, sourceLength: 5 }), LabError);
  });
});
