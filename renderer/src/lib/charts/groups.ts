/** Which charts a set of metric keys makes: losses together, then each validation score, then the rest. */
import type { EvaluationMetricName } from '../../../../engine/contract/api.js';
import { isPercent, metricLabel } from '../format/format.js';

export interface ChartGroup {
  id: string;
  title: string;
  keys: string[];
  /** Losses read better on a log scale once they flatten. */
  loss: boolean;
}

const SCORE_ORDER: readonly EvaluationMetricName[] = [
  'bleu',
  'chrf',
  'sequence_accuracy',
  'token_accuracy',
  'alignment_agreement',
  'aer',
  'perplexity',
  'unknowns',
];
/** A metric name's place in SCORE_ORDER (-1 when it has none): `bleu` → 0. */
const scoreIndex = (name: string): number => SCORE_ORDER.findIndex((score) => score === name);

/** How important a metric is to a reader of this lab: BLEU first, then chrF, the accuracies, alignment, the rest. */
export function metricRank(key: string): number {
  const name = key
    .slice(key.lastIndexOf('/') + 1)
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  if (name === 'loss') return 1.5;
  const at = scoreIndex(name);
  return at === -1 ? SCORE_ORDER.length : at;
}

function rank(key: string): number {
  const name = key
    .slice(key.lastIndexOf('/') + 1)
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  const at = scoreIndex(name);
  if (key.startsWith('valid/')) return at === -1 ? 50 : 10 + at;
  if (key.startsWith('test/')) return at === -1 ? 70 : 60 + at;
  return 100;
}

/** What a chart's y axis measures, with its unit. */
export function axisTitle(group: ChartGroup): string {
  if (group.loss) return 'cross-entropy per token (nats)';
  const key = group.keys[0]!;
  if (/(bleu|chrf)$/i.test(key)) return `${metricLabel(key)} (0–100)`;
  if (isPercent(key)) return `${metricLabel(key)} (%)`;
  if (/tokens_?per_?second$/i.test(key)) return 'target tokens per second';
  if (/grad_?norm$/i.test(key)) return 'gradient norm (L2)';
  return metricLabel(key);
}

export function chartGroups(allKeys: readonly string[], options: { includeTraining: boolean }): ChartGroup[] {
  // Test metrics are measured once, at the end of a run: they belong in tables, not in curves.
  const keys = allKeys.filter((k) => !k.startsWith('test/'));
  const groups: ChartGroup[] = [];
  const lossKeys = keys
    .filter((k) => /(^|\/)loss$/.test(k))
    .sort((a, b) => (a.startsWith('train') ? -1 : b.startsWith('train') ? 1 : a.localeCompare(b)));
  if (lossKeys.length > 0) groups.push({ id: 'loss', title: 'Loss', keys: lossKeys, loss: true });
  const rest = keys
    .filter((k) => !lossKeys.includes(k))
    .filter((k) => options.includeTraining || !k.startsWith('train/'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const key of rest) groups.push({ id: key, title: metricLabel(key), keys: [key], loss: false });
  return groups;
}
