import os from 'node:os';
import type {
  AttentionMatrix,
  CheckpointInfo,
  DatasetStats,
  DatasetSummary,
  DbCheckResult,
  ExperimentSummary,
  LengthBucketScore,
  RunConfig,
  RunStatus,
  RunSummary,
  SampleRecord,
  Split,
  TokenizerKind,
} from '../api.js';
import { LabError, notFound } from '../errors.js';
import { MetricTable } from './metrics.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { openDatabase, readHeader, type SqliteDatabase } from './open.js';

export { resolveStorePath } from './open.js';
export type { MetricPoint } from './metrics.js';

const now = (): string => new Date().toISOString();

interface RunRow {
  id: number;
  experiment_id: number | null;
  name: string;
  dataset_id: number | null;
  dataset_name: string;
  config: string;
  status: RunStatus;
  backend: string | null;
  seed: number;
  error: string | null;
  step: number;
  total_steps: number;
  epoch: number;
  parameters: number | null;
  train_seconds: number;
  summary: string | null;
  cancel_requested: number;
  pid: number | null;
  host: string | null;
  heartbeat_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface DatasetRow {
  id: number;
  name: string;
  kind: 'generated' | 'imported';
  tokenizer: TokenizerKind;
  source: string;
  options: string;
  stats: string;
  tokenizer_state: string | null;
  created_at: string;
}

export interface StoredPair {
  source: string;
  target: string;
  /** Gold alignment as "i-j" pairs (source index - target index), when known. */
  alignment: string | null;
}

export interface NewDataset {
  name: string;
  kind: 'generated' | 'imported';
  tokenizer: TokenizerKind;
  source: Record<string, unknown>;
  options: Record<string, unknown>;
  stats: DatasetStats;
  tokenizerState: unknown;
  splits: Record<Split, readonly StoredPair[]>;
}

/** What a finished run's evaluation on the test split found. */
export interface RunEvaluation {
  checkpoint: 'best' | 'last';
  step: number;
  metrics: Record<string, number>;
  bleuByLength: LengthBucketScore[];
}

export interface RunRecord {
  summary: RunSummary;
  config: RunConfig;
  parameters: number | null;
  pid: number | null;
  host: string | null;
}

export interface StoreOptions {
  readonly?: boolean;
  /** Mark runs left `running` by dead processes as `interrupted` (default true for writers). */
  recover?: boolean;
}

/** Describe an architecture the way the runs table shows it: `gru + bahdanau`, `lstm ×2 bi + luong(general)`. */
export function describeArchitecture(config: RunConfig): string {
  const m = config.model;
  let text = m.cell;
  if (m.layers > 1) text += ` ×${m.layers}`;
  if (m.bidirectional) text += ' bi';
  if (m.attention === 'bahdanau') text += ' + bahdanau';
  if (m.attention === 'luong') text += ` + luong(${m.luongScore}${m.inputFeeding ? ', feed' : ''})`;
  return text;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How long a run on another host may go without a heartbeat before it counts as interrupted. */
const FOREIGN_HEARTBEAT_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The experiment store: one SQLite file holding datasets, experiments, runs and everything runs record.
 * One writer connection per process; WAL lets readers in other processes see committed work at once.
 */
export class Store {
  readonly metrics: MetricTable;

  private constructor(
    readonly db: SqliteDatabase,
    readonly path: string,
  ) {
    this.metrics = new MetricTable(db);
  }

  static open(file: string, options: StoreOptions = {}): Store {
    const db = openDatabase(file, { readonly: options.readonly ?? false });
    const store = new Store(db, file);
    if (!options.readonly && (options.recover ?? true)) store.recoverInterruptedRuns();
    return store;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return readHeader(this.db).schemaVersion;
  }

  /** Integrity check without writing: used by `mtlab db check`. */
  static check(file: string): DbCheckResult {
    const store = Store.open(file, { readonly: true });
    try {
      const problems: string[] = [];
      let rows: string[];
      try {
        rows = (store.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
      } catch (error) {
        throw new LabError('store', `${file} is damaged: ${(error as Error).message}`);
      }
      if (!(rows.length === 1 && rows[0] === 'ok')) problems.push(...rows);
      const fk = store.db.pragma('foreign_key_check') as unknown[];
      if (fk.length > 0) problems.push(`${fk.length} rows violate foreign keys`);
      const counts: Record<string, number> = {};
      if (problems.length === 0) {
        for (const table of ['datasets', 'experiments', 'runs', 'metrics', 'samples', 'attention', 'checkpoints']) {
          counts[table] = store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
        }
      }
      return {
        path: file,
        ok: problems.length === 0,
        schemaVersion: store.schemaVersion,
        latestSchemaVersion: LATEST_SCHEMA_VERSION,
        problems,
        counts,
      };
    } finally {
      store.close();
    }
  }

  /** Runs left `running` by a process that no longer exists become `interrupted` (resumable). */
  recoverInterruptedRuns(): number[] {
    const host = os.hostname();
    const running = this.db
      .prepare(`SELECT id, pid, host, heartbeat_at FROM runs WHERE status = 'running'`)
      .all() as Pick<RunRow, 'id' | 'pid' | 'host' | 'heartbeat_at'>[];
    const dead = running.filter((r) => {
      if (r.host === host || r.host === null) return r.pid === null || !isProcessAlive(r.pid);
      const beat = r.heartbeat_at === null ? 0 : Date.parse(r.heartbeat_at);
      return Date.now() - beat > FOREIGN_HEARTBEAT_TIMEOUT_MS;
    });
    const mark = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', pid = NULL, error = ?, finished_at = ? WHERE id = ? AND status = 'running'`,
    );
    this.db
      .transaction(() => {
        for (const r of dead) mark.run('the process training this run stopped unexpectedly', now(), r.id);
      })
      .immediate();
    return dead.map((r) => r.id);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Datasets

  private datasetRow(name: string): DatasetRow {
    const row = this.db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as DatasetRow | undefined;
    if (row === undefined) throw notFound('dataset', name);
    return row;
  }

  private toDatasetSummary(row: DatasetRow): DatasetSummary {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      source: JSON.parse(row.source) as Record<string, unknown>,
      options: JSON.parse(row.options) as Record<string, unknown>,
      tokenizer: row.tokenizer,
      stats: JSON.parse(row.stats) as DatasetStats,
      createdAt: row.created_at,
    };
  }

  hasDataset(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(name) !== undefined;
  }

  listDatasets(): DatasetSummary[] {
    const rows = this.db.prepare('SELECT * FROM datasets ORDER BY id').all() as DatasetRow[];
    return rows.map((r) => this.toDatasetSummary(r));
  }

  getDataset(name: string): DatasetSummary {
    return this.toDatasetSummary(this.datasetRow(name));
  }

  datasetTokenizerState(name: string): unknown {
    const row = this.datasetRow(name);
    return row.tokenizer_state === null ? null : (JSON.parse(row.tokenizer_state) as unknown);
  }

  /** Store a dataset and all its pairs in one transaction; an existing name is refused, never overwritten. */
  addDataset(dataset: NewDataset): DatasetSummary {
    const insert = this.db.prepare(
      `INSERT INTO datasets (name, kind, tokenizer, source, options, stats, tokenizer_state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertPair = this.db.prepare(
      'INSERT INTO dataset_pairs (dataset_id, split, idx, source, target, alignment) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const id = this.db
      .transaction(() => {
        if (this.hasDataset(dataset.name)) {
          throw new LabError('conflict', `a dataset named "${dataset.name}" already exists; choose another name`, {
            field: 'name',
          });
        }
        const info = insert.run(
          dataset.name,
          dataset.kind,
          dataset.tokenizer,
          JSON.stringify(dataset.source),
          JSON.stringify(dataset.options),
          JSON.stringify(dataset.stats),
          dataset.tokenizerState === null || dataset.tokenizerState === undefined
            ? null
            : JSON.stringify(dataset.tokenizerState),
          now(),
        );
        const datasetId = Number(info.lastInsertRowid);
        for (const split of ['train', 'valid', 'test'] as const) {
          dataset.splits[split].forEach((pair, idx) => {
            insertPair.run(datasetId, split, idx, pair.source, pair.target, pair.alignment);
          });
        }
        return datasetId;
      })
      .immediate();
    return this.toDatasetSummary(this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow);
  }

  datasetPairs(name: string, split: Split, limit?: number, offset = 0): StoredPair[] {
    const row = this.datasetRow(name);
    const sql =
      'SELECT source, target, alignment FROM dataset_pairs WHERE dataset_id = ? AND split = ? ORDER BY idx' +
      (limit === undefined ? '' : ' LIMIT ? OFFSET ?');
    const params: unknown[] = limit === undefined ? [row.id, split] : [row.id, split, limit, offset];
    return this.db.prepare(sql).all(...params) as StoredPair[];
  }

  deleteDataset(name: string): void {
    const row = this.datasetRow(name);
    const users = this.db
      .prepare(`SELECT count(*) FROM runs WHERE dataset_id = ? AND status IN ('queued', 'running')`)
      .pluck()
      .get(row.id) as number;
    if (users > 0) throw new LabError('conflict', `dataset "${name}" is used by ${users} queued or running run(s)`);
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(row.id);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Experiments

  createExperiment(e: {
    name: string;
    description: string;
    datasetName: string | null;
    preset: string | null;
    seed: number | null;
  }): number {
    const datasetId = e.datasetName === null ? null : this.datasetRow(e.datasetName).id;
    const info = this.db
      .prepare(
        'INSERT INTO experiments (name, description, dataset_id, preset, seed, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(e.name, e.description, datasetId, e.preset, e.seed, now());
    return Number(info.lastInsertRowid);
  }

  listExperiments(): ExperimentSummary[] {
    const rows = this.db
      .prepare(
        `SELECT e.id, e.name, e.description, d.name AS dataset, e.preset, e.seed, e.created_at,
                (SELECT group_concat(r.id) FROM runs r WHERE r.experiment_id = e.id) AS run_ids
         FROM experiments e LEFT JOIN datasets d ON d.id = e.dataset_id ORDER BY e.id`,
      )
      .all() as {
      id: number;
      name: string;
      description: string;
      dataset: string | null;
      preset: string | null;
      seed: number | null;
      created_at: string;
      run_ids: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      dataset: r.dataset,
      preset: r.preset,
      seed: r.seed,
      runIds:
        r.run_ids === null
          ? []
          : r.run_ids
              .split(',')
              .map(Number)
              .sort((a, b) => a - b),
      createdAt: r.created_at,
    }));
  }

  getExperiment(id: number): ExperimentSummary {
    const found = this.listExperiments().find((e) => e.id === id);
    if (found === undefined) throw notFound('experiment', id);
    return found;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runs

  createRun(r: { name: string; config: RunConfig; experimentId: number | null; totalSteps: number }): number {
    const dataset = this.datasetRow(r.config.data.dataset);
    const info = this.db
      .prepare(
        `INSERT INTO runs (experiment_id, name, dataset_id, dataset_name, config, status, seed, total_steps, created_at)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
      )
      .run(
        r.experimentId,
        r.name,
        dataset.id,
        dataset.name,
        JSON.stringify(r.config),
        r.config.train.seed,
        r.totalSteps,
        now(),
      );
    return Number(info.lastInsertRowid);
  }

  private runRow(id: number): RunRow {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (row === undefined) throw notFound('run', id);
    return row;
  }

  /** The GPU adapter a run trained on (webgpu: vendor, architecture, description), or null. */
  runAdapter(id: number): string | null {
    const row = this.db.prepare('SELECT backend_adapter FROM runs WHERE id = ?').get(id) as
      { backend_adapter: string | null } | undefined;
    return row?.backend_adapter ?? null;
  }

  hasRun(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined;
  }

  private toRunRecord(row: RunRow, bestBleu: number | null, lastLoss: number | null): RunRecord {
    const config = JSON.parse(row.config) as RunConfig;
    const summary: RunSummary = {
      id: row.id,
      name: row.name,
      experimentId: row.experiment_id,
      dataset: row.dataset_name,
      status: row.status,
      backend: row.backend as RunSummary['backend'],
      seed: row.seed,
      architecture: describeArchitecture(config),
      cell: config.model.cell,
      attention: config.model.attention,
      progress: { step: row.step, totalSteps: row.total_steps, epoch: row.epoch },
      lastLoss,
      bestBleu,
      error: row.error,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      durationSeconds: row.started_at === null ? null : row.train_seconds,
    };
    return { summary, config, parameters: row.parameters, pid: row.pid, host: row.host };
  }

  private runsWhere(where: string, params: unknown[]): RunRecord[] {
    const rows = this.db
      .prepare(
        `SELECT r.*,
           (SELECT l.max_value FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id
             WHERE l.run_id = r.id AND k.name = 'valid/bleu') AS best_bleu,
           (SELECT l.value FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id
             WHERE l.run_id = r.id AND k.name = 'train/loss') AS last_loss
         FROM runs r ${where} ORDER BY r.id`,
      )
      .all(...params) as (RunRow & { best_bleu: number | null; last_loss: number | null })[];
    return rows.map((r) => this.toRunRecord(r, r.best_bleu, r.last_loss));
  }

  listRuns(filter: { experimentId?: number; status?: readonly RunStatus[] } = {}): RunRecord[] {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.experimentId !== undefined) {
      clauses.push('r.experiment_id = ?');
      params.push(filter.experimentId);
    }
    if (filter.status !== undefined && filter.status.length > 0) {
      clauses.push(`r.status IN (${filter.status.map(() => '?').join(', ')})`);
      params.push(...filter.status);
    }
    return this.runsWhere(clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params);
  }

  getRun(id: number): RunRecord {
    const found = this.runsWhere('WHERE r.id = ?', [id])[0];
    if (found === undefined) throw notFound('run', id);
    return found;
  }

  runStatus(id: number): RunStatus {
    return this.runRow(id).status;
  }

  /**
   * Claim a queued run for the process `pid` (atomically: of two hosts sharing a store, one wins). Returns false
   * when the run is no longer queued.
   */
  claimRun(id: number, pid: number): boolean {
    const result = this.db
      .prepare(
        `UPDATE runs SET status = 'running', pid = ?, host = ?, error = NULL, finished_at = NULL, heartbeat_at = ?
         WHERE id = ? AND status = 'queued'`,
      )
      .run(pid, os.hostname(), now(), id);
    return result.changes > 0;
  }

  /** The oldest queued runs, first to start. */
  queuedRunIds(limit: number): number[] {
    return this.db
      .prepare(`SELECT id FROM runs WHERE status = 'queued' ORDER BY id LIMIT ?`)
      .pluck()
      .all(limit) as number[];
  }

  /**
   * Record the process that trains a run and what it trains with. A queued run is claimed on the way; a run
   * already claimed by its host is taken over by the worker.
   */
  markRunning(
    id: number,
    info: { pid: number; backend: string; adapter?: string | null; parameters: number; totalSteps: number },
  ): void {
    const result = this.db
      .prepare(
        `UPDATE runs SET status = 'running', pid = ?, host = ?, backend = ?, backend_adapter = ?, parameters = ?,
           total_steps = ?, error = NULL, finished_at = NULL, heartbeat_at = ?, started_at = coalesce(started_at, ?)
         WHERE id = ? AND status IN ('queued', 'running')`,
      )
      .run(
        info.pid,
        os.hostname(),
        info.backend,
        info.adapter ?? null,
        info.parameters,
        info.totalSteps,
        now(),
        now(),
        id,
      );
    if (result.changes === 0) {
      throw new LabError('conflict', `run ${id} is ${this.runStatus(id)}; only queued runs can start`);
    }
  }

  /** Progress and heartbeat of a running run. */
  updateProgress(id: number, p: { step: number; epoch: number; trainSeconds: number }): void {
    this.db
      .prepare('UPDATE runs SET step = ?, epoch = ?, train_seconds = ?, heartbeat_at = ? WHERE id = ?')
      .run(p.step, p.epoch, p.trainSeconds, now(), id);
  }

  setRunStatus(id: number, status: RunStatus, error: string | null = null): void {
    const ended = status === 'finished' || status === 'failed' || status === 'cancelled' || status === 'interrupted';
    this.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, pid = CASE WHEN ? THEN NULL ELSE pid END,
           finished_at = CASE WHEN ? THEN ? ELSE finished_at END WHERE id = ?`,
      )
      .run(status, error, ended ? 1 : 0, ended ? 1 : 0, now(), id);
  }

  /** Put an ended run back in the queue (resume). */
  requeueRun(id: number): void {
    this.db
      .prepare(`UPDATE runs SET status = 'queued', error = NULL, finished_at = NULL, cancel_requested = 0 WHERE id = ?`)
      .run(id);
  }

  /** Ask whichever process trains a run to stop it (works across processes sharing the store). */
  requestCancel(id: number): void {
    this.db.prepare('UPDATE runs SET cancel_requested = 1 WHERE id = ?').run(id);
  }

  cancelRequested(id: number): boolean {
    return (
      (this.db.prepare('SELECT cancel_requested FROM runs WHERE id = ?').pluck().get(id) as number | undefined) === 1
    );
  }

  /** The final evaluation of a run (test metrics, BLEU by source length), set when it finishes. */
  setRunSummary(id: number, summary: RunEvaluation): void {
    this.db.prepare('UPDATE runs SET summary = ? WHERE id = ?').run(JSON.stringify(summary), id);
  }

  runSummary(id: number): RunEvaluation | null {
    const row = this.runRow(id);
    return row.summary === null ? null : (JSON.parse(row.summary) as RunEvaluation);
  }

  deleteRun(id: number): void {
    const status = this.runStatus(id);
    if (status === 'running') throw new LabError('conflict', `run ${id} is running; cancel it first`);
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Checkpoints, samples, attention

  saveCheckpoint(
    runId: number,
    tag: 'last' | 'best',
    step: number,
    metrics: Record<string, number>,
    state: Buffer,
  ): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO checkpoints (run_id, tag, step, metrics, state, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, tag, step, JSON.stringify(metrics), state, now());
  }

  listCheckpoints(runId: number): CheckpointInfo[] {
    const rows = this.db
      .prepare('SELECT tag, step, metrics, created_at FROM checkpoints WHERE run_id = ? ORDER BY tag DESC')
      .all(runId) as { tag: 'last' | 'best'; step: number; metrics: string; created_at: string }[];
    return rows.map((r) => ({
      tag: r.tag,
      step: r.step,
      createdAt: r.created_at,
      metrics: JSON.parse(r.metrics) as Record<string, number>,
    }));
  }

  loadCheckpoint(
    runId: number,
    tag: 'last' | 'best',
  ): { step: number; metrics: Record<string, number>; state: Buffer } | null {
    const row = this.db
      .prepare('SELECT step, metrics, state FROM checkpoints WHERE run_id = ? AND tag = ?')
      .get(runId, tag) as { step: number; metrics: string; state: Buffer } | undefined;
    if (row === undefined) return null;
    return { step: row.step, metrics: JSON.parse(row.metrics) as Record<string, number>, state: row.state };
  }

  saveSamples(runId: number, step: number, samples: readonly Omit<SampleRecord, 'step'>[]): void {
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO samples (run_id, step, sample_idx, source, reference, hypothesis) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db
      .transaction(() => {
        for (const s of samples) insert.run(runId, step, s.index, s.source, s.reference, s.hypothesis);
      })
      .immediate();
  }

  samples(runId: number, step?: number): SampleRecord[] {
    const rows = this.db
      .prepare(
        `SELECT step, sample_idx AS "index", source, reference, hypothesis FROM samples
         WHERE run_id = ? ${step === undefined ? '' : 'AND step = ?'} ORDER BY step, sample_idx`,
      )
      .all(...(step === undefined ? [runId] : [runId, step])) as SampleRecord[];
    return rows;
  }

  saveAttention(runId: number, step: number, matrices: readonly Omit<AttentionMatrix, 'runId' | 'step'>[]): void {
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO attention (run_id, step, sample_idx, source_tokens, target_tokens, rows, cols, weights)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db
      .transaction(() => {
        for (const m of matrices) {
          const rows = m.targetTokens.length;
          const cols = m.sourceTokens.length;
          if (m.weights.length !== rows * cols) {
            throw new Error(`attention for sample ${m.sampleIndex}: ${m.weights.length} weights for ${rows}×${cols}`);
          }
          const blob = Buffer.from(Float32Array.from(m.weights).buffer);
          insert.run(
            runId,
            step,
            m.sampleIndex,
            JSON.stringify(m.sourceTokens),
            JSON.stringify(m.targetTokens),
            rows,
            cols,
            blob,
          );
        }
      })
      .immediate();
  }

  attentionSteps(runId: number): number[] {
    return this.db
      .prepare('SELECT DISTINCT step FROM attention WHERE run_id = ? ORDER BY step')
      .pluck()
      .all(runId) as number[];
  }

  attention(runId: number, sampleIndex: number, step?: number): AttentionMatrix | null {
    const row = this.db
      .prepare(
        `SELECT step, source_tokens, target_tokens, rows, cols, weights FROM attention
         WHERE run_id = ? AND sample_idx = ? ${step === undefined ? '' : 'AND step = ?'}
         ORDER BY step DESC LIMIT 1`,
      )
      .get(...(step === undefined ? [runId, sampleIndex] : [runId, sampleIndex, step])) as
      | { step: number; source_tokens: string; target_tokens: string; rows: number; cols: number; weights: Buffer }
      | undefined;
    if (row === undefined) return null;
    // Copy first: a Buffer from SQLite need not be 4-byte aligned.
    const floats = new Float32Array(new Uint8Array(row.weights).buffer, 0, row.rows * row.cols);
    return {
      runId,
      step: row.step,
      sampleIndex,
      sourceTokens: JSON.parse(row.source_tokens) as string[],
      targetTokens: JSON.parse(row.target_tokens) as string[],
      weights: Array.from(floats),
    };
  }

  recordExport(e: { runId: number; path: string; checkpoint: string; step: number; manifest: unknown }): void {
    this.db
      .prepare('INSERT INTO exports (run_id, path, checkpoint, step, manifest, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(e.runId, e.path, e.checkpoint, e.step, JSON.stringify(e.manifest), now());
  }
}
