/**
 * `reverse` and `copy`: the classic sanity-check tasks. Sources are random sequences of single-character symbols
 * (digits and letters, space-separated so each is one word token); the target is the source reversed, or the
 * source itself. The gold alignment is known exactly: i ↔ n-1-i for reverse, i ↔ i for copy.
 */
import { Rng } from '../random.js';
import type { AlignedPair } from './toy-fr.js';

export type SequenceTask = 'reverse' | 'copy';

export interface SequenceTaskOptions {
  minLength: number;
  maxLength: number;
  symbols: readonly string[];
}

export const SEQUENCE_TASK_DEFAULTS: SequenceTaskOptions = {
  minLength: 1,
  maxLength: 15,
  symbols: [...'0123456789abcdefghij'],
};

export function generateSequenceTask(
  task: SequenceTask,
  count: number,
  seed: number,
  options: SequenceTaskOptions = SEQUENCE_TASK_DEFAULTS,
): AlignedPair[] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const pairs: AlignedPair[] = [];
  for (let attempts = 0; pairs.length < count; attempts++) {
    if (attempts > count * 20 + 1000) throw new Error(`${task} could not make ${count} distinct pairs`);
    const length = rng.range(options.minLength, options.maxLength);
    const tokens = Array.from({ length }, () => rng.pick(options.symbols));
    const source = tokens.join(' ');
    // Short sequences run out first; drawing again keeps every pair distinct at the cost of a few short ones.
    if (seen.has(source)) continue;
    seen.add(source);
    const target = task === 'reverse' ? [...tokens].reverse().join(' ') : source;
    const alignment = tokens.map((_, i) => `${i}-${task === 'reverse' ? length - 1 - i : i}`).join(' ');
    pairs.push({ source, target, alignment });
  }
  return pairs;
}
