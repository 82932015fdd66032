/** The dataset requests of the LabApi, as the `Lab` class calls them. */
import type {
  DatasetDetail,
  DatasetSummary,
  GenerateDatasetRequest,
  ImportDatasetRequest,
  ImportResult,
} from '../api.js';
import type { Store } from '../store/store.js';
import { generateDataset } from './generate.js';
import { importCorpus } from './import.js';
import { checkLookupName, checkObject, optionalInteger } from './request-checks.js';
import { lengthHistograms } from './stats.js';
import { loadTokenizers } from './tokenizers.js';

export const DEFAULT_EXAMPLES = 5;
export const MAX_EXAMPLES = 100;

export function listDatasets(store: Store): DatasetSummary[] {
  return store.listDatasets();
}

/** A dataset with its training-split length histograms and its first few training pairs. */
export function getDataset(store: Store, request: { name: string; examples?: number }): DatasetDetail {
  const r = checkObject(request, 'request');
  const name = checkLookupName(r.name);
  const examples = optionalInteger(r.examples, 'examples', 0, MAX_EXAMPLES) ?? DEFAULT_EXAMPLES;
  const summary = store.getDataset(name);
  const train = store.datasetPairs(name, 'train');
  const histograms = lengthHistograms(train, loadTokenizers(store, name));
  return {
    ...summary,
    sourceLengthHistogram: histograms.source,
    targetLengthHistogram: histograms.target,
    examples: train.slice(0, examples).map((p) => ({ source: p.source, target: p.target })),
  };
}

export function generate(store: Store, request: GenerateDatasetRequest): DatasetSummary {
  return generateDataset(store, request);
}

export function importDataset(store: Store, request: ImportDatasetRequest): ImportResult {
  return importCorpus(store, request);
}

export function deleteDataset(store: Store, request: { name: string }): void {
  const r = checkObject(request, 'request');
  store.deleteDataset(checkLookupName(r.name));
}
