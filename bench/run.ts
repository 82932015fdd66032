/**
 * `npm run bench` / `mtlab bench`: how fast mtlab trains and decodes against PyTorch on this machine, and how the
 * experiment store copes with long runs.
 *
 *   training  the reference step (bench/reference.ts) — median ms per step, target tokens/s, ratio to PyTorch
 *   decoding  greedy and beam-5 sentences per second on 256 random sentences
 *   real      a corpus-sized model on padded batches of realistic lengths (bench/real-data.ts), both sides on the
 *             same batches: real target tokens/s, the ratio, and each side's peak resident memory
 *   store     100 runs × 50,000 points per metric: the bucketed series query, and what logging adds to a step
 *
 * The PyTorch side is bench/pytorch (run by bench/peer.ts) with Debian's python3-torch and OpenBLAS.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, MetricKey } from '../engine/contract/api.js';
import { hasFusedKernels, setFusedKernels } from '../engine/backend/fused-kernels.js';
import { defaultAddonThreads, describeAddon, setAddonThreads } from '../engine/backend/addon.js';
import { useBackend } from '../engine/backend/select.js';
import { beamSearch, greedySearch } from '../engine/decode/search.js';
import { Rng } from '../engine/random.js';
import { Store } from '../engine/store/store.js';
import { DEFAULT_CONFIG } from '../engine/config.js';
import { gradientFlow } from '../engine/train/gradient-flow.js';
import { MTLAB_VERSION } from '../engine/version.js';
import { type PeerResult, type PeerUnavailable, runPytorchPeer } from './peer.js';
import { alternateRounds, type RoundsResult, type Spread } from './rounds.js';
import {
  BENCH_SIZES,
  type BenchModel,
  benchModel,
  randomBatch,
  REFERENCE,
  REFERENCE_MODEL,
  referenceTrainer,
} from './reference.js';
import { timeCompareView, type UiFigures } from './ui.js';
import { paddingShare } from '../engine/data/batching.js';
import { batchesJson, REAL_DATA, realDataBatches } from './real-data.js';
import type { RealDataFigures } from './real-data-worker.js';

export type BenchSection = 'training' | 'decoding' | 'real' | 'store' | 'ui';

export interface BenchOptions {
  steps: number;
  warmup: number;
  /** Alternating rounds of mtlab and PyTorch training steps (at least 1; `npm run bench` runs 3). */
  rounds?: number;
  sections: ReadonlySet<BenchSection>;
  peer: boolean;
  backend: BackendName | 'auto';
  /** The model trained: the reference one (default) or the large one of the GPU benchmark. */
  model?: BenchModel;
  /** Also time the reference step without mtlab's fused kernels. */
  variants: boolean;
  /** Also profile one step: time per kernel. */
  profile?: boolean;
  log: (line: string) => void;
}

export interface TrainingFigures {
  backend: BackendName;
  fusedKernels: boolean;
  native: string | null;
  msPerStep: number;
  tokensPerSecond: number;
  parameters: number;
  /** Memory after the timed steps minus before: flat (≈ 0) means no tensor leaks per step. */
  tensorsLeakedPerStep: number;
  heapGrowthMBPerStep: number;
  /** Where one step's time goes (--profile): kernels by total time, and the time outside any kernel. */
  profile?: { kernels: { kernel: string; calls: number; ms: number }[]; outsideKernelsMs: number; stepMs: number };
  /**
   * Kernels one training step runs (tf.profile's count): on a GPU each is a dispatch, and the recurrent loop is
   * bound by their number rather than by arithmetic, so this is the figure to cut there.
   */
  kernelsPerStep?: number;
}

