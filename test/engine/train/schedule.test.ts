import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../../engine/config.js';
import { LearningRate, teacherForcingRatio } from '../../../engine/train/schedule.js';

const close = (actual: number, expected: number): void =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

describe('learning-rate schedules', () => {
  it('constant stays put', () => {
    const rate = new LearningRate(0.01, { kind: 'constant' }, 100);
    assert.deepEqual([rate.at(1), rate.at(50), rate.at(100)], [0.01, 0.01, 0.01]);
  });

  it('warms up linearly, then follows a cosine down to the floor at the last step', () => {
    const rate = new LearningRate(
      0.002,
      { kind: 'warmup-decay', warmupSteps: 100, decay: 'cosine', minLearningRate: 1e-4 },
      3100,
    );
    close(rate.at(1), 0.002 / 100);
    close(rate.at(50), 0.001);
    close(rate.at(100), 0.002);
    close(rate.at(1600), 1e-4 + (0.002 - 1e-4) / 2); // half way through the decay
    close(rate.at(3100), 1e-4);
    for (let step = 101; step < 3100; step += 97) assert.ok(rate.at(step) >= rate.at(step + 97) - 1e-15);
  });

  it('decays linearly or with the inverse square root', () => {
    const linear = new LearningRate(
      1,
      { kind: 'warmup-decay', warmupSteps: 0, decay: 'linear', minLearningRate: 0 },
      101,
    );
    close(linear.at(1), 1);
    close(linear.at(51), 0.5);
    close(linear.at(101), 0);
    const sqrt = new LearningRate(
      1,
      { kind: 'warmup-decay', warmupSteps: 400, decay: 'inverse-sqrt', minLearningRate: 0 },
      10_000,
    );
    close(sqrt.at(400), 1);
    close(sqrt.at(1600), 0.5);
  });

  it('never lifts the rate above the base rate to reach the floor', () => {
    const rate = new LearningRate(
      5e-5,
      { kind: 'warmup-decay', warmupSteps: 0, decay: 'cosine', minLearningRate: 1e-4 },
      100,
    );
    close(rate.at(1), 5e-5);
    close(rate.at(100), 5e-5);
  });

  it('halves on a plateau after `patience` validations without improvement, and resumes from its state', () => {
    const rate = new LearningRate(0.1, { kind: 'plateau', factor: 0.5, patience: 1, minLearningRate: 0.03 }, 100);
    rate.observe(2);
    rate.observe(1.5);
    rate.observe(1.6);
    assert.equal(rate.at(10), 0.1);
    rate.observe(1.55);
    assert.equal(rate.at(10), 0.05);
    rate.observe(1.7);
    rate.observe(1.7);
    assert.equal(rate.at(10), 0.03, 'not below the floor');
    const resumed = new LearningRate(0.1, { kind: 'plateau', factor: 0.5, patience: 1, minLearningRate: 0.03 }, 100);
    resumed.state = rate.state;
    assert.equal(resumed.at(11), 0.03);
  });

  it("the plateau threshold is relative, as ReduceLROnPlateau's default threshold_mode='rel'", () => {
    const plateau = { kind: 'plateau', factor: 0.5, patience: 0, minLearningRate: 0 } as const;
    // A large loss: 100 → 99.995 is 0.005 lower (above an absolute 1e-4) but only 5e-5 of it: no improvement.
    const large = new LearningRate(1, plateau, 100);
    large.observe(100);
    large.observe(99.995);
    assert.equal(large.at(2), 0.5);
    // A small loss: 0.01 → 0.00999 is 1e-5 lower (under an absolute 1e-4) but 1e-3 of it: an improvement.
    const small = new LearningRate(1, plateau, 100);
    small.observe(0.01);
    small.observe(0.00999);
    assert.equal(small.at(2), 1);
    assert.equal(small.state.best, 0.00999);
    // Exactly best · (1 − 1e-4) is not below it: PyTorch's `a < best * (1 - threshold)`.
    const edge = new LearningRate(1, plateau, 100);
    edge.observe(2);
    edge.observe(2 * (1 - 1e-4));
    assert.equal(edge.at(2), 0.5);
  });

  it('the default is a short warm-up and a cosine decay', () => {
    assert.deepEqual(DEFAULT_CONFIG.train.schedule, {
      kind: 'warmup-decay',
      warmupSteps: 100,
      decay: 'cosine',
      minLearningRate: 1e-4,
    });
  });
});

describe('teacher forcing', () => {
  it('stays, decays linearly to its end ratio, or follows the inverse sigmoid', () => {
    assert.equal(teacherForcingRatio(1, { kind: 'none' }, 500), 1);
    close(teacherForcingRatio(1, { kind: 'linear', endRatio: 0.5, steps: 1000 }, 500), 0.75);
    close(teacherForcingRatio(1, { kind: 'linear', endRatio: 0.5, steps: 1000 }, 5000), 0.5);
    close(teacherForcingRatio(1, { kind: 'inverse-sigmoid', k: 100 }, 0), 100 / 101);
    assert.ok(teacherForcingRatio(1, { kind: 'inverse-sigmoid', k: 100 }, 1000) < 0.01);
  });
});
