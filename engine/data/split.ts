/**
 * The seeded train / valid / test split. The pairs are shuffled with the seed, then the first test-fraction go to
 * test, the next valid-fraction to valid and the rest to train. Any split with a non-zero fraction gets at least
 * one pair when there are at least three, so small corpora still validate.
 */
import type { Split } from '../contract/api.js';
import { LabError } from '../errors.js';
import { Rng } from '../random.js';

export const DEFAULT_VALID_FRACTION = 0.05;
export const DEFAULT_TEST_FRACTION = 0.05;
export const DEFAULT_SPLIT_SEED = 1;

export interface SplitOptions {
  validFraction: number;
  testFraction: number;
  seed: number;
}

export function splitSizes(n: number, validFraction: number, testFraction: number): Record<Split, number> {
  const size = (fraction: number): number => (fraction > 0 ? Math.max(n >= 3 ? 1 : 0, Math.round(n * fraction)) : 0);
  const test = size(testFraction);
  const valid = size(validFraction);
  return { train: n - valid - test, valid, test };
}

export function splitPairs<T>(items: readonly T[], options: SplitOptions): Record<Split, T[]> {
  const sizes = splitSizes(items.length, options.validFraction, options.testFraction);
  if (sizes.train < 1) {
    throw new LabError(
      'invalid-request',
      `${items.length} pairs leave none for training with valid fraction ${options.validFraction} and test ` +
        `fraction ${options.testFraction}`,
      { field: 'validFraction' },
    );
  }
  const order = new Rng(options.seed).shuffle(items.map((_, i) => i));
  const pick = (from: number, to: number): T[] => order.slice(from, to).map((i) => items[i]!);
  return {
    test: pick(0, sizes.test),
    valid: pick(sizes.test, sizes.test + sizes.valid),
    train: pick(sizes.test + sizes.valid, items.length),
  };
}
