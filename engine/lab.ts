import { EventEmitter } from 'node:events';
import { totalmem } from 'node:os';
import type {
  AttentionMatrix,
  DbCheckResult,
  KernelSet,
  LabApi,
  LabEventArgs,
  LabEventListener,
  LabInfo,
  ListRunsRequest,
  MetricSeries,
  MetricSeriesRequest,
  RunDetail,
  RunSummary,
  GradientFlowRecord,
  SampleRecord,
  UpdateRunRequest,
} from './contract/api.js';
import type {
  DatasetDetail,
  DatasetPairsPage,
  DatasetSummary,
  GenerateDatasetRequest,
  ImportDatasetRequest,
  ImportResult,
  Split,
} from './contract/api.js';
import type {
  Comparison,
  CompareRequest,
  ConfigIssue,
  CreateExperimentRequest,
  CreateRunRequest,
  ExperimentSummary,
  ExportDataRequest,
  ExportedData,
  ExportModelRequest,
  ExportResult,
  PresetInfo,
  RunConfig,
  Translation,
  TranslateRequest,
} from './contract/api.js';
import { compareRuns, comparisonCsv, EXPERIMENT_PRESETS, presetRunConfigs } from './compare.js';
import { listPresets, plannedSteps, requireValidConfig, validateConfig } from './config.js';
import { collect, type DataStream, metricsStream, type MetricStreamOptions } from './export/data-stream.js';
import * as datasets from './data/service.js';
import { LabError } from './errors.js';
import { RunQueue, type WorkerSpawner } from './runner/queue.js';
import { checkTranslateRequest, ModelCache, runServiceJob } from './runner/service-jobs.js';
import type { ServiceCalls, ServiceMethod } from './runner/service-messages.js';
import { ServicePool, type ServicePoolOptions } from './runner/service-pool.js';
import { describeArchitecture, Store } from './store/store.js';
import { LATEST_SCHEMA_VERSION } from './store/migrations.js';
import { checkTrainingMemory, memoryLimit } from './train/memory-estimate.js';
import { MTLAB_VERSION } from './version.js';

export interface LabOptions {
  /** How many runs train at once (default 1). */
  concurrency?: number;
  /**
   * Own the store's run queue (servers and the desktop app): start it at once and start queued runs as they come.
   * Other labs (the CLI) train only the runs they are asked to (`train`), never someone else's queued ones.
   */
  startQueue?: boolean;
  /** How training workers are started (default: a Node child process). */
  spawnWorker?: WorkerSpawner;
  /**
   * Worker processes for translate, importDataset, generateDataset and exportModel, so they never block this
   * process's event loop (engine/runner/service-pool.ts). Default: 2 when the lab owns the queue (a server, the
   * app), else 0: the CLI, a one-shot process, runs them here.
   */
  services?: number;
  /** Tuning of those workers (time limit per job, queue length, spawner). */
  servicePool?: Omit<ServicePoolOptions, 'storePath' | 'size'>;
}

const MAX_SERIES_POINTS = 10_000;

/**
 * The one implementation of the LabApi contract. Front ends (CLI, HTTP server, Electron) hold a `Lab` (or a proxy
 * to one) and call it; nothing else in the engine is their business.
 */
export class Lab implements LabApi {
  readonly store: Store;
  readonly options: Required<LabOptions>;
  private readonly events = new EventEmitter<{ event: LabEventArgs }>();

  constructor(store: Store, options: LabOptions = {}) {
    this.store = store;
    this.options = {
      concurrency: options.concurrency ?? 1,
      startQueue: options.startQueue ?? false,
      spawnWorker: options.spawnWorker ?? (undefined as unknown as WorkerSpawner),
      services: options.services ?? (options.startQueue === true ? 2 : 0),
      servicePool: options.servicePool ?? {},
    };
    // A store only this connection can see (":memory:") has nothing for a worker to open.
    this.services =
      this.options.services > 0 && store.path !== ':memory:'
        ? new ServicePool({ ...this.options.servicePool, storePath: store.path, size: this.options.services })
        : null;
    this.events.setMaxListeners(0);
    if (this.options.startQueue) this.queue();
  }