export interface BenchResult {
  mtlab: string;
  machine: { cpu: string; cores: number; node: string };
  training?: TrainingFigures & {
    variants?: Record<string, number>;
    /** Recording the gradient flow (16 sentences of 12 tokens) at a validation, and its share of training time. */
    gradientFlow?: { ms: number; percentAtDefaultValidation: number };
  };
  decoding?: { greedySentencesPerSecond: number; beamSentencesPerSecond: number; sentences: number };
  peer?: PeerResult | PeerUnavailable;
  /** The training step timed in alternating rounds, mtlab and PyTorch, at 1 thread and all cores each. */
  rounds?: RoundsResult;
  /** mtlab tokens/s ÷ PyTorch tokens/s, the median of the rounds' ratios (goal ≥ 0.5). */
  ratio?: number;
  decodingRatio?: { greedy: number; beam: number };
  /** The app's compare view with 10 runs in Chromium (goal < 200 ms). */
  ui?: UiFigures | { available: false; reason: string };
  /** The real-data case: mtlab in a process of its own (its peak RSS is a training process's), PyTorch likewise. */
  realData?: {
    padding: number;
    batches: number;
    rounds: RoundsResult;
    /** mtlab real tokens/s ÷ PyTorch's on the same batches: the median of the rounds (goal ≥ 1.0). */
    ratio?: number;
    mtlab: RealDataFigures;
    pytorchPeakRssMB?: number;
  };
  store?: {
    runs: number;
    pointsPerSeries: number;
    fillSeconds: number;
    /** 10 series of 1,000 bucketed points (goal < 50 ms). */
    seriesQueryMs: number;
    /** Writing a step's metrics, as a share of the step's time (goal < 2 %). */
    loggingOverheadPercent: number;
  };
}

/** `min-max ms`. */
function range(s: Spread): string {
  return `${s.min.toFixed(1)}-${s.max.toFixed(1)} ms`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeSteps(
  steps: number,
  warmup: number,
  model: BenchModel = 'reference',
): Promise<{ ms: number; leaked: number; heapMB: number; parameters: number }> {
  const size = BENCH_SIZES[model];
  const trainer = referenceTrainer(1, benchModel(model), size.vocab);
  const batch = randomBatch(7, size.batch, size.length, size.vocab);
  // The step reads its loss without blocking, which every backend can (webgpu cannot read synchronously).
  for (let i = 0; i < warmup; i++) await trainer.stepAsync(batch);
  const tensorsBefore = tf.memory().numTensors;
  const heapBefore = process.memoryUsage().rss;
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const started = performance.now();
    await trainer.stepAsync(batch);
    times.push(performance.now() - started);
  }
  const leaked = (tf.memory().numTensors - tensorsBefore) / steps;
  const heapMB = (process.memoryUsage().rss - heapBefore) / steps / 2 ** 20;
  const parameters = trainer.model.params.count;
  trainer.dispose();
  return { ms: median(times), leaked, heapMB, parameters };
}

/** Median time of recording the gradient flow of the reference model on 16 probe sentences of 12 tokens. */
async function timeGradientFlow(): Promise<number> {
  const trainer = referenceTrainer(1);
  const rng = new Rng(9);
  const pairs = Array.from({ length: 16 }, (_, index) => ({
    source: Array.from({ length: 11 }, () => 4 + rng.int(REFERENCE.vocab - 4)),
    target: Array.from({ length: 11 }, () => 4 + rng.int(REFERENCE.vocab - 4)),
    index,
  }));
  await gradientFlow(trainer.model, pairs);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await gradientFlow(trainer.model, pairs);
    times.push(performance.now() - started);
  }
  trainer.dispose();
  return median(times);
}

/** Kernels run by one training step of a benchmark model (after a warm-up step). */
async function countKernels(model: BenchModel): Promise<number> {
  const size = BENCH_SIZES[model];
  const trainer = referenceTrainer(1, benchModel(model), size.vocab);
  const batch = randomBatch(7, size.batch, size.length, size.vocab);
  await trainer.stepAsync(batch);
  const info = await tf.profile(async () => {
    await trainer.stepAsync(batch);
  });
  trainer.dispose();
  return info.kernels.length;
}

