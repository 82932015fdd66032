/**
 * Experiments and comparisons: the preset experiments (RNN vs GRU vs attention), and the side-by-side view of runs:
 * what differs in their configs, their latest and best metrics, and BLEU by source length.
 */
import type { Comparison, ComparisonRun, ExperimentPresetName, RunConfig } from './contract/api.js';
import { DEFAULT_CONFIG, flattenConfig, mergeConfig, requireValidConfig } from './config.js';
import { csvField } from './csv.js';
import { LabError } from './errors.js';
import { findKeyProblem, isReservedKey, RESERVED_REASON, setOwn } from './keys.js';
import type { Store } from './store/store.js';

export interface ExperimentPreset {
  description: string;
  runs: { name: string; model: Partial<RunConfig['model']> }[];
}

export const EXPERIMENT_PRESETS: Record<ExperimentPresetName, ExperimentPreset> = {
  'rnn-gru-attention': {
    description:
      'Three encoder-decoders of equal size on the same data and seed: a vanilla RNN, a GRU, and a GRU with ' +
      'Bahdanau attention. Shows what gating and attention each add, most of all on long sentences.',
    // Attention first: with one run at a time, a newcomer sees alignment heatmaps form while the others wait.
    runs: [
      { name: 'GRU + attention', model: { cell: 'gru', attention: 'bahdanau' } },
      { name: 'GRU', model: { cell: 'gru', attention: 'none' } },
      { name: 'RNN', model: { cell: 'rnn', attention: 'none' } },
    ],
  },
};

/** The configs of a preset experiment's runs. `overrides` (dotted paths or nested) apply to every run. */
export function presetRunConfigs(
  preset: ExperimentPresetName,
  dataset: string,
  seed: number,
  overrides: Record<string, unknown>,
): { name: string; config: RunConfig }[] {
  const spec = EXPERIMENT_PRESETS[preset];
  if (spec === undefined) {
    throw new LabError(
      'invalid-request',
      `unknown experiment preset "${preset}"; presets: ${Object.keys(EXPERIMENT_PRESETS).join(', ')}`,
      {
        field: 'preset',
      },
    );
  }
  return spec.runs.map((run) => {
    let config = mergeConfig(DEFAULT_CONFIG, { data: { dataset }, train: { seed } }) as Record<string, unknown>;
    config = mergeConfig(config, expandDotted(overrides)) as Record<string, unknown>;
    config = mergeConfig(config, { model: run.model }) as Record<string, unknown>;
    return { name: run.name, config: requireValidConfig(config, `config of ${run.name}`) };
  });
}

/**
 * `{ 'train.steps': 500 }` → `{ train: { steps: 500 } }` (nested objects pass through). Every part of every key is
 * checked before anything is built: a reserved name (`__proto__`, `constructor`, `toString`, ...) is refused with
 * the key named (`field` says where the overrides came from), and lookups see own properties only.
 */
export function expandDotted(values: Record<string, unknown>, field = 'overrides'): Record<string, unknown> {
  const refuse = (key: string, message: string): never => {
    const separator = message.startsWith(':') ? '' : ' ';
    throw new LabError('invalid-config', `${field}.${key}${separator}${message}`, { field: `${field}.${key}` });
  };
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split('.');
    const reserved = parts.find(isReservedKey);
    if (reserved !== undefined) refuse(key, `: "${reserved}" ${RESERVED_REASON}`);
    if (parts.includes('')) refuse(key, 'has an empty part (write model.cell, not model..cell)');
    const problem = findKeyProblem(value, { prefix: key });
    if (problem !== null) refuse(problem.path, problem.message);
  }
  const out: Record<string, unknown> = {};
  const own = (node: Record<string, unknown>, key: string): unknown =>
    Object.hasOwn(node, key) ? node[key] : undefined;
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const child = own(node, part);
      if (typeof child !== 'object' || child === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1]!;
    const existing = own(node, last);
    node[last] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof existing === 'object'
        ? mergeConfig(existing, value)
        : value;
  }
  return out;
}

/** Metrics where lower is better; every other one is better higher. */
const LOWER_IS_BETTER = /(^|\/)(loss|perplexity|aer|unknowns)$/;

export function compareRuns(store: Store, runIds: readonly number[]): Comparison {
  if (runIds.length === 0)
    throw new LabError('invalid-request', 'choose at least one run to compare', { field: 'runIds' });
  const records = runIds.map((id) => store.getRun(id));
  const runs: ComparisonRun[] = records.map((record) => {
    const id = record.summary.id;
    const latestMetrics = store.metrics.latest(id);
    const latest: Record<string, number> = {};
    const best: ComparisonRun['best'] = {};
    for (const [key, value] of Object.entries(latestMetrics)) {
      if (!key.startsWith('valid/') && !key.startsWith('test/')) continue;
      setOwn(latest, key, value.value);
      if (key.startsWith('valid/')) {
        const found = store.metrics.best(id, key, LOWER_IS_BETTER.test(key) ? 'min' : 'max');
        if (found !== null) setOwn(best, key, found);
      }
    }
    return { run: record.summary, latest, best, bleuByLength: store.runSummary(id)?.bleuByLength ?? [] };
  });
  const flat = records.map((r) => flattenConfig(r.config));
  const fields = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const configDiff = fields
    .map((field) => ({ field, values: flat.map((f) => f[field] ?? null) }))
    .filter((d) => new Set(d.values.map((v) => JSON.stringify(v))).size > 1);
  return { runs, configDiff };
}

/** A comparison as CSV: one row per run, its config differences, then latest and best metrics. */
export function comparisonCsv(comparison: Comparison): string {
  const latestKeys = [...new Set(comparison.runs.flatMap((r) => Object.keys(r.latest)))].sort();
  const bestKeys = [...new Set(comparison.runs.flatMap((r) => Object.keys(r.best)))].sort();
  const header = [
    'run',
    'name',
    'architecture',
    'dataset',
    'status',
    'step',
    ...comparison.configDiff.map((d) => d.field),
    ...latestKeys,
    ...bestKeys.map((k) => `best ${k}`),
  ];
  const lines = [header.map(csvField).join(',')];
  comparison.runs.forEach((r, i) => {
    const cells: (string | number)[] = [
      r.run.id,
      r.run.name,
      r.run.architecture,
      r.run.dataset,
      r.run.status,
      r.run.progress.step,
      ...comparison.configDiff.map((d) => JSON.stringify(d.values[i]) ?? ''),
      ...latestKeys.map((k) => r.latest[k] ?? ''),
      ...bestKeys.map((k) => r.best[k]?.value ?? ''),
    ];
    lines.push(cells.map(csvField).join(','));
  });
  return lines.join('\n') + '\n';
}
