/** Dataset statistics: pairs per split, token lengths and types on the training split, length histograms. */
import type { DatasetStats, Split } from '../contract/api.js';
import type { TokenizerPair } from './tokenizer.js';

interface Pair {
  source: string;
  target: string;
}

export function computeStats(
  splits: Record<Split, readonly Pair[]>,
  tokenizers: TokenizerPair,
  hasAlignments: boolean,
): DatasetStats {
  const sourceTypes = new Set<string>();
  const targetTypes = new Set<string>();
  let sourceTotal = 0;
  let targetTotal = 0;
  let maxSourceLength = 0;
  let maxTargetLength = 0;
  for (const pair of splits.train) {
    const source = tokenizers.source.tokenize(pair.source);
    const target = tokenizers.target.tokenize(pair.target);
    for (const t of source) sourceTypes.add(t);
    for (const t of target) targetTypes.add(t);
    sourceTotal += source.length;
    targetTotal += target.length;
    maxSourceLength = Math.max(maxSourceLength, source.length);
    maxTargetLength = Math.max(maxTargetLength, target.length);
  }
  const n = Math.max(1, splits.train.length);
  return {
    pairs: { train: splits.train.length, valid: splits.valid.length, test: splits.test.length },
    meanSourceLength: Math.round((sourceTotal / n) * 100) / 100,
    meanTargetLength: Math.round((targetTotal / n) * 100) / 100,
    maxSourceLength,
    maxTargetLength,
    sourceTypes: sourceTypes.size,
    targetTypes: targetTypes.size,
    hasAlignments,
  };
}

/** Index = length in tokens, value = how many sentences have it. */
export function lengthHistograms(
  pairs: readonly Pair[],
  tokenizers: TokenizerPair,
): { source: number[]; target: number[] } {
  const source: number[] = [];
  const target: number[] = [];
  const add = (histogram: number[], length: number): void => {
    while (histogram.length <= length) histogram.push(0);
    histogram[length]! += 1;
  };
  for (const pair of pairs) {
    add(source, tokenizers.source.tokenize(pair.source).length);
    add(target, tokenizers.target.tokenize(pair.target).length);
  }
  return { source, target };
}
