// Perplexity: exp of the mean negative log-likelihood per target token (natural log), so that a model that
// spreads its probability uniformly over V words scores V.
import { LabError } from '../errors.js';

/**
 * Perplexity from the summed negative log-likelihood (nats) and the number of tokens it was summed over.
 * NaN when there are no tokens: there is nothing to measure.
 */
export function perplexity(summedNegativeLogLikelihood: number, tokenCount: number): number {
  if (!Number.isFinite(summedNegativeLogLikelihood) || summedNegativeLogLikelihood < 0) {
    throw new LabError(
      'invalid-request',
      `summed negative log-likelihood must be a finite number ≥ 0, got ${summedNegativeLogLikelihood}`,
    );
  }
  if (!Number.isInteger(tokenCount) || tokenCount < 0) {
    throw new LabError('invalid-request', `token count must be a whole number ≥ 0, got ${tokenCount}`);
  }
  if (tokenCount === 0) return Number.NaN;
  return Math.exp(summedNegativeLogLikelihood / tokenCount);
}