/** One step under tf.profile: time per kernel name (the profiler's own overhead lands in the step time). */
async function profileStep(): Promise<NonNullable<TrainingFigures['profile']>> {
  const trainer = referenceTrainer(1);
  const batch = randomBatch(7);
  for (let i = 0; i < 3; i++) trainer.step(batch);
  let stepMs = 0;
  const info = await tf.profile(() => {
    const started = performance.now();
    trainer.step(batch);
    stepMs = performance.now() - started;
  });
  trainer.dispose();
  const byKernel = new Map<string, { calls: number; ms: number }>();
  for (const kernel of info.kernels) {
    const entry = byKernel.get(kernel.name) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += Number(kernel.kernelTimeMs) || 0;
    byKernel.set(kernel.name, entry);
  }
  const kernels = [...byKernel.entries()].map(([kernel, v]) => ({ kernel, ...v })).sort((a, b) => b.ms - a.ms);
  const inKernels = kernels.reduce((sum, k) => sum + k.ms, 0);
  return { kernels, outsideKernelsMs: Math.max(0, stepMs - inKernels), stepMs };
}

function timeDecoding(log: (line: string) => void): NonNullable<BenchResult['decoding']> {
  const trainer = referenceTrainer(1);
  const rng = new Rng(5);
  const sentences = Array.from({ length: 256 }, () =>
    Array.from({ length: REFERENCE.length }, () => 4 + rng.int(REFERENCE.vocab - 4)),
  );
  // As the PyTorch peer: at most 20 output tokens (an untrained model rarely stops earlier), 128 rows at a time.
  const limits = { maxLengthRatio: 2, maxLengthOffset: 0, chunkSize: 128 };
  const timed = (fn: () => void): number => {
    fn();
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      fn();
      runs.push(performance.now() - started);
    }
    return median(runs);
  };
  const greedyMs = timed(() => greedySearch(trainer.model, sentences, limits));
  log(`  greedy: ${greedyMs.toFixed(0)} ms for ${sentences.length} sentences`);
  const beamMs = timed(() => beamSearch(trainer.model, sentences, { ...limits, beamSize: 5, lengthPenalty: 0.6 }));
  log(`  beam-5: ${beamMs.toFixed(0)} ms for ${sentences.length} sentences`);
  trainer.dispose();
  return {
    greedySentencesPerSecond: (sentences.length * 1000) / greedyMs,
    beamSentencesPerSecond: (sentences.length * 1000) / beamMs,
    sentences: sentences.length,
  };
}

