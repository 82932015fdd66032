import type { DatasetStats, RunConfig } from '../../engine/contract/api.js';
import type { Store } from '../../engine/store/store.js';

export const tinyStats: DatasetStats = {
  pairs: { train: 2, valid: 1, test: 1 },
  meanSourceLength: 3,
  meanTargetLength: 3,
  maxSourceLength: 3,
  maxTargetLength: 3,
  sourceTypes: 4,
  targetTypes: 4,
  hasAlignments: false,
};

/** A complete config for store tests (training code uses engine/config.ts defaults instead). */
export function fixtureConfig(dataset: string, overrides: Partial<RunConfig['model']> = {}): RunConfig {
  return {
    data: { dataset, minFreq: 1, maxVocab: 0, maxLength: 0 },
    model: {
      cell: 'gru',
      attention: 'bahdanau',
      luongScore: 'general',
      inputFeeding: false,
      embeddingSize: 8,
      hiddenSize: 8,
      attentionSize: 8,
      layers: 1,
      bidirectional: false,
      dropout: 0,
      ...overrides,
    },
    train: {
      optimizer: 'adam',
      learningRate: 0.01,
      momentum: 0,
      schedule: { kind: 'constant' },
      batchSize: 2,
      steps: 10,
      epochs: 0,
      clipNorm: 1,
      labelSmoothing: 0,
      teacherForcing: 1,
      teacherForcingDecay: { kind: 'none' },
      validateEvery: 5,
      validationPairs: 0,
      earlyStopping: null,
      seed: 1,
    },
    decode: { strategy: 'greedy', beamSize: 4, lengthPenalty: 0.6, maxLengthRatio: 2, maxLengthOffset: 5 },
    backend: 'cpu',
  };
}

/** Add a two-pair dataset named `name`. */
export function addTinyDataset(store: Store, name = 'tiny'): void {
  store.addDataset({
    name,
    kind: 'generated',
    tokenizer: 'word',
    source: { generator: 'fixture' },
    options: {},
    stats: tinyStats,
    tokenizerState: null,
    splits: {
      train: [
        { source: 'the cat', target: 'le chat', alignment: '0-0 1-1' },
        { source: 'the dog', target: 'le chien', alignment: '0-0 1-1' },
      ],
      valid: [{ source: 'the car', target: 'la voiture', alignment: null }],
      test: [{ source: 'a cat', target: 'un chat', alignment: null }],
    },
  });
}
