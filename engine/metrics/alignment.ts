// How well attention weights align words, against a gold word alignment: the alignment error rate of Och & Ney
// (2003) of the argmax alignment, and the simpler argmax agreement. Gold alignments are in Pharaoh format:
// "srcIndex-tgtIndex" pairs, 0-based, separated by spaces, e.g. "0-0 1-2 2-1"; "srcIndex?tgtIndex" marks a
// possible (not sure) link.
import { LabError } from '../errors.js';

export interface AlignmentLink {
  source: number;
  target: number;
}

export interface GoldAlignment {
  /** Sure links (S). */
  sure: AlignmentLink[];
  /** Possible links beyond the sure ones; P = S ∪ possible. Empty when the gold has only sure links. */
  possible: AlignmentLink[];
}

/** An attention matrix: rows are target tokens, columns source tokens, row-major. */
export interface AttentionWeights {
  weights: ArrayLike<number>;
  /** Columns per stored row (the source length the model attended over, e.g. including `<eos>`). */
  columns: number;
  /** Target words to evaluate: the first `targetLength` rows (crop a trailing `<eos>` row by leaving it out). */
  targetLength: number;
  /** Source words to evaluate: the first `sourceLength` columns. */
  sourceLength: number;
}

/** Parse a Pharaoh-format alignment: "0-0 1-2 2-1" (sure links), "1?2" for a possible link. */
export function parseAlignment(text: string): GoldAlignment {
  const sure: AlignmentLink[] = [];
  const possible: AlignmentLink[] = [];
  const pairs = text.trim() === '' ? [] : text.trim().split(/\s+/);
  pairs.forEach((pair, i) => {
    const match = /^(\d+)([-?])(\d+)$/.exec(pair);
    if (match === null) {
      throw new LabError(
        'invalid-data',
        `alignment link ${i + 1} "${pair}" is not "srcIndex-tgtIndex" (Pharaoh format, e.g. "0-0 1-2 2-1")`,
      );
    }
    const link = { source: Number(match[1]), target: Number(match[3]) };
    (match[2] === '-' ? sure : possible).push(link);
  });
  return { sure, possible };
}

/** For each evaluated target word, the link to the source word it attends to most (the first, on a tie). */
export function argmaxAlignment(attention: AttentionWeights): AlignmentLink[] {
  checkAttention(attention);
  const { weights, columns, targetLength, sourceLength } = attention;
  const links: AlignmentLink[] = [];
  if (sourceLength === 0) return links;
  for (let target = 0; target < targetLength; target++) {
    let best = 0;
    for (let source = 1; source < sourceLength; source++) {
      if (weights[target * columns + source]! > weights[target * columns + best]!) best = source;
    }
    links.push({ source: best, target });
  }
  return links;
}

/** Sufficient statistics of alignment quality; sum them over sentences for corpus-level scores. */
export interface AlignmentCounts {
  /** |A|: predicted links. */
  predicted: number;
  /** |S|: sure gold links. */
  sure: number;
  /** |A ∩ S|. */
  predictedSure: number;
  /** |A ∩ P|, where P holds the sure and the possible links. */
  predictedPossible: number;
  /** Target words with at least one gold link. */
  alignedTargets: number;
  /** Of those, the ones whose argmax source word is one of their gold-aligned source words. */
  agreeingTargets: number;
}

export interface AlignmentScores {
  /** 1 − (|A∩S| + |A∩P|) / (|A| + |S|), 0 is perfect; NaN when there are no links at all. */
  aer: number;
  /** agreeingTargets / alignedTargets; NaN when no target word has a gold link. */
  argmaxAgreement: number;
}

/**
 * Compare the argmax alignment of `attention` with `gold` (Pharaoh text or parsed). Every evaluated target word
 * contributes one predicted link; gold links must lie inside the evaluated lengths.
 */