/** Fill a store like a busy lab (100 runs, 50,000 points per metric), then time what the app asks of it. */
function timeStore(stepMs: number, log: (line: string) => void): NonNullable<BenchResult['store']> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtlab-bench-'));
  try {
    const store = Store.open(path.join(dir, 'experiments.db'));
    const runs = 100;
    const points = 50_000;
    const keys: MetricKey[] = ['train/loss', 'train/learning_rate'];
    store.addDataset({
      name: 'bench',
      kind: 'generated',
      tokenizer: 'word',
      source: {},
      options: {},
      stats: {
        pairs: { train: 1, valid: 0, test: 0 },
        meanSourceLength: 1,
        meanTargetLength: 1,
        maxSourceLength: 1,
        maxTargetLength: 1,
        sourceTypes: 1,
        targetTypes: 1,
        hasAlignments: false,
      },
      tokenizerState: null,
      splits: { train: [{ source: 'a', target: 'b', alignment: null }], valid: [], test: [] },
    });
    const config = { data: { dataset: 'bench' }, model: REFERENCE_MODEL } as never;
    const started = performance.now();
    const runIds: number[] = [];
    for (let r = 0; r < runs; r++) {
      const runId = store.createRun({
        name: `run ${r}`,
        config: { ...(config as object), train: { seed: r } } as never,
        experimentId: null,
        totalSteps: points,
      });
      runIds.push(runId);
      for (const key of keys) {
        // Filled in SQL: the point here is the query over a big table, not the insert path.
        store.metrics.append(runId, [{ key, step: 0, value: 0, wallTime: 0 }]);
        store.db
          .prepare(
            `INSERT OR REPLACE INTO metrics (run_id, key_id, step, value, wall_time)
             WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ?)
             SELECT ?, (SELECT id FROM metric_keys WHERE name = ?), x, 4.0 / (1 + x / 1000.0) + (x % 97) / 500.0, x FROM s`,
          )
          .run(points, runId, key);
      }
      store.metrics.rebuildRollups(runId);
    }
    const fillSeconds = (performance.now() - started) / 1000;
    log(
      `  filled ${runs} runs × ${points.toLocaleString('en-US')} points × ${keys.length} metrics in ${fillSeconds.toFixed(1)} s`,
    );
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const chosen = runIds.slice(0, 10);
    const query = (): void => {
      for (const runId of chosen) store.metrics.series(runId, keys[0]!, 1000);
    };
    query();
    const runsMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      query();
      runsMs.push(performance.now() - t);
    }
    // Logging: the trainer buffers 4 points a step and writes them in one transaction every 2 s; time a flush of
    // 100 steps' points and charge it to those steps.
    const logRun = runIds[runs - 1]!;
    const flushes: number[] = [];
    for (let f = 0; f < 5; f++) {
      const batch = [];
      for (let s = 0; s < 100; s++) {
        const step = points + f * 100 + s + 1;
        const logged: MetricKey[] = ['train/loss', 'train/learning_rate', 'train/grad_norm', 'train/tokens_per_second'];
        for (const key of logged) {
          batch.push({ key, step, value: Math.random(), wallTime: step });
        }
      }
      const t = performance.now();
      store.metrics.append(logRun, batch);
      flushes.push(performance.now() - t);
    }
    store.close();
    return {
      runs,
      pointsPerSeries: points,
      fillSeconds,
      seriesQueryMs: median(runsMs),
      loggingOverheadPercent: (100 * median(flushes)) / 100 / stepMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** mtlab's side of the real-data case in a process of its own (bench/real-data-worker.ts). */
function runRealDataWorker(steps: number, warmup: number, threads: number, backend: string): Promise<RealDataFigures> {
  const worker = fileURLToPath(new URL('./real-data-worker.js', import.meta.url));
  const args = [worker, '--steps', String(steps), '--warmup', String(warmup), '--threads', String(threads)];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...args, '--backend', backend],
      { maxBuffer: 1 << 20, timeout: 20 * 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the real-data worker failed: ${stderr.trim() || error.message}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as RealDataFigures);
      },
    );
  });
}

