/** Tiny trained runs for the export tests: a few steps on a small generated or imported dataset, cpu backend. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelConfig, RunConfig } from '../../../engine/contract/api.js';
import { requireValidConfig } from '../../../engine/config.js';
import { generateDataset } from '../../../engine/data/generate.js';
import { importCorpus } from '../../../engine/data/import.js';
import { Store } from '../../../engine/store/store.js';
import { Trainer } from '../../../engine/train/trainer.js';
import { fixture, tempDir } from '../../helpers/paths.js';

export function tinyRunConfig(dataset: string, model: Partial<ModelConfig> = {}, steps = 2): RunConfig {
  return requireValidConfig({
    data: { dataset },
    model: { embeddingSize: 8, hiddenSize: 12, attentionSize: 6, dropout: 0, ...model },
    train: { steps, validateEvery: steps, validationPairs: 6, batchSize: 8, learningRate: 0.01, seed: 5 },
    decode: { beamSize: 3 },
    backend: 'cpu',
  });
}

/** A store with the `copy` dataset (60 pairs). */
export function tinyStore(): { store: Store; file: string } {
  const file = path.join(tempDir('mtlab-export-'), 'experiments.db');
  const store = Store.open(file);
  generateDataset(store, { generator: 'copy', name: 'copy', pairs: 60, seed: 1 });
  return { store, file };
}

/**
 * An imported dataset from 150 lines of the project's eng-fra sample (test/fixtures/eng-fra-sample.tsv),
 * lower-cased, ASCII-folded and cut with BPE, so a bundle must carry the merges and the normalisation.
 */
export function addEngFra(store: Store, name = 'engfra-bpe'): void {
  const lines = readFileSync(fixture('eng-fra-sample.tsv'), 'utf8').split('\n').slice(40, 190);
  importCorpus(store, {
    name,
    format: 'tatoeba',
    source: { fileName: 'eng-fra-head.tsv', content: lines.join('\n') + '\n' },
    options: { tokenizer: 'bpe', bpeMerges: 40, lowercase: true, asciiFold: true },
  });
}

export async function trainTinyRun(
  store: Store,
  config: RunConfig,
  name = 'tiny',
  experimentId: number | null = null,
): Promise<number> {
  const runId = store.createRun({ name, config, experimentId, totalSteps: 0 });
  const trainer = await Trainer.open(store, runId);
  try {
    await trainer.run();
  } finally {
    trainer.dispose();
  }
  // What the run queue does after training in a worker.
  store.setRunStatus(runId, 'finished');
  return runId;
}
