import path from 'node:path';
import type { RunConfig } from '../../engine/contract/api.js';
import { requireValidConfig } from '../../engine/config.js';
import { generateDataset } from '../../engine/data/generate.js';
import { Store } from '../../engine/store/store.js';
import { tempDir } from './paths.js';

/** A small config that trains in seconds: overrides are merged over it. */
export function tinyConfig(dataset: string, overrides: Record<string, unknown> = {}): RunConfig {
  const base = {
    data: { dataset },
    model: { cell: 'gru', attention: 'bahdanau', embeddingSize: 8, hiddenSize: 16, attentionSize: 8, dropout: 0 },
    train: { steps: 20, validateEvery: 10, validationPairs: 8, batchSize: 8, learningRate: 0.01, seed: 3 },
    backend: 'wasm',
  };
  const merged = JSON.parse(JSON.stringify(base)) as Record<string, Record<string, unknown>>;
  for (const [section, values] of Object.entries(overrides)) {
    merged[section] =
      typeof values === 'object' && values !== null ? { ...merged[section], ...values } : (values as never);
  }
  return requireValidConfig(merged);
}

/** A fresh store with a small generated dataset. */
export function storeWithDataset(
  generator: 'copy' | 'reverse' | 'toy-fr' = 'copy',
  pairs = 80,
): { store: Store; file: string; dataset: string } {
  const file = path.join(tempDir(), 'experiments.db');
  const store = Store.open(file);
  generateDataset(store, { generator, name: generator, pairs, seed: 1 });
  return { store, file, dataset: generator };
}
