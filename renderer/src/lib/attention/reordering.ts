/**
 * Which validation sentence shows attention at its best: one where the output's word order differs from the
 * source's (green car → voiture verte), so the map is not just a diagonal.
 */
import type { HeatmapData } from './heatmap.js';

/** The longest sentence worth opening on: longer ones make small cells side by side. */
const SHOWCASE_MAX_WORDS = 10;

/**
 * How often the alignment crosses itself: pairs of output tokens whose strongest source tokens come in the other
 * order. `<eos>` rows and columns are left out (every sentence ends the same way).
 */
export function crossings(matrix: HeatmapData): number {
  const cols = matrix.sourceTokens.length;
  const aligned: number[] = [];
  matrix.targetTokens.forEach((token, row) => {
    if (token === '<eos>') return;
    let best = 0;
    for (let c = 1; c < cols; c++)
      if ((matrix.weights[row * cols + c] ?? 0) > (matrix.weights[row * cols + best] ?? 0)) best = c;
    if (matrix.sourceTokens[best] !== '<eos>') aligned.push(best);
  });
  let count = 0;
  for (let i = 0; i < aligned.length; i++)
    for (let j = i + 1; j < aligned.length; j++) if (aligned[i]! > aligned[j]!) count++;
  return count;
}

/**
 * The index of the sentence to show first: of those of at most ten words, the one whose alignment crosses most
 * (the shorter on a tie), else the longest of them; null when there is none.
 */
export function showcaseSentence<T extends HeatmapData & { sampleIndex: number }>(
  matrices: readonly T[],
): number | null {
  const words = (m: T): number => m.sourceTokens.filter((t) => t !== '<eos>').length;
  const candidates = matrices.filter((m) => words(m) <= SHOWCASE_MAX_WORDS);
  if (candidates.length === 0) return matrices[0]?.sampleIndex ?? null;
  const scored = candidates.map((m) => ({ m, crossings: crossings(m), words: words(m) }));
  scored.sort((a, b) =>
    a.crossings !== b.crossings ? b.crossings - a.crossings : a.crossings > 0 ? a.words - b.words : b.words - a.words,
  );
  return scored[0]!.m.sampleIndex;
}
