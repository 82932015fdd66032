/**
 * The lab behind the demo store, for developing the app, its browser tests and its screenshots:
 * - `DemoLab` is the real `Lab` with two additions: `fire()` emits an event, and `simulateTraining()` makes a queued
 *   run "train" on a timer (recording demo metrics, samples and attention and emitting the lab's events), so live
 *   progress can be seen without a model;
 * - `withStandIns()` fills the LabApi methods the engine does not implement yet with simple store-backed versions,
 *   and says which, so the views can be built before the engine is complete. Once the engine implements a method,
 *   its stand-in is no longer used.
 */
import type {
  Comparison,
  ConfigIssue,
  DatasetDetail,
  LabApi,
  LabEventName,
  LabEvents,
  LabMethod,
  LengthBucketScore,
  PresetInfo,
  RunConfig,
  RunSummary,
} from '../../engine/api.js';
import { LAB_METHODS } from '../../engine/api.js';
import { LabError } from '../../engine/errors.js';
import { Lab } from '../../engine/lab.js';
import type { ServedLab } from '../../engine/serve.js';
import { CURVES, type Curve, DemoTraining, demoConfig, demoDatasetFromStore } from './demo-store.js';

export class DemoLab extends Lab {
  private readonly timers = new Set<NodeJS.Timeout>();

  fire<E extends LabEventName>(event: E, payload: LabEvents[E]): void {
    this.emit(event, payload);
  }

  /** Train a queued run on a timer: `stepsPerTick` steps every `tickMs`. Returns a function that stops it. */
  simulateTraining(runId: number, options: { tickMs?: number; stepsPerTick?: number } = {}): () => void {
    const record = this.store.getRun(runId);
    const curve: Curve =
      record.config.model.attention !== 'none'
        ? CURVES.attention
        : record.config.model.cell === 'rnn'
          ? CURVES.rnn
          : CURVES.gru;
    const dataset = demoDatasetFromStore(this.store, record.config.data.dataset);
    const training = new DemoTraining(
      this.store,
      runId,
      record.config,
      curve,
      dataset,
      record.summary.seed,
      Date.now() / 1000,
      10,
    );
    this.store.markRunning(runId, {
      pid: process.pid,
      backend: 'wasm',
      parameters: training.parameters,
      totalSteps: training.totalSteps,
    });
    this.fire('run:status', { runId, status: 'running', error: null });
    const stepsPerTick = options.stepsPerTick ?? 20;
    const timer = setInterval(() => {
      const before = performance.now();
      const validation = training.advance(Math.min(training.totalSteps, training.step + stepsPerTick));
      const seconds = Math.max(0.001, (performance.now() - before) / 1000);
      this.fire('run:progress', {
        runId,
        step: training.step,
        totalSteps: training.totalSteps,
        epoch: training.epoch,
        loss: training.lastLoss,
        learningRate: record.config.train.learningRate,
        tokensPerSecond: Math.round((stepsPerTick * record.config.train.batchSize * 9) / seconds / 50),
        etaSeconds: ((training.totalSteps - training.step) / stepsPerTick) * ((options.tickMs ?? 250) / 1000),
      });
      // As the run queue reports them: the trainer's metric names, without the `valid/` of the stored keys.
      if (validation !== null) this.fire('run:validation', { runId, step: training.step, metrics: validation });
      if (training.step >= training.totalSteps) {
        stop();
        training.finish();
        this.store.setRunStatus(runId, 'finished');
        this.fire('run:status', { runId, status: 'finished', error: null });
      }
    }, options.tickMs ?? 250);
    this.timers.add(timer);
    const stop = (): void => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
    return stop;
  }

  override async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    await super.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Stand-ins

type StandIns = { [M in LabMethod]?: LabApi[M] };

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix === '' ? key : `${prefix}.${key}`, out);
  } else out.set(prefix, value);
}

