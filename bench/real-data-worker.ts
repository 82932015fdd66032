/**
 * The mtlab side of the real-data benchmark in a process of its own (forked by bench/run.ts), so that its peak
 * resident memory is a training process's own, as a worker of the lab's queue would have it:
 *
 *   node dist/bench/real-data-worker.js --steps N --warmup W --threads T --backend B
 *
 * Prints one JSON line: time per step, real target tokens per second, padding, and RSS after warm-up, at the end
 * and at its peak.
 */
import { parseArgs } from 'node:util';
import type { BackendName } from '../engine/contract/api.js';
import { setAddonThreads } from '../engine/backend/addon.js';
import { useBackend } from '../engine/backend/select.js';
import { paddingShare, targetTokens } from '../engine/data/batching.js';
import { REAL_DATA, REAL_DATA_MODEL, realDataBatches } from './real-data.js';
import { referenceTrainer } from './reference.js';

export interface RealDataFigures {
  backend: BackendName;
  threads: number;
  steps: number;
  /** Total time ÷ steps (the batches differ in length, so a mean over whole cycles, not a median). */
  msPerStep: number;
  /** Real target tokens (no padding) trained per second. */
  tokensPerSecond: number;
  padding: number;
  parameters: number;
  rssAfterWarmupMB: number;
  rssEndMB: number;
  peakRssMB: number;
  loss: { first: number; last: number };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: String(REAL_DATA.batches) },
      warmup: { type: 'string', default: '4' },
      threads: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'auto' },
    },
  });
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  const threads = Number(values.threads);
  const backend = await useBackend(values.backend as BackendName | 'auto');
  setAddonThreads(threads);
  const batches = realDataBatches(1);
  const trainer = referenceTrainer(1, REAL_DATA_MODEL, REAL_DATA.sourceVocab, REAL_DATA.targetVocab);
  const losses: number[] = [];
  for (let i = 0; i < warmup; i++) losses.push(await trainer.stepAsync(batches[i % batches.length]!));
  const rssAfterWarmup = process.memoryUsage.rss();
  let tokens = 0;
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    const batch = batches[i % batches.length]!;
    losses.push(await trainer.stepAsync(batch));
    tokens += targetTokens(batch);
  }
  const seconds = (performance.now() - started) / 1000;
  const figures: RealDataFigures = {
    backend,
    threads,
    steps,
    msPerStep: (seconds * 1000) / steps,
    tokensPerSecond: tokens / seconds,
    padding: paddingShare(batches),
    parameters: trainer.model.params.count,
    rssAfterWarmupMB: rssAfterWarmup / 2 ** 20,
    rssEndMB: process.memoryUsage.rss() / 2 ** 20,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    loss: { first: losses[0] ?? NaN, last: losses[losses.length - 1] ?? NaN },
  };
  trainer.dispose();
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
