import { EventEmitter } from 'node:events';
import type {
  AttentionMatrix,
  DbCheckResult,
  LabEventListener,
  LabEventName,
  LabEvents,
  LabInfo,
  ListRunsRequest,
  MetricSeries,
  MetricSeriesRequest,
  RunDetail,
  RunSummary,
  SampleRecord,
} from './api.js';
import type {
  DatasetDetail,
  DatasetSummary,
  GenerateDatasetRequest,
  ImportDatasetRequest,
  ImportResult,
} from './api.js';
import * as datasets from './data/service.js';
import { LabError } from './errors.js';
import { Store } from './store/store.js';
import { LATEST_SCHEMA_VERSION } from './store/migrations.js';
import { MTLAB_VERSION } from './version.js';

export interface LabOptions {
  /** How many runs train at once (default 1). */
  concurrency?: number;
}

const MAX_SERIES_POINTS = 10_000;

/**
 * The one implementation of the LabApi contract. Front ends (CLI, HTTP server, Electron) hold a `Lab` (or a proxy
 * to one) and call it; nothing else in the engine is their business.
 */
export class Lab {
  readonly store: Store;
  readonly options: Required<LabOptions>;
  private readonly events = new EventEmitter();

  constructor(store: Store, options: LabOptions = {}) {
    this.store = store;
    this.options = { concurrency: options.concurrency ?? 1 };
    this.events.setMaxListeners(0);
  }

  static open(storePath: string, options: LabOptions = {}): Lab {
    return new Lab(Store.open(storePath), options);
  }

  async close(): Promise<void> {
    this.store.close();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Events

  subscribe(listener: LabEventListener): () => void {
    const handler = (event: LabEventName, payload: unknown): void => {
      listener(event, payload as LabEvents[typeof event]);
    };
    this.events.on('event', handler);
    return () => this.events.off('event', handler);
  }

  protected emit<E extends LabEventName>(event: E, payload: LabEvents[E]): void {
    this.events.emit('event', event, payload);
  }

  // -------------------------------------------------------------------------------------------------------------
  // The lab

  async info(): Promise<LabInfo> {
    return {
      version: MTLAB_VERSION,
      storePath: this.store.path,
      schemaVersion: this.store.schemaVersion,
      backends: [],
      concurrency: this.options.concurrency,
      tfjsVersion: '',
    };
  }

  async checkStore(): Promise<DbCheckResult> {
    const problems: string[] = [];
    const rows = (this.store.db.pragma('integrity_check') as { integrity_check: string }[]).map(
      (r) => r.integrity_check,
    );
    if (!(rows.length === 1 && rows[0] === 'ok')) problems.push(...rows);
    return {
      path: this.store.path,
      ok: problems.length === 0,
      schemaVersion: this.store.schemaVersion,
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
      problems,
      counts: {},
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Datasets

  async listDatasets(): Promise<DatasetSummary[]> {
    return datasets.listDatasets(this.store);
  }

  async getDataset(request: { name: string; examples?: number }): Promise<DatasetDetail> {
    return datasets.getDataset(this.store, request);
  }

  async generateDataset(request: GenerateDatasetRequest): Promise<DatasetSummary> {
    const summary = datasets.generate(this.store, request);
    this.emit('store:changed', { what: 'datasets' });
    return summary;
  }

  async importDataset(request: ImportDatasetRequest): Promise<ImportResult> {
    const result = datasets.importDataset(this.store, request);
    this.emit('store:changed', { what: 'datasets' });
    return result;
  }

  async deleteDataset(request: { name: string }): Promise<void> {
    datasets.deleteDataset(this.store, request);
    this.emit('store:changed', { what: 'datasets' });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runs

  async listRuns(request: ListRunsRequest = {}): Promise<RunSummary[]> {
    return this.store.listRuns(request).map((r) => r.summary);
  }

  async getRun(request: { id: number }): Promise<RunDetail> {
    const record = this.store.getRun(request.id);
    return {
      ...record.summary,
      config: record.config,
      latestMetrics: this.store.metrics.latest(request.id),
      checkpoints: this.store.listCheckpoints(request.id),
      parameters: record.parameters,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Series, samples, attention

  async getMetricKeys(request: { runIds: number[] }): Promise<string[]> {
    return this.store.metrics.keys(request.runIds);
  }

  async getMetricSeries(request: MetricSeriesRequest): Promise<MetricSeries[]> {
    const maxPoints = Math.min(MAX_SERIES_POINTS, Math.max(1, request.maxPoints ?? 1000));
    const out: MetricSeries[] = [];
    for (const runId of request.runIds) {
      if (!this.store.hasRun(runId)) throw new LabError('not-found', `run ${runId} does not exist`);
      for (const key of request.keys) out.push(this.store.metrics.series(runId, key, maxPoints));
    }
    return out;
  }

  async getSamples(request: { runId: number; step?: number }): Promise<SampleRecord[]> {
    this.store.getRun(request.runId);
    return this.store.samples(request.runId, request.step);
  }

  async getAttentionSteps(request: { runId: number }): Promise<number[]> {
    this.store.getRun(request.runId);
    return this.store.attentionSteps(request.runId);
  }

  async getAttention(request: { runId: number; sampleIndex: number; step?: number }): Promise<AttentionMatrix | null> {
    this.store.getRun(request.runId);
    return this.store.attention(request.runId, request.sampleIndex, request.step);
  }
}