/** A crude sentence score (clipped unigram and bigram precision with a brevity penalty), for the demo only. */
function roughBleu(hypothesis: string[], reference: string[]): number {
  const precision = (n: number): number => {
    const grams = (tokens: string[]): string[] =>
      tokens.slice(0, tokens.length - n + 1).map((_, i) => tokens.slice(i, i + n).join(' '));
    const hyp = grams(hypothesis);
    if (hyp.length === 0) return 0;
    const ref = grams(reference);
    let hits = 0;
    for (const gram of hyp) {
      const at = ref.indexOf(gram);
      if (at >= 0) {
        hits++;
        ref.splice(at, 1);
      }
    }
    return (hits + 0.1) / (hyp.length + 0.1);
  };
  const brevity =
    hypothesis.length >= reference.length ? 1 : Math.exp(1 - reference.length / Math.max(1, hypothesis.length));
  return 100 * brevity * Math.sqrt(precision(1) * precision(2));
}

function standInsFor(lab: DemoLab): StandIns {
  const store = lab.store;
  const presets = (): PresetInfo[] => [
    {
      name: 'gru-bahdanau',
      description: 'GRU encoder-decoder with Bahdanau attention (Bahdanau et al., 2014), small enough for a laptop.',
      config: demoConfig('toy-fr', { cell: 'gru', attention: 'bahdanau' }),
    },
    {
      name: 'rnn',
      description: 'Vanilla RNN encoder-decoder without attention: the baseline of the lectures.',
      config: demoConfig('toy-fr', { cell: 'rnn', attention: 'none' }),
    },
    {
      name: 'lstm-luong',
      description: 'LSTM encoder-decoder with Luong (general) attention and input feeding.',
      config: demoConfig('toy-fr', { cell: 'lstm', attention: 'luong', inputFeeding: true }),
    },
  ];
  const runSummaries = (ids: number[]): RunSummary[] => ids.map((id) => store.getRun(id).summary);

  return {
    listPresets: async () => presets(),
    validateConfig: async ({ config }) => {
      const base = presets()[0]!.config;
      const merged = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
      const given = (typeof config === 'object' && config !== null ? config : {}) as Record<string, unknown>;
      for (const [section, fields] of Object.entries(given)) {
        if (typeof fields === 'object' && fields !== null) Object.assign(merged[section] ?? {}, fields);
        else merged[section] = fields as Record<string, unknown>;
      }
      const full = merged as unknown as RunConfig;
      const issues: ConfigIssue[] = [];
      const positiveInteger = (field: string, value: number): void => {
        if (!Number.isInteger(value) || value < 1) issues.push({ field, message: 'must be a whole number ≥ 1' });
      };
      if (!store.hasDataset(full.data.dataset)) {
        issues.push({ field: 'data.dataset', message: `no dataset named "${full.data.dataset}" in this store` });
      }
      positiveInteger('model.hiddenSize', full.model.hiddenSize);
      positiveInteger('model.embeddingSize', full.model.embeddingSize);
      positiveInteger('model.layers', full.model.layers);
      positiveInteger('train.batchSize', full.train.batchSize);
      if (!(full.model.dropout >= 0 && full.model.dropout < 1)) {
        issues.push({ field: 'model.dropout', message: 'must be at least 0 and less than 1' });
      }
      if (!(full.train.learningRate > 0)) issues.push({ field: 'train.learningRate', message: 'must be more than 0' });
      if (!(full.train.teacherForcing >= 0 && full.train.teacherForcing <= 1)) {
        issues.push({ field: 'train.teacherForcing', message: 'is a probability: between 0 and 1' });
      }
      return { config: issues.length === 0 ? full : null, issues };
    },
    listDatasets: async () => store.listDatasets(),
    getDataset: async ({ name, examples }): Promise<DatasetDetail> => {
      const summary = store.getDataset(name);
      const train = store.datasetPairs(name, 'train');
      const histogram = (side: 'source' | 'target'): number[] => {
        const counts: number[] = [];
        for (const pair of train) {
          const length = pair[side].split(' ').length;
          while (counts.length <= length) counts.push(0);
          counts[length]!++;
        }
        return counts;
      };
      return {
        ...summary,
        sourceLengthHistogram: histogram('source'),
        targetLengthHistogram: histogram('target'),
        examples: train.slice(0, examples ?? 20).map((p) => ({ source: p.source, target: p.target })),
      };
    },
    listExperiments: async () => store.listExperiments(),
    compare: async ({ runIds, experimentId }): Promise<Comparison> => {
      const ids = runIds ?? (experimentId === undefined ? [] : store.getExperiment(experimentId).runIds);
      if (ids.length === 0) throw new LabError('invalid-request', 'compare needs runIds or an experimentId');
      const summaries = runSummaries(ids);
      const runs = summaries.map((run) => {
        const keys = store.metrics.keys([run.id]);
        const latest: Record<string, number> = {};
        const best: Record<string, { value: number; step: number }> = {};
        for (const key of keys) {
          const series = store.metrics.series(run.id, key, 100_000);
          if (series.step.length === 0) continue;
          latest[key] = series.last[series.last.length - 1]!;
          if (!key.startsWith('valid/')) continue;
          const lowerIsBetter = /(loss|perplexity|aer)$/.test(key);
          let bestIndex = 0;
          series.last.forEach((value, i) => {
            if (lowerIsBetter ? value < series.last[bestIndex]! : value > series.last[bestIndex]!) bestIndex = i;
          });
          best[key] = { value: series.last[bestIndex]!, step: series.step[bestIndex]! };
        }
        const samples = store.samples(run.id);
        const lastStep = samples.length === 0 ? null : samples[samples.length - 1]!.step;
        const buckets: LengthBucketScore[] = [
          [1, 3],
          [4, 6],
          [7, 9],
          [10, 99],
        ].map(([from, to]) => {
          const inBucket = samples.filter((s) => {
            const length = s.source.split(' ').length;
            return s.step === lastStep && length >= from! && length <= to!;
          });
          const scores = inBucket.map((s) => roughBleu(s.hypothesis.split(' '), s.reference.split(' ')));
          return {
            from: from!,
            to: to!,
            sentences: inBucket.length,
            bleu: scores.length === 0 ? 0 : scores.reduce((a, b) => a + b, 0) / scores.length,
          };
        });
        return { run, latest, best, bleuByLength: buckets.filter((b) => b.sentences > 0) };
      });
      const flat = ids.map((id) => {
        const out = new Map<string, unknown>();
        flatten(store.getRun(id).config, '', out);
        return out;
      });
      const fields = [...new Set(flat.flatMap((m) => [...m.keys()]))].sort();
      const configDiff = fields
        .map((field) => ({ field, values: flat.map((m) => m.get(field) ?? null) }))
        .filter((d) => new Set(d.values.map((v) => JSON.stringify(v))).size > 1);
      return { runs, configDiff };
    },
    cancelRun: async ({ id }) => {
      const status = store.runStatus(id);
      if (status !== 'running' && status !== 'queued') {
        throw new LabError('conflict', `run ${id} is ${status}; only queued or running runs can be cancelled`);
      }
      store.setRunStatus(id, 'cancelled');
      lab.fire('run:status', { runId: id, status: 'cancelled', error: null });
      return store.getRun(id).summary;
    },
    resumeRun: async ({ id }) => {
      const status = store.runStatus(id);
      if (status !== 'interrupted' && status !== 'cancelled' && status !== 'failed') {
        throw new LabError('conflict', `run ${id} is ${status}; only interrupted, cancelled or failed runs resume`);
      }
      store.requeueRun(id);
      lab.fire('run:status', { runId: id, status: 'queued', error: null });
      return store.getRun(id).summary;
    },
    deleteRun: async ({ id }) => {
      store.deleteRun(id);
      lab.fire('store:changed', { what: 'runs' });
    },
  };
}

/** The demo lab as a server would serve it, with stand-ins for what the engine lacks; `standIns` names them. */
export function withStandIns(lab: DemoLab): { lab: ServedLab; standIns: LabMethod[] } {
  const standIns = standInsFor(lab);
  const served: Record<string, unknown> = { subscribe: lab.subscribe.bind(lab) };
  const used: LabMethod[] = [];
  for (const method of LAB_METHODS) {
    const own = (lab as unknown as Record<string, unknown>)[method];
    if (typeof own === 'function') served[method] = own.bind(lab);
    else if (standIns[method] !== undefined) {
      served[method] = standIns[method];
      used.push(method);
    }
  }
  return { lab: served as unknown as ServedLab, standIns: used };
}
