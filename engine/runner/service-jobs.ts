/**
 * The lab's heavy one-off calls, as a service worker runs them (engine/runner/service-worker.ts) and as a lab
 * without workers (the CLI, a one-shot process) runs them in its own process: the same code either way, so an
 * import gives the same dataset wherever it ran.
 *
 * `checkTranslateRequest` is what the host checks before a translation goes anywhere (the limits of
 * engine/decode/limits.ts on the run's own tokenizer and decoding defaults): a request past them never reaches a
 * worker. translateTexts checks again as it translates (for bundles, whose defaults only the worker reads).
 */
import type { TranslateRequest, Translation } from '../contract/api.js';
import * as datasets from '../data/service.js';
import { loadTokenizers } from '../data/tokenizers.js';
import { checkBeamSize } from '../decode/limits.js';
import { datasetNormalization, type LoadedModel, tokenizeForTranslation } from '../decode/translate-texts.js';
import { LabError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ServiceCalls, ServiceMethod } from './service-messages.js';

/** How many loaded models a process keeps (each holds its parameters; the least recently used goes first). */
export const MAX_CACHED_MODELS = 4;

interface CachedModel {
  /** The checkpoint it was loaded from: tag, step and time saved (a later save, or a reused run id, misses). */
  key: string;
  loaded: LoadedModel;
}

/** Loaded models by run, so repeated translations with one run answer quickly after the first. */
export class ModelCache {
  private readonly models = new Map<number, CachedModel>();

  constructor(private readonly capacity = MAX_CACHED_MODELS) {}

  /** The run's model from the chosen checkpoint ('best' when it has one, else 'last'), loaded once. */
  async get(store: Store, runId: number, checkpoint?: 'best' | 'last'): Promise<LoadedModel> {
    const { loadRunModel } = await import('../translate.js');
    const saved = store.listCheckpoints(runId);
    const tag = checkpoint ?? (saved.some((c) => c.tag === 'best') ? 'best' : 'last');
    const info = saved.find((c) => c.tag === tag);
    const key = info === undefined ? `${tag}:none` : `${tag}:${info.step}:${info.createdAt}`;
    const cached = this.models.get(runId);
    if (cached !== undefined && cached.key === key) {
      // Most recently used last.
      this.models.delete(runId);
      this.models.set(runId, cached);
      return cached.loaded;
    }
    this.forget(runId);
    const loaded = await loadRunModel(store, runId, tag);
    this.models.set(runId, { key, loaded });
    while (this.models.size > this.capacity) this.forget(this.models.keys().next().value!);
    return loaded;
  }

  has(runId: number): boolean {
    return this.models.has(runId);
  }

  forget(runId: number): void {
    this.models.get(runId)?.loaded.model.dispose();
    this.models.delete(runId);
  }

  clear(): void {
    for (const runId of [...this.models.keys()]) this.forget(runId);
  }
}

/**
 * Refuse, before any work, a translation that is past the limits: no run or bundle named, an unknown run, a beam
 * wider than MAX_BEAM_SIZE (the run's own default included), texts over the token limits (tokenized with the run's
 * dataset's tokenizer).
 */
export function checkTranslateRequest(store: Store, request: TranslateRequest): void {
  // The request's shape (texts, a beam of at most MAX_BEAM_SIZE) was checked by its schema; what is left needs the
  // run. A bundle's defaults are known once it is loaded, in the worker, which checks them there.
  if (request.bundlePath !== undefined) return;
  if (request.runId === undefined) {
    throw new LabError('invalid-request', 'give a runId or a bundlePath', { field: 'runId' });
  }
  const run = store.getRun(request.runId);
  const strategy = request.strategy ?? run.config.decode.strategy;
  if (strategy === 'beam') checkBeamSize(request.beamSize ?? run.config.decode.beamSize);
  const dataset = store.getDataset(run.summary.dataset);
  tokenizeForTranslation(
    request.texts,
    datasetNormalization(dataset.kind, dataset.options),
    loadTokenizers(store, dataset.name).source,
  );
}

async function translate(store: Store, models: ModelCache, request: TranslateRequest): Promise<Translation[]> {
  // The host ran checkTranslateRequest; translateTexts applies the limits again to what it decodes.
  const { translateTextsAsync: translateTexts, translateWithExport } = await import('../translate.js');
  if (request.bundlePath !== undefined) return translateWithExport(request.bundlePath, request);
  return translateTexts(await models.get(store, request.runId!, request.checkpoint), request);
}

/** Run one call against this process's store connection. */
export async function runServiceJob<M extends ServiceMethod>(
  store: Store,
  models: ModelCache,
  method: M,
  argument: ServiceCalls[M]['argument'],
): Promise<ServiceCalls[M]['result']> {
  type Result = ServiceCalls[M]['result'];
  switch (method) {
    case 'translate':
      return (await translate(store, models, argument as ServiceCalls['translate']['argument'])) as Result;
    case 'importDataset':
      return datasets.importDataset(store, argument as ServiceCalls['importDataset']['argument']) as Result;
    case 'generateDataset':
      return datasets.generate(store, argument as ServiceCalls['generateDataset']['argument']) as Result;
    case 'exportModel': {
      const { exportRun } = await import('../export/bundle.js');
      return (await exportRun(store, argument as ServiceCalls['exportModel']['argument'])) as Result;
    }
    default:
      throw new LabError('internal', `a service worker cannot run ${JSON.stringify(method)}`);
  }
}
