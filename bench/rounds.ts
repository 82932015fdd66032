/**
 * Alternating rounds for a benchmark on a shared machine: mtlab, then PyTorch, then mtlab again, ... (A B A B),
 * each side at the same thread policies every round (1 thread and all cores; a side's figure for a round is the
 * better of the two, as a user would pick), so load from other processes falls on both sides alike. Each side is
 * reported as the median and range of its rounds; the ratio as the median and range of the per-round ratios.
 */

/** Median, smallest and largest of a series, with the series itself. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values: [...values] };
}

/** One side's rounds: ms per step at each thread policy, and the better of the policies per round. */
export interface SideRounds {
  /** Per thread count ("1", "2"): ms per training step in each round. */
  threads: Record<string, Spread>;
  /** Per round, the faster of the thread policies: ms per step. */
  best: Spread;
  /** Per round, the thread count that was faster. */
  bestThreads: number[];
}

export interface RoundsResult {
  rounds: number;
  policies: number[];
  /** What ran, in order: 'mtlab' and 'pytorch' alternating. */
  order: ('mtlab' | 'pytorch')[];
  mtlab: SideRounds;
  /** Absent where PyTorch is not available (`unavailable` says why). */
  pytorch?: SideRounds;
  unavailable?: string;
  /** mtlab's training throughput ÷ PyTorch's, per round (PyTorch ms ÷ mtlab ms, each side's best policy). */
  ratio?: Spread;
}

export interface RoundsOptions {
  rounds: number;
  /** Thread counts every round measures on both sides, e.g. [1, cores]. */
  policies: number[];
  /** Time mtlab's step at `threads`: ms per step. */
  timeMtlab(threads: number, round: number): number | Promise<number>;
  /** Time PyTorch's step at each of `policies` (one process per policy): ms per step by thread count. */
  timePytorch(
    policies: number[],
    round: number,
  ): Promise<{ available: true; msPerStep: Record<string, number> } | { available: false; reason: string }>;
  log?(line: string): void;
}

function side(perRound: Record<string, number>[], policies: number[]): SideRounds {
  const threads: Record<string, Spread> = {};
  for (const t of policies) threads[String(t)] = spread(perRound.map((r) => r[String(t)]!));
  const bestThreads = perRound.map((r) => policies.reduce((a, b) => (r[String(b)]! < r[String(a)]! ? b : a)));
  return { threads, best: spread(perRound.map((r, i) => r[String(bestThreads[i]!)]!)), bestThreads };
}

export async function alternateRounds(options: RoundsOptions): Promise<RoundsResult> {
  const rounds = Math.max(1, Math.floor(options.rounds));
  const policies = [...new Set(options.policies)].sort((a, b) => a - b);
  const order: RoundsResult['order'] = [];
  const mtlab: Record<string, number>[] = [];
  const pytorch: Record<string, number>[] = [];
  let unavailable: string | undefined;
  for (let round = 0; round < rounds; round++) {
    const mine: Record<string, number> = {};
    for (const t of policies) mine[String(t)] = await options.timeMtlab(t, round);
    order.push('mtlab');
    mtlab.push(mine);
    options.log?.(
      `  round ${round + 1} mtlab:   ${policies.map((t) => `${t} thread${t === 1 ? '' : 's'} ${mine[String(t)]!.toFixed(1)} ms`).join(', ')}`,
    );
    if (unavailable !== undefined) continue;
    const peer = await options.timePytorch(policies, round);
    if (!peer.available) {
      unavailable = peer.reason;
      continue;
    }
    order.push('pytorch');
    pytorch.push(peer.msPerStep);
    options.log?.(
      `  round ${round + 1} PyTorch: ${policies.map((t) => `${t} thread${t === 1 ? '' : 's'} ${peer.msPerStep[String(t)]!.toFixed(1)} ms`).join(', ')}`,
    );
  }
  const result: RoundsResult = { rounds, policies, order, mtlab: side(mtlab, policies) };
  if (pytorch.length === rounds) {
    result.pytorch = side(pytorch, policies);
    result.ratio = spread(result.pytorch.best.values.map((ms, i) => ms / result.mtlab.best.values[i]!));
  } else {
    result.unavailable = unavailable ?? 'PyTorch did not run every round';
  }
  return result;
}
