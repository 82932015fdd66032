/**
 * Built-in datasets, generated from a seed: `toy-fr` (the English → French toy grammar, with gold alignments),
 * `reverse` and `copy`. The same generator, size and seed always give the same pairs and the same split.
 */
import type { DatasetSummary, GenerateDatasetRequest, GeneratorName } from '../contract/api.js';
import { LabError } from '../errors.js';
import type { Store } from '../store/store.js';
import { checkDatasetName, checkObject, optionalInteger, optionalSeed, requiredChoice } from './request-checks.js';
import { generateSequenceTask, SEQUENCE_TASK_DEFAULTS } from './sequence-tasks.js';
import { DEFAULT_TEST_FRACTION, DEFAULT_VALID_FRACTION, splitPairs } from './split.js';
import { computeStats } from './stats.js';
import { type AlignedPair, generateToyFr } from './toy-fr.js';
import { createTokenizers, tokenizerState } from './tokenizers.js';

export const GENERATORS: readonly GeneratorName[] = ['toy-fr', 'reverse', 'copy'];

/**
 * Sizes a small GRU + attention model learns well within minutes on a CPU. toy-fr: 10,000 pairs (9,000 for
 * training), about 140 English and 190 French words.
 */
export const DEFAULT_PAIRS: Record<GeneratorName, number> = { 'toy-fr': 10_000, reverse: 10_000, copy: 10_000 };
export const DEFAULT_GENERATOR_SEED = 1;
export const MAX_GENERATED_PAIRS = 1_000_000;
/** Bumped whenever a generator's output for a given seed changes, so datasets say which grammar made them. */
export const GENERATOR_VERSION = 1;

export function generatePairs(generator: GeneratorName, pairs: number, seed: number): AlignedPair[] {
  if (generator === 'toy-fr') return generateToyFr(pairs, seed);
  return generateSequenceTask(generator, pairs, seed);
}

export function generateDataset(store: Store, rawRequest: GenerateDatasetRequest): DatasetSummary {
  const request = checkObject(rawRequest, 'request') as unknown as GenerateDatasetRequest;
  const generator = requiredChoice(request.generator, 'generator', GENERATORS);
  const name = checkDatasetName(request.name);
  const count = optionalInteger(request.pairs, 'pairs', 10, MAX_GENERATED_PAIRS) ?? DEFAULT_PAIRS[generator];
  const seed = optionalSeed(request.seed) ?? DEFAULT_GENERATOR_SEED;
  if (store.hasDataset(name)) {
    throw new LabError('conflict', `a dataset named "${name}" already exists; choose another name`, { field: 'name' });
  }
  let pairs: AlignedPair[];
  try {
    pairs = generatePairs(generator, count, seed);
  } catch (error) {
    throw new LabError('invalid-request', `pairs: ${(error as Error).message}; ask for fewer`, { field: 'pairs' });
  }
  const split = { validFraction: DEFAULT_VALID_FRACTION, testFraction: DEFAULT_TEST_FRACTION, seed };
  const splits = splitPairs(pairs, split);
  const tokenizers = createTokenizers('word', splits.train);
  return store.addDataset({
    name,
    kind: 'generated',
    tokenizer: 'word',
    source: {
      generator,
      version: GENERATOR_VERSION,
      pairs: count,
      seed,
      ...(generator === 'toy-fr'
        ? {}
        : {
            minLength: SEQUENCE_TASK_DEFAULTS.minLength,
            maxLength: SEQUENCE_TASK_DEFAULTS.maxLength,
            symbols: SEQUENCE_TASK_DEFAULTS.symbols.join(''),
          }),
    },
    options: { ...split, tokenizer: 'word' },
    stats: computeStats(splits, tokenizers, true),
    tokenizerState: tokenizerState(tokenizers),
    splits,
  });
}