async function timeRealData(
  options: BenchOptions,
  backend: BackendName,
  log: (line: string) => void,
): Promise<NonNullable<BenchResult['realData']>> {
  const batches = realDataBatches(1);
  const padding = paddingShare(batches);
  log(`  padding: ${(100 * padding).toFixed(1)} % of target positions (the trainer's length-pooled batching)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtlab-bench-real-'));
  const file = path.join(dir, 'batches.json');
  writeFileSync(file, batchesJson(batches));
  // One pass over the batches per timing (their lengths differ, so whole passes compare), after a short warm-up.
  const steps = REAL_DATA.batches;
  const warmup = Math.min(options.warmup, 4);
  const cores = os.availableParallelism();
  const policies = cores > 1 ? [1, cores] : [1];
  let mtlab: RealDataFigures | null = null;
  let pytorchPeak: number | undefined;
  try {
    const rounds = await alternateRounds({
      rounds: options.rounds ?? 3,
      policies,
      timeMtlab: async (threads) => {
        const figures = await runRealDataWorker(steps, warmup, threads, backend);
        if (mtlab === null || figures.peakRssMB > mtlab.peakRssMB) mtlab = figures;
        return figures.msPerStep;
      },
      timePytorch: async (threads) => {
        if (!options.peer) return { available: false, reason: 'not asked for (--no-peer)' };
        const peer = await runPytorchPeer({ steps, warmupSteps: warmup, threads, batchesFile: file });
        if (!peer.available) return peer;
        if (peer.parameters !== (mtlab as RealDataFigures | null)?.parameters) {
          log(
            `  WARNING: parameter counts differ (mtlab ${(mtlab as RealDataFigures | null)?.parameters}, PyTorch ${peer.parameters})`,
          );
        }
        for (const f of Object.values(peer.threads)) {
          if (f.peakRssMB !== undefined) pytorchPeak = Math.max(pytorchPeak ?? 0, f.peakRssMB);
        }
        return {
          available: true,
          msPerStep: Object.fromEntries(Object.entries(peer.threads).map(([count, f]) => [count, f.msPerStep])),
        };
      },
      log,
    });
    const figures = mtlab as unknown as RealDataFigures;
    const tokensPerStep = figures.tokensPerSecond * (figures.msPerStep / 1000);
    log(
      `  mtlab: ${rounds.mtlab.best.median.toFixed(0)} ms/step (median, range ${range(rounds.mtlab.best)}), ` +
        `${Math.round((tokensPerStep * 1000) / rounds.mtlab.best.median).toLocaleString('en-US')} real target tokens/s; ` +
        `training process RSS ${figures.rssAfterWarmupMB.toFixed(0)} MB after warm-up, ${figures.rssEndMB.toFixed(0)} MB at the end, peak ${figures.peakRssMB.toFixed(0)} MB (goal ≤ 600 MB)`,
    );
    if (rounds.pytorch !== undefined && rounds.ratio !== undefined) {
      log(
        `  PyTorch: ${rounds.pytorch.best.median.toFixed(0)} ms/step (median, range ${range(rounds.pytorch.best)}), ` +
          `peak RSS ${pytorchPeak?.toFixed(0) ?? '?'} MB; ratio mtlab/PyTorch ${rounds.ratio.median.toFixed(2)} ` +
          `(rounds ${rounds.ratio.min.toFixed(2)}-${rounds.ratio.max.toFixed(2)}; goal ≥ 1.0)`,
      );
    } else if (rounds.unavailable !== undefined) log(`  PyTorch not available: ${rounds.unavailable}`);
    return {
      padding,
      batches: batches.length,
      rounds,
      ...(rounds.ratio === undefined ? {} : { ratio: rounds.ratio.median }),
      mtlab: figures,
      ...(pytorchPeak === undefined ? {} : { pytorchPeakRssMB: pytorchPeak }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runBenchmarks(options: BenchOptions): Promise<BenchResult> {
  const log = options.log;
  const result: BenchResult = {
    mtlab: MTLAB_VERSION,
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version },
  };
  // As a single training run would: the queue gives one run all the cores (MTLAB_ADDON_THREADS overrides).
  defaultAddonThreads(os.availableParallelism());
  const backend = await useBackend(options.backend);
  let stepMs = 0;
  if (options.sections.has('training')) {
    const modelName = options.model ?? 'reference';
    const size = BENCH_SIZES[modelName];
    log(
      `Training step, ${modelName} model (GRU + Bahdanau, emb ${size.embedding}, hidden ${size.hidden}, vocab ${size.vocab}, batch ${size.batch}, length ${size.length}), backend ${backend}:`,
    );
    // Alternating rounds (mtlab, PyTorch, mtlab, ...), both at 1 thread and at all cores (or at
    // MTLAB_ADDON_THREADS where it is set), so a busy shared machine slows both sides alike.
    const forced = process.env.MTLAB_ADDON_THREADS ? Number(process.env.MTLAB_ADDON_THREADS) : null;
    const cores = os.availableParallelism();
    const policies =
      forced !== null && Number.isInteger(forced) && forced >= 1 ? [forced] : cores > 1 ? [1, cores] : [1];
    let main = { ms: 0, leaked: 0, heapMB: 0, parameters: 0 };
    log(
      `  ${options.rounds ?? 3} alternating rounds, ${policies.map((t) => `${t} thread${t === 1 ? '' : 's'}`).join(' and ')} each:`,
    );
    const rounds = await alternateRounds({
      rounds: options.rounds ?? 3,
      policies,
      timeMtlab: async (threads) => {
        setAddonThreads(threads);
        main = await timeSteps(options.steps, options.warmup, modelName);
        return main.ms;
      },
      timePytorch: async (threads) => {
        if (!options.peer) return { available: false, reason: 'not asked for (--no-peer)' };
        const peer = await runPytorchPeer({ steps: options.steps, warmupSteps: options.warmup, threads });
        result.peer = peer;
        if (!peer.available) return peer;
        return {
          available: true,
          msPerStep: Object.fromEntries(Object.entries(peer.threads).map(([count, f]) => [count, f.msPerStep])),
        };
      },
      log,
    });
    setAddonThreads(Math.max(...policies));
    result.rounds = rounds;
    main.ms = rounds.mtlab.best.median;
    stepMs = main.ms;
    const native = backend === 'wasm' ? describeAddon() : { available: false, detail: '' };
    result.training = {
      backend,
      fusedKernels: hasFusedKernels(),
      native: native.available ? native.detail : null,
      msPerStep: main.ms,
      tokensPerSecond: (size.batch * size.length * 1000) / main.ms,
      parameters: main.parameters,
      tensorsLeakedPerStep: main.leaked,
      kernelsPerStep: await countKernels(modelName),
      heapGrowthMBPerStep: main.heapMB,
    };
    log(`  kernels per step: ${result.training.kernelsPerStep} (each a dispatch on a GPU)`);
    log(
      `  mtlab: ${main.ms.toFixed(1)} ms/step (median of ${rounds.rounds} rounds, range ${range(rounds.mtlab.best)}), ${Math.round(result.training.tokensPerSecond).toLocaleString('en-US')} target tokens/s (${main.parameters.toLocaleString('en-US')} parameters)`,
    );
    if (rounds.pytorch !== undefined && rounds.ratio !== undefined) {
      log(
        `  PyTorch: ${rounds.pytorch.best.median.toFixed(1)} ms/step (median, range ${range(rounds.pytorch.best)}); ` +
          `ratio mtlab/PyTorch training throughput ${rounds.ratio.median.toFixed(2)} (rounds ${rounds.ratio.min.toFixed(2)}-${rounds.ratio.max.toFixed(2)})`,
      );
    }
    log(
      `  ${native.available ? native.detail : backend === 'wasm' ? `no native accelerator (${native.detail})` : `backend ${backend}`}`,
    );
    if (modelName === 'reference') {
      const flowMs = await timeGradientFlow();
      const percent = (100 * flowMs) / (DEFAULT_CONFIG.train.validateEvery * main.ms);
      result.training.gradientFlow = { ms: flowMs, percentAtDefaultValidation: percent };
      log(
        `  gradient flow at a validation: ${flowMs.toFixed(0)} ms, ${percent.toFixed(2)} % of training time at one validation every ${DEFAULT_CONFIG.train.validateEvery} steps (goal < 2 %)`,
      );
    }
    if (options.variants) {
      setFusedKernels(false);
      const composite = await timeSteps(Math.max(3, Math.floor(options.steps / 3)), 2, modelName);
      setFusedKernels(true);
      result.training.variants = { withoutFusedKernels: composite.ms };
      log(`  without fused kernels: ${composite.ms.toFixed(1)} ms/step`);
    }
    if (options.profile === true) {
      const profile = await profileStep();
      result.training.profile = profile;
      log(`  profile of one step (${profile.stepMs.toFixed(1)} ms under the profiler):`);
      const shown = profile.kernels.slice(0, 12);
      for (const k of shown) {
        log(
          `    ${k.kernel.padEnd(30)} ${k.ms.toFixed(1).padStart(7)} ms ${((100 * k.ms) / profile.stepMs).toFixed(0).padStart(3)} %  ${String(k.calls).padStart(5)} calls`,
        );
      }
      const rest = profile.kernels.slice(shown.length);
      if (rest.length > 0) {
        const ms = rest.reduce((sum, k) => sum + k.ms, 0);
        const calls = rest.reduce((sum, k) => sum + k.calls, 0);
        log(
          `    ${`${rest.length} other kernels`.padEnd(30)} ${ms.toFixed(1).padStart(7)} ms ${((100 * ms) / profile.stepMs).toFixed(0).padStart(3)} %  ${String(calls).padStart(5)} calls`,
        );
      }
      log(
        `    ${'outside kernels (JS, autodiff)'.padEnd(30)} ${profile.outsideKernelsMs.toFixed(1).padStart(7)} ms ${((100 * profile.outsideKernelsMs) / profile.stepMs).toFixed(0).padStart(3)} %`,
      );
    }
  }
  if (options.sections.has('decoding')) {
    log('Decoding, 256 random sentences of 10 tokens, up to 20 output tokens:');
    result.decoding = timeDecoding(log);
    log(
      `  mtlab: greedy ${result.decoding.greedySentencesPerSecond.toFixed(0)} sentences/s, beam-5 ${result.decoding.beamSentencesPerSecond.toFixed(0)} sentences/s`,
    );
  }
  if (options.peer && (options.sections.has('training') || options.sections.has('decoding'))) {
    log('PyTorch peer (same model, same data):');
    // Already run in the training rounds (its decoding figures are those of the last round); else once here.
    const peer =
      result.peer ?? (await runPytorchPeer({ steps: options.steps, onProgress: (line) => log(`  ${line}`) }));
    result.peer = peer;
    if (!peer.available) log(`  not available: ${peer.reason}`);
    else {
      if (peer.blasNote !== null) log(`  note: ${peer.blasNote}`);
      log(
        `  PyTorch ${peer.torch} (${peer.blas}), best at ${peer.best.threads} thread(s): ${peer.best.msPerStep.toFixed(1)} ms/step, ` +
          `${Math.round(peer.best.tokensPerSecond).toLocaleString('en-US')} target tokens/s; greedy ${peer.best.greedySentencesPerSecond.toFixed(0)}, beam-5 ${peer.best.beamSentencesPerSecond.toFixed(0)} sentences/s`,
      );
      if (result.training !== undefined) {
        if (peer.parameters !== result.training.parameters) {
          log(`  WARNING: parameter counts differ (mtlab ${result.training.parameters}, PyTorch ${peer.parameters})`);
        }
        result.ratio = result.rounds?.ratio?.median ?? result.training.tokensPerSecond / peer.best.tokensPerSecond;
        log(`  ratio mtlab/PyTorch training throughput: ${result.ratio.toFixed(2)} (goal ≥ 0.5)`);
      }
      if (result.decoding !== undefined) {
        result.decodingRatio = {
          greedy: result.decoding.greedySentencesPerSecond / peer.best.greedySentencesPerSecond,
          beam: result.decoding.beamSentencesPerSecond / peer.best.beamSentencesPerSecond,
        };
        log(
          `  ratio mtlab/PyTorch decoding: greedy ${result.decodingRatio.greedy.toFixed(2)}, beam-5 ${result.decodingRatio.beam.toFixed(2)}`,
        );
      }
    }
  }
  if (options.sections.has('real')) {
    log(
      `Real data: GRU + Bahdanau, emb = hidden = ${REAL_DATA.hidden}, vocabularies ${REAL_DATA.sourceVocab}/${REAL_DATA.targetVocab}, ` +
        `${REAL_DATA.batches} padded batches of ${REAL_DATA.batch} sentences up to ${REAL_DATA.maxLength} tokens:`,
    );
    result.realData = await timeRealData(options, backend, log);
  }
  if (options.sections.has('store')) {
    log('Experiment store:');
    if (stepMs === 0) stepMs = (await timeSteps(3, 1)).ms;
    result.store = timeStore(stepMs, log);
    log(
      `  10 series × 1,000 bucketed points: ${result.store.seriesQueryMs.toFixed(1)} ms (goal < 50 ms); ` +
        `logging adds ${result.store.loggingOverheadPercent.toFixed(2)} % to a step (goal < 2 %)`,
    );
  }
  if (options.sections.has('ui')) {
    log('The app (Chromium):');
    result.ui = await timeCompareView(log);
    if ('available' in result.ui) log(`  not available: ${result.ui.reason}`);
  }
  return result;
}