  private runQueue: RunQueue | null = null;
  /** The service workers, or null: heavy calls run in this process. */
  private readonly services: ServicePool | null;
  /** Loaded models by run (when the calls run here), so the Translate view answers quickly after the first text. */
  private readonly models = new ModelCache();

  /** Run a heavy call in a service worker, or here when the lab has none. */
  private service<M extends ServiceMethod>(
    method: M,
    argument: ServiceCalls[M]['argument'],
    affinity: string | null = null,
  ): Promise<ServiceCalls[M]['result']> {
    return this.services === null
      ? runServiceJob(this.store, this.models, method, argument)
      : this.services.call(method, argument, affinity);
  }

  /** The service workers' process ids and jobs (empty when the calls run in this process). */
  get serviceWorkers(): { pid: number; method: ServiceMethod | null }[] {
    return this.services?.pids ?? [];
  }

  /** The run queue, started on first use. */
  queue(): RunQueue {
    if (this.runQueue === null) {
      this.runQueue = new RunQueue(this.store, (...event) => this.emit(...event), {
        concurrency: this.options.concurrency,
        owner: this.options.startQueue,
        ...(this.options.spawnWorker === undefined ? {} : { spawn: this.options.spawnWorker }),
      });
      this.runQueue.start();
    }
    return this.runQueue;
  }

  static open(storePath: string, options: LabOptions = {}): Lab {
    return new Lab(Store.open(storePath), options);
  }

  /**
   * Stop the run queue (nothing starts any more; running runs end cancelled, resumable, and are waited for) and
   * close the store.
   */
  async close(): Promise<void> {
    await Promise.all([this.runQueue?.close(), this.services?.close()]);
    this.runQueue = null;
    this.models.clear();
    this.store.close();
  }

  /** Train these queued runs in this process (held meanwhile, so no other process starts them). */
  train(runIds: readonly number[]): void {
    this.queue().trainHere(runIds);
  }

