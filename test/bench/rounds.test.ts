import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alternateRounds, spread } from '../../bench/rounds.js';

describe('benchmark rounds', () => {
  it('alternates mtlab and PyTorch, at the same thread policies, and reports medians, ranges and the ratio', async () => {
    const calls: string[] = [];
    // A machine that gets busier and calmer: round 2 is slow for both sides.
    const load = [1, 2, 1.1];
    const result = await alternateRounds({
      rounds: 3,
      policies: [2, 1, 2],
      timeMtlab: (threads, round) => {
        calls.push(`mtlab ${threads}`);
        return (threads === 1 ? 100 : 80) * load[round]!;
      },
      timePytorch: async (policies, round) => {
        calls.push(`pytorch ${policies.join(',')}`);
        return { available: true, msPerStep: { '1': 90 * load[round]!, '2': 120 * load[round]! } };
      },
    });
    assert.deepEqual(calls, [
      'mtlab 1',
      'mtlab 2',
      'pytorch 1,2',
      'mtlab 1',
      'mtlab 2',
      'pytorch 1,2',
      'mtlab 1',
      'mtlab 2',
      'pytorch 1,2',
    ]);
    assert.deepEqual(result.order, ['mtlab', 'pytorch', 'mtlab', 'pytorch', 'mtlab', 'pytorch']);
    assert.deepEqual(result.policies, [1, 2]);
    // Each side's better policy per round: mtlab at 2 threads, PyTorch at 1.
    assert.deepEqual(result.mtlab.bestThreads, [2, 2, 2]);
    assert.deepEqual(result.pytorch!.bestThreads, [1, 1, 1]);
    assert.deepEqual(result.mtlab.best, { median: 88, min: 80, max: 160, values: [80, 160, 88] });
    assert.equal(result.pytorch!.threads['2']!.median, 132);
    // The load cancels out of the per-round ratio: PyTorch 90 ms ÷ mtlab 80 ms every round.
    assert.ok(Math.abs(result.ratio!.median - 1.125) < 1e-12 && Math.abs(result.ratio!.max - 1.125) < 1e-12);
  });

  it('times mtlab alone, saying why, where PyTorch is not available', async () => {
    let asked = 0;
    const result = await alternateRounds({
      rounds: 3,
      policies: [1],
      timeMtlab: () => 50,
      timePytorch: async () => {
        asked++;
        return { available: false, reason: 'python3-torch is not installed' };
      },
    });
    assert.equal(asked, 1, 'asked once');
    assert.deepEqual(result.order, ['mtlab', 'mtlab', 'mtlab']);
    assert.equal(result.pytorch, undefined);
    assert.equal(result.ratio, undefined);
    assert.equal(result.unavailable, 'python3-torch is not installed');
    assert.equal(result.mtlab.best.median, 50);
  });

  it('spread: median of an even count is the mean of the middle two', () => {
    assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, values: [4, 1, 3, 2] });
    assert.throws(() => spread([]));
  });
});