export function alignmentCounts(attention: AttentionWeights, gold: GoldAlignment | string): AlignmentCounts {
  const goldAlignment = typeof gold === 'string' ? parseAlignment(gold) : gold;
  for (const link of [...goldAlignment.sure, ...goldAlignment.possible]) {
    if (link.source >= attention.sourceLength || link.target >= attention.targetLength) {
      throw new LabError(
        'invalid-data',
        `gold link ${link.source}-${link.target} lies outside the ${attention.sourceLength} source × ` +
          `${attention.targetLength} target words evaluated`,
      );
    }
  }
  const predicted = argmaxAlignment(attention);
  const goldSources = new Map<number, Set<number>>();
  for (const link of [...goldAlignment.sure, ...goldAlignment.possible]) {
    const sources = goldSources.get(link.target) ?? new Set<number>();
    sources.add(link.source);
    goldSources.set(link.target, sources);
  }
  let agreeingTargets = 0;
  for (const link of predicted) if (goldSources.get(link.target)?.has(link.source) === true) agreeingTargets++;
  return { ...linkCounts(predicted, goldAlignment), alignedTargets: goldSources.size, agreeingTargets };
}

/** Add up counts of several sentences. */
export function sumAlignmentCounts(counts: readonly AlignmentCounts[]): AlignmentCounts {
  const sum: AlignmentCounts = {
    predicted: 0,
    sure: 0,
    predictedSure: 0,
    predictedPossible: 0,
    alignedTargets: 0,
    agreeingTargets: 0,
  };
  for (const c of counts) {
    sum.predicted += c.predicted;
    sum.sure += c.sure;
    sum.predictedSure += c.predictedSure;
    sum.predictedPossible += c.predictedPossible;
    sum.alignedTargets += c.alignedTargets;
    sum.agreeingTargets += c.agreeingTargets;
  }
  return sum;
}

/** AER and argmax agreement of (summed) counts. */
export function alignmentScores(counts: AlignmentCounts): AlignmentScores {
  const links = counts.predicted + counts.sure;
  return {
    aer: links === 0 ? Number.NaN : 1 - (counts.predictedSure + counts.predictedPossible) / links,
    argmaxAgreement: counts.alignedTargets === 0 ? Number.NaN : counts.agreeingTargets / counts.alignedTargets,
  };
}

/** Och & Ney's alignment error rate of any predicted links against a gold alignment. */
export function alignmentErrorRate(predicted: readonly AlignmentLink[], gold: GoldAlignment | string): number {
  const counts = linkCounts(predicted, typeof gold === 'string' ? parseAlignment(gold) : gold);
  return alignmentScores({ ...counts, alignedTargets: 0, agreeingTargets: 0 }).aer;
}

/** |A|, |S|, |A ∩ S| and |A ∩ P| (links counted once each). */
function linkCounts(
  predicted: readonly AlignmentLink[],
  gold: GoldAlignment,
): Pick<AlignmentCounts, 'predicted' | 'sure' | 'predictedSure' | 'predictedPossible'> {
  const key = (link: AlignmentLink): string => `${link.source}-${link.target}`;
  const predictedKeys = new Set(predicted.map(key));
  const sure = new Set(gold.sure.map(key));
  const possible = new Set([...sure, ...gold.possible.map(key)]);
  let predictedSure = 0;
  let predictedPossible = 0;
  for (const link of predictedKeys) {
    if (sure.has(link)) predictedSure++;
    if (possible.has(link)) predictedPossible++;
  }
  return { predicted: predictedKeys.size, sure: sure.size, predictedSure, predictedPossible };
}

function checkAttention({ weights, columns, targetLength, sourceLength }: AttentionWeights): void {
  if (![columns, targetLength, sourceLength].every((n) => Number.isInteger(n) && n >= 0)) {
    throw new LabError('invalid-request', 'attention columns and lengths must be whole numbers ≥ 0');
  }
  if (sourceLength > columns) {
    throw new LabError('invalid-request', `source length ${sourceLength} exceeds the ${columns} attention columns`);
  }
  if (targetLength * columns > weights.length) {
    throw new LabError(
      'invalid-request',
      `${targetLength} target rows × ${columns} columns need ${targetLength * columns} weights, got ${weights.length}`,
    );
  }
}