  /** Let the queue owner know there is work: only the owner starts queued runs. */
  private pumpIfOwner(): void {
    if (this.options.startQueue) this.queue().pump();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Events

  subscribe(listener: LabEventListener): () => void {
    // A handler of its own per subscription: the same listener subscribed twice is heard twice, stopped once each.
    const handler: LabEventListener = (...event) => listener(...event);
    this.events.on('event', handler);
    return () => this.events.off('event', handler);
  }

  protected emit(...event: LabEventArgs): void {
    this.events.emit('event', ...event);
  }

  // -------------------------------------------------------------------------------------------------------------
  // The lab

  async info(): Promise<LabInfo> {
    return {
      version: MTLAB_VERSION,
      storePath: this.store.path,
      schemaVersion: this.store.schemaVersion,
      backends: await (await import('./backend/select.js')).describeBackends(),
      concurrency: this.options.concurrency,
      tfjsVersion: (await import('./backend/select.js')).tf.version_core,
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

  async getDatasetPairs(request: {
    name: string;
    split: Split;
    offset?: number;
    limit?: number;
  }): Promise<DatasetPairsPage> {
    return datasets.getDatasetPairs(this.store, request);
  }

  async generateDataset(request: GenerateDatasetRequest): Promise<DatasetSummary> {
    const summary = await this.service('generateDataset', request);
    this.emit('store:changed', { what: 'datasets' });
    return summary;
  }

  async importDataset(request: ImportDatasetRequest): Promise<ImportResult> {
    const result = await this.service('importDataset', request);
    this.emit('store:changed', { what: 'datasets' });
    return result;
  }

  async deleteDataset(request: { name: string }): Promise<void> {
    datasets.deleteDataset(this.store, request);
    this.emit('store:changed', { what: 'datasets' });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Configs and presets

  async listPresets(): Promise<PresetInfo[]> {
    return listPresets();
  }

  async validateConfig(request: { config: unknown }): Promise<{ config: RunConfig | null; issues: ConfigIssue[] }> {
    const result = validateConfig(request.config);
    if (result.config !== null && !this.store.hasDataset(result.config.data.dataset)) {
      const known = this.store.listDatasets().map((d) => d.name);
      return {
        config: null,
        issues: [
          {
            field: 'data.dataset',
            message: `there is no dataset "${result.config.data.dataset}"${known.length > 0 ? ` (datasets: ${known.join(', ')})` : '; generate or import one first'}`,
          },
        ],
      };
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Experiments

  async listExperiments(): Promise<ExperimentSummary[]> {
    return this.store.listExperiments();
  }

  async createExperiment(request: CreateExperimentRequest): Promise<ExperimentSummary> {
    const dataset = this.store.getDataset(request.dataset);
    const seed = request.seed ?? 1;
    const overrides = request.overrides ?? {};
    const preset = request.preset ?? null;
    const runs = preset === null ? [] : presetRunConfigs(preset, dataset.name, seed, overrides);
    const id = this.store.db
      .transaction(() => {
        const experimentId = this.store.createExperiment({
          name: request.name ?? (preset === null ? `experiment on ${dataset.name}` : `${preset} on ${dataset.name}`),
          description: request.description ?? (preset === null ? '' : EXPERIMENT_PRESETS[preset].description),
          datasetName: dataset.name,
          preset,
          seed,
        });
        for (const run of runs) this.insertRun(run.config, run.name, experimentId, request.start !== true);
        return experimentId;
      })
      .immediate();
    this.emit('store:changed', { what: 'experiments' });
    this.emit('store:changed', { what: 'runs' });
    if (request.start === true) await this.startExperiment({ id });
    return this.store.getExperiment(id);
  }

  /** Queue every run of an experiment that has not started yet. */
  async startExperiment(request: { id: number }): Promise<RunSummary[]> {
    const experiment = this.store.getExperiment(request.id);
    this.store.setHold(experiment.runIds, false);
    this.emit('store:changed', { what: 'runs' });
    this.pumpIfOwner();
    return experiment.runIds.map((id) => this.store.getRun(id).summary);
  }

  async compare(request: CompareRequest): Promise<Comparison> {
    const ids =
      request.runIds ??
      (request.experimentId === undefined ? [] : this.store.getExperiment(request.experimentId).runIds);
    return compareRuns(this.store, ids);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runs

  private insertRun(config: RunConfig, name: string | undefined, experimentId: number | null, hold: boolean): number {
    const stats = this.store.getDataset(config.data.dataset).stats;
    // A model that cannot fit is refused now, with the numbers, not by the worker running out of memory.
    checkTrainingMemory(config, stats, memoryLimit(config.backend, totalmem()));
    const trainPairs = stats.pairs.train;
    const totalSteps = plannedSteps(config, Math.ceil(trainPairs / config.train.batchSize));
    return this.store.createRun({
      name: name ?? describeArchitecture(config),
      config,
      experimentId,
      totalSteps: Number.isFinite(totalSteps) ? totalSteps : 0,
      hold,
    });
  }

  async createRun(request: CreateRunRequest): Promise<RunSummary> {
    const config = requireValidConfig(request.config);
    if (!this.store.hasDataset(config.data.dataset)) {
      throw new LabError('invalid-config', `there is no dataset "${config.data.dataset}" (data.dataset)`, {
        field: 'data.dataset',
      });
    }
    if (request.experimentId !== undefined) this.store.getExperiment(request.experimentId);
    // start: false holds the run: queued, but no queue starts it until startRun.
    const id = this.insertRun(config, request.name, request.experimentId ?? null, request.start === false);
    this.emit('store:changed', { what: 'runs' });
    if (request.start !== false) this.pumpIfOwner();
    return this.store.getRun(id).summary;
  }

  /** Queued runs start as soon as a slot is free; this makes sure the queue is working. */
  async startRun(request: { id: number }): Promise<RunSummary> {
    const status = this.store.runStatus(request.id);
    if (status !== 'queued')
      throw new LabError(
        'conflict',
        `run ${request.id} is ${status}; only a queued run can start (resume an ended one)`,
      );
    this.store.setHold([request.id], false);
    this.pumpIfOwner();
    return this.store.getRun(request.id).summary;
  }

  /** Cancel a run: queued, trained here, or trained by another process (asked through the store; it stops soon). */
  async cancelRun(request: { id: number }): Promise<RunSummary> {
    this.queue().cancel(request.id);
    return this.store.getRun(request.id).summary;
  }

  /**
   * Put an interrupted, failed or cancelled run back in the queue; it continues from its last checkpoint. With
   * `hold`, it waits for whoever resumed it to train it (`train`) rather than for the queue's owner.
   */
  async resumeRun(request: { id: number }, options: { hold?: boolean } = {}): Promise<RunSummary> {
    const status = this.store.runStatus(request.id);
    if (status !== 'interrupted' && status !== 'failed' && status !== 'cancelled') {
      throw new LabError(
        'conflict',
        `run ${request.id} is ${status}; only interrupted, failed or cancelled runs can resume`,
      );
    }
    this.store.requeueRun(request.id, options.hold === true);
    this.emit('run:status', { runId: request.id, status: 'queued', error: null });
    this.emit('store:changed', { what: 'runs' });
    this.pumpIfOwner();
    return this.store.getRun(request.id).summary;
  }

  async updateRun(request: UpdateRunRequest): Promise<RunSummary> {
    this.store.updateRunLabels(request.id, { tags: request.tags, notes: request.notes });
    this.emit('store:changed', { what: 'runs' });
    return this.store.getRun(request.id).summary;
  }

  async deleteRun(request: { id: number }): Promise<void> {
    this.store.deleteRun(request.id);
    this.models.forget(request.id);
    this.services?.forget(request.id);
    this.emit('store:changed', { what: 'runs' });
  }

  /** Wait until a run stops; resolves with its final status. */
  waitForRun(id: number): Promise<string> {
    return this.queue().waitFor(id);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Translation and export

  async translate(request: TranslateRequest): Promise<Translation[]> {
    // The limits are checked here, before a worker is asked: a request past them costs the worker nothing.
    checkTranslateRequest(this.store, request);
    return this.service('translate', request, request.runId === undefined ? null : `run:${request.runId}`);
  }

  async exportModel(request: ExportModelRequest): Promise<ExportResult> {
    return this.service('exportModel', request);
  }

  async exportData(request: ExportDataRequest): Promise<ExportedData> {
    const stream = this.exportDataStream(request);
    return { fileName: stream.fileName, mimeType: stream.mimeType, content: await collect(stream) };
  }

  /**
   * `exportData` as a stream of text chunks (not part of the JSON contract): what the CLI writes to a file and the
   * HTTP server sends as a chunked response, in bounded memory however many points the runs have.
   */
  exportDataStream(request: ExportDataRequest, options: MetricStreamOptions = {}): DataStream {
    const runIds =
      request.runIds ??
      (request.experimentId === undefined ? [] : this.store.getExperiment(request.experimentId).runIds);
    if (runIds.length === 0)
      throw new LabError('invalid-request', 'choose runs (runIds) or an experiment (experimentId)', {
        field: 'runIds',
      });
    for (const id of runIds) this.store.getRun(id);
    const base = runIds.length === 1 ? `run-${runIds[0]}` : `runs-${runIds.join('-')}`;
    const whole = (fileName: string, mimeType: string, content: () => string): DataStream => ({
      fileName,
      mimeType,
      chunks: (async function* () {
        yield content();
      })(),
    });
    if (request.what === 'comparison') {
      const comparison = compareRuns(this.store, runIds);
      return request.format === 'csv'
        ? whole(`${base}-comparison.csv`, 'text/csv', () => comparisonCsv(comparison))
        : whole(`${base}-comparison.json`, 'application/json', () => JSON.stringify(comparison, null, 2));
    }
    if (request.what === 'attention') {
      return whole(`${base}-attention.json`, 'application/json', () =>
        JSON.stringify(
          runIds.flatMap((runId) =>
            this.store.attentionSteps(runId).flatMap((step) =>
              this.store.samples(runId, step).flatMap((sample) => {
                const m = this.store.attention(runId, sample.index, step);
                return m === null ? [] : [m];
              }),
            ),
          ),
        ),
      );
    }
    return metricsStream(this.store, runIds, request.format, base, options);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runs (reading)

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
      kernelSet: record.kernelSet,
      adapter: record.adapter,
      peakRss: record.peakRss,
      notes: record.notes,
    };
  }

  async getRunKernelSet(request: { runId: number }): Promise<KernelSet | null> {
    return this.store.getRun(request.runId).kernelSet;
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

  async getGradientFlow(request: { runId: number }): Promise<GradientFlowRecord[]> {
    this.store.getRun(request.runId);
    return this.store.gradientFlow(request.runId);
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
