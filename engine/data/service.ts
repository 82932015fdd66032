/** The dataset requests of the LabApi, as the `Lab` class calls them. */
import type {
  DatasetDetail,
  DatasetPairsPage,
  DatasetSummary,
  GenerateDatasetRequest,
  ImportDatasetRequest,
  ImportResult,
  Split,
} from '../contract/api.js';
import type { Store } from '../store/store.js';
import { generateDataset } from './generate.js';
import { importCorpus } from './import.js';
import { checkLookupName, checkObject, optionalInteger, requiredChoice } from './request-checks.js';
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

export const MAX_PAIRS_PER_PAGE = 10_000;

/** A page of one split's pairs (text as stored: normalised, before tokenisation). */
export function getDatasetPairs(
  store: Store,
  request: { name: string; split: Split; offset?: number; limit?: number },
): DatasetPairsPage {
  const r = checkObject(request, 'request');
  const name = checkLookupName(r.name);
  const split = requiredChoice<Split>(r.split, 'split', ['train', 'valid', 'test']);
  const offset = optionalInteger(r.offset, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const limit = optionalInteger(r.limit, 'limit', 0, MAX_PAIRS_PER_PAGE) ?? MAX_PAIRS_PER_PAGE;
  const total = store.getDataset(name).stats.pairs[split];
  const pairs = store.datasetPairs(name, split, limit, offset).map((p) => ({ source: p.source, target: p.target }));
  return { split, total, offset, pairs };
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
