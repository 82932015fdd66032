// Token and sequence accuracy of predicted token ids against target ids, for padded batches as they come out of
// tensors: flat, row-major [rows × steps] arrays. A position counts when the mask is non-zero there (if a mask is
// given) and the target is not the padding id (if one is given). A target that is the unknown-word id (if one is
// given) counts, and is always wrong: predicting `<unk>` for a word the vocabulary lacks is no translation of it.
import { LabError } from '../errors.js';

export interface TokenComparison {
  /** Predicted ids, row-major [rows × steps]. */
  predicted: ArrayLike<number>;
  /** Target ids, same shape. */
  target: ArrayLike<number>;
  /** Optional 0/1 (or weight) mask, same shape: positions where it is 0 are ignored. */
  mask?: ArrayLike<number>;
  /** Optional padding id: positions where the target is this id are ignored. */
  padId?: number;
  /** Optional unknown-word id: positions where the target is this id count as wrong, whatever was predicted. */
  unkId?: number;
}

export interface Accuracy {
  correct: number;
  total: number;
  /** correct / total, NaN when nothing was counted. Sum `correct` and `total` to combine batches. */
  accuracy: number;
}

/** The fraction of counted target positions whose predicted id is right. */
export function tokenAccuracy(comparison: TokenComparison): Accuracy {
  checkShapes(comparison);
  const { target } = comparison;
  let correct = 0;
  let total = 0;
  for (let i = 0; i < target.length; i++) {
    if (!counts(comparison, i)) continue;
    total++;
    if (right(comparison, i)) correct++;
  }
  return accuracyOf(correct, total);
}

/**
 * The fraction of sequences (rows) whose every counted position is right; `steps` is the row length. Rows with
 * no counted position are left out.
 */
export function sequenceAccuracy(comparison: TokenComparison & { steps: number }): Accuracy {
  checkShapes(comparison);
  const { target, steps } = comparison;
  if (!Number.isInteger(steps) || steps < 1 || target.length % steps !== 0) {
    throw new LabError('invalid-request', `steps must divide the ${target.length} positions evenly, got ${steps}`);
  }
  let correct = 0;
  let total = 0;
  for (let row = 0; row < target.length / steps; row++) {
    let counted = 0;
    let allRight = true;
    for (let i = row * steps; i < (row + 1) * steps; i++) {
      if (!counts(comparison, i)) continue;
      counted++;
      if (!right(comparison, i)) allRight = false;
    }
    if (counted === 0) continue;
    total++;
    if (allRight) correct++;
  }
  return accuracyOf(correct, total);
}

/**
 * Whether a decoded hypothesis is exactly the target: the same ids, ended by `<eos>` (not cut at the length
 * limit), and no `<unk>` in the target (with `unkId`), which no output can be right about.
 */
export function exactMatch(
  hypothesis: { tokens: readonly number[]; finished: boolean },
  target: readonly number[],
  unkId?: number,
): boolean {
  return (
    hypothesis.finished &&
    hypothesis.tokens.length === target.length &&
    target.every((t, k) => t !== unkId && hypothesis.tokens[k] === t)
  );
}

function right(comparison: TokenComparison, i: number): boolean {
  const target = comparison.target[i];
  return comparison.predicted[i] === target && (comparison.unkId === undefined || target !== comparison.unkId);
}

function counts(comparison: TokenComparison, i: number): boolean {
  if (comparison.mask !== undefined && comparison.mask[i] === 0) return false;
  return comparison.padId === undefined || comparison.target[i] !== comparison.padId;
}

function checkShapes({ predicted, target, mask }: TokenComparison): void {
  if (predicted.length !== target.length) {
    throw new LabError('invalid-request', `predicted has ${predicted.length} ids but target has ${target.length}`);
  }
  if (mask !== undefined && mask.length !== target.length) {
    throw new LabError('invalid-request', `mask has ${mask.length} entries but target has ${target.length}`);
  }
}

function accuracyOf(correct: number, total: number): Accuracy {
  return { correct, total, accuracy: total === 0 ? Number.NaN : correct / total };
}
