import { createHash } from 'node:crypto';
import os from 'node:os';
import type {
  AttentionMatrix,
  CheckpointInfo,
  DatasetStats,
  GradientFlowRecord,
  DatasetSummary,
  DbCheckResult,
  ExperimentSummary,
  LengthBucketScore,
  MetricKey,
  RunConfig,
  RunStatus,
  KernelSet,
  RunSummary,
  SampleRecord,
  Split,
  TokenizerKind,
} from '../contract/api.js';
import { LabError, notFound } from '../errors.js';
import { checkConfigPath, checkNotes, normalizeTags } from './labels.js';
import { checkpointProblem } from '../train/checkpoint.js';
import { retryBusy } from './locks.js';
import { MetricTable } from './metrics.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { openDatabase, readHeader, type SqliteDatabase } from './open.js';

export { resolveStorePath } from './open.js';
export type { MetricPoint } from './metrics.js';

const now = (): string => new Date().toISOString();

/** The metrics a run summary carries: the best validation BLEU (highest ever logged) and the last training loss. */
const BEST_BLEU_KEY: MetricKey = 'valid/bleu';
const LAST_LOSS_KEY: MetricKey = 'train/loss';
/** A run's best BLEU in SQL, for the run `r.id` (one row of latest_metrics, kept by every metric write). */
const BEST_BLEU_SQL = `(SELECT l.max_value FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id
             WHERE l.run_id = r.id AND k.name = '${BEST_BLEU_KEY}')`;

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
  owner: string | null;
  owner_pid: number | null;
  lease_until: number | null;
  hold: number;
  kernel_set: string | null;
  backend_adapter: string | null;
  peak_rss: number | null;
  tags: string;
  notes: string;
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
  /** The kernel set of the latest training session (null before the run starts). */
  kernelSet: KernelSet | null;
  /** The GPU adapter of the latest training session (webgpu: vendor, architecture, description), or null. */
  adapter: string | null;
  /** Peak resident memory of the run's training process in bytes (largest over its sessions), null before. */
  peakRss: number | null;
  pid: number | null;
  host: string | null;
  notes: string;
}

export interface StoreOptions {
  readonly?: boolean;
  /** Mark runs left `running` by dead processes as `interrupted` (default true for writers). */
  recover?: boolean;
  /** Milliseconds a write waits for another process's write lock before SQLite gives up (default 15 s). */
  busyTimeoutMs?: number;
  /**
   * Training writes (metrics, progress, checkpoints, samples, attention, status) retry for this long while another
   * process holds the write lock (default 0: no retries). Set by training workers, which may block while waiting.
   */
  retryWritesMs?: number;
}

/**
 * A process that trains runs or starts queued ones: `host:pid:random`, so a restarted process with a reused pid is
 * never mistaken for the one before it.
 */
export interface ProcessOwner {
  id: string;
  pid: number;
  host: string;
}

export function newOwner(): ProcessOwner {
  const host = os.hostname();
  return { id: `${host}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`, pid: process.pid, host };
}

/** How long a run's or the queue's owner may go without renewing its lease: `MTLAB_RUN_LEASE_MS`, else 30 s. */
export function leaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MTLAB_RUN_LEASE_MS;
  const value = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(value) && value >= 50 ? value : 30_000;
}

/** The checksum stored with a checkpoint blob. */
export function checkpointChecksum(state: Buffer): string {
  return createHash('sha256').update(state).digest('hex');
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

export function isProcessAlive(pid: number): boolean {
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
    private readonly retryWritesMs = 0,
  ) {
    this.metrics = new MetricTable(db, (what, write) => this.write(what, write));
  }

  /** A training write: retried while another process holds the lock, when this store was opened to retry. */
  private write<T>(what: string, write: () => T): T {
    return this.retryWritesMs > 0 ? retryBusy(this.path, what, this.retryWritesMs, write) : write();
  }

  static open(file: string, options: StoreOptions = {}): Store {
    const db = openDatabase(file, {
      readonly: options.readonly ?? false,
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    });
    const store = new Store(db, file, options.retryWritesMs ?? 0);
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
      if (problems.length === 0) problems.push(...store.checkpointProblems());
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

  /**
   * Runs left `running` by an owner that is gone become `interrupted` (resumable): an owner whose lease ran out, or
   * one on this host whose process and worker both no longer exist. Runs without an owner (trained directly, by an
   * older mtlab) fall back to their worker's pid on this host and their heartbeat elsewhere.
   */
  recoverInterruptedRuns(nowMs = Date.now()): number[] {
    const host = os.hostname();
    const running = this.db
      .prepare(`SELECT id, pid, host, heartbeat_at, owner, owner_pid, lease_until FROM runs WHERE status = 'running'`)
      .all() as Pick<RunRow, 'id' | 'pid' | 'host' | 'heartbeat_at' | 'owner' | 'owner_pid' | 'lease_until'>[];
    const gone = (pid: number | null): boolean => pid === null || !isProcessAlive(pid);
    const dead = running.filter((r) => {
      if (r.owner !== null) {
        if (r.lease_until === null || r.lease_until < nowMs) return true;
        return r.owner.startsWith(`${host}:`) && gone(r.owner_pid) && gone(r.pid);
      }
      if (r.host === host || r.host === null) return gone(r.pid);
      const beat = r.heartbeat_at === null ? 0 : Date.parse(r.heartbeat_at);
      return nowMs - beat > FOREIGN_HEARTBEAT_TIMEOUT_MS;
    });
    if (dead.length === 0) return [];
    // Only if nothing changed since we looked: an owner that renewed meanwhile keeps its run.
    const mark = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', pid = NULL, owner = NULL, owner_pid = NULL, lease_until = NULL,
         error = ?, finished_at = ?
       WHERE id = ? AND status = 'running' AND lease_until IS ? AND owner IS ?`,
    );
    const marked: number[] = [];
    this.db
      .transaction(() => {
        for (const r of dead) {
          const why =
            r.owner === null
              ? 'the process training this run stopped unexpectedly'
              : `the process training this run (${r.owner.split(':').slice(0, 2).join(' pid ')}) stopped renewing ` +
                'its lease; resume the run to continue from its last checkpoint';
          if (mark.run(why, now(), r.id, r.lease_until, r.owner).changes > 0) marked.push(r.id);
        }
      })
      .immediate();
    return marked;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Queue ownership

  /**
   * Become (or stay) the process that starts queued runs: succeeds when no one holds the queue, the holder is this
   * owner, its lease ran out, or it was a process on this host that no longer exists.
   */
  acquireQueue(owner: ProcessOwner, lease: number, nowMs = Date.now()): boolean {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT owner, pid, host, lease_until FROM queue_owner WHERE id = 1').get() as
          { owner: string; pid: number; host: string; lease_until: number } | undefined;
        const free =
          row === undefined ||
          row.owner === owner.id ||
          row.lease_until < nowMs ||
          (row.host === owner.host && !isProcessAlive(row.pid));
        if (!free) return false;
        this.db
          .prepare(
            `INSERT INTO queue_owner (id, owner, pid, host, lease_until) VALUES (1, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
               lease_until = excluded.lease_until`,
          )
          .run(owner.id, owner.pid, owner.host, nowMs + lease);
        return true;
      })
      .immediate();
  }

  releaseQueue(owner: ProcessOwner): void {
    this.db.prepare('DELETE FROM queue_owner WHERE id = 1 AND owner = ?').run(owner.id);
  }

  /** The process that starts queued runs, if one holds the queue now. */
  queueOwner(nowMs = Date.now()): { pid: number; host: string } | null {
    const row = this.db.prepare('SELECT pid, host, lease_until FROM queue_owner WHERE id = 1').get() as
      { pid: number; host: string; lease_until: number } | undefined;
    return row === undefined || row.lease_until < nowMs ? null : { pid: row.pid, host: row.host };
  }

  /**
   * Renew the leases of the runs `owner` trains. Returns the runs it no longer owns (another process found its lease
   * expired) and those someone asked to cancel.
   */
  renewRunLeases(
    owner: ProcessOwner,
    runIds: readonly number[],
    lease: number,
    nowMs = Date.now(),
  ): { lost: number[]; cancelRequested: number[] } {
    const renew = this.db.prepare(`UPDATE runs SET lease_until = ? WHERE id = ? AND status = 'running' AND owner = ?`);
    const flag = this.db.prepare('SELECT cancel_requested FROM runs WHERE id = ?').pluck();
    const lost: number[] = [];
    const cancelRequested: number[] = [];
    this.db
      .transaction(() => {
        for (const id of runIds) {
          if (renew.run(nowMs + lease, id, owner.id).changes === 0) lost.push(id);
          else if (flag.get(id) === 1) cancelRequested.push(id);
        }
      })
      .immediate();
    return { lost, cancelRequested };
  }

  /** Who trains a running run, as far as the store knows. */
  runOwner(id: number): { pid: number | null; host: string | null; ownerPid: number | null } {
    const row = this.runRow(id);
    return { pid: row.pid, host: row.host, ownerPid: row.owner_pid };
  }

  /** Held runs stay queued but no queue starts them on its own. */
  setHold(ids: readonly number[], hold: boolean): void {
    const update = this.db.prepare(`UPDATE runs SET hold = ? WHERE id = ? AND status = 'queued'`);
    this.db
      .transaction(() => {
        for (const id of ids) update.run(hold ? 1 : 0, id);
      })
      .immediate();
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

  createRun(r: {
    name: string;
    config: RunConfig;
    experimentId: number | null;
    totalSteps: number;
    /** Queued but started only when asked (default false). */
    hold?: boolean;
  }): number {
    const dataset = this.datasetRow(r.config.data.dataset);
    const info = this.db
      .prepare(
        `INSERT INTO runs (experiment_id, name, dataset_id, dataset_name, config, status, seed, total_steps, created_at,
           hold)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
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
        r.hold === true ? 1 : 0,
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
      tags: JSON.parse(row.tags) as string[],
    };
    const kernelSet = row.kernel_set === null ? null : (JSON.parse(row.kernel_set) as KernelSet);
    return {
      summary,
      config,
      parameters: row.parameters,
      kernelSet,
      adapter: row.backend_adapter ?? null,
      peakRss: row.peak_rss === null || row.peak_rss === 0 ? null : row.peak_rss,
      pid: row.pid,
      host: row.host,
      notes: row.notes,
    };
  }

  private runsWhere(where: string, params: unknown[]): RunRecord[] {
    const rows = this.db
      .prepare(
        `SELECT r.*,
           ${BEST_BLEU_SQL} AS best_bleu,
           (SELECT l.value FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id
             WHERE l.run_id = r.id AND k.name = '${LAST_LOSS_KEY}') AS last_loss
         FROM runs r ${where} ORDER BY r.id`,
      )
      .all(...params) as (RunRow & { best_bleu: number | null; last_loss: number | null })[];
    return rows.map((r) => this.toRunRecord(r, r.best_bleu, r.last_loss));
  }

  /**
   * A run's best validation BLEU so far, as its summary reports it (`RunSummary.bestBleu`): what a validation event
   * carries, so front ends never work it out again. Null for a run without BLEU yet, or no such run.
   */
  bestBleu(runId: number): number | null {
    const row = this.db.prepare(`SELECT ${BEST_BLEU_SQL} AS best FROM runs r WHERE r.id = ?`).get(runId) as
      { best: number | null } | undefined;
    return row?.best ?? null;
  }

  listRuns(
    filter: {
      experimentId?: number;
      status?: readonly RunStatus[];
      tag?: string;
      config?: Readonly<Record<string, string | number | boolean>>;
    } = {},
  ): RunRecord[] {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.tag !== undefined) {
      clauses.push('EXISTS (SELECT 1 FROM json_each(r.tags) WHERE json_each.value = ?)');
      params.push(filter.tag);
    }
    for (const [field, value] of Object.entries(filter.config ?? {})) {
      // SQLite's JSON reads booleans as 1 and 0.
      clauses.push('json_extract(r.config, ?) = ?');
      params.push(`$.${checkConfigPath(field)}`, typeof value === 'boolean' ? Number(value) : value);
    }
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

  /** Set a run's tags or notes (what is left out stays). */
  updateRunLabels(id: number, labels: { tags?: readonly string[]; notes?: string }): void {
    const tags = labels.tags === undefined ? undefined : JSON.stringify(normalizeTags(labels.tags));
    const notes = labels.notes === undefined ? undefined : checkNotes(labels.notes);
    this.write(`label run ${id}`, () => {
      const result = this.db
        .prepare('UPDATE runs SET tags = coalesce(?, tags), notes = coalesce(?, notes) WHERE id = ?')
        .run(tags ?? null, notes ?? null, id);
      if (result.changes === 0) throw notFound('run', id);
    });
  }

  runStatus(id: number): RunStatus {
    return this.runRow(id).status;
  }

  /**
   * Claim a queued run (held or not) for `owner`, with a lease of `lease` ms (atomically: of two processes sharing a
   * store, one wins). Returns false when the run is no longer queued.
   */
  claimRun(id: number, owner: ProcessOwner, lease: number): boolean {
    const result = this.db
      .prepare(
        `UPDATE runs SET status = 'running', pid = ?, host = ?, owner = ?, owner_pid = ?, lease_until = ?, hold = 0,
           cancel_requested = 0, error = NULL, finished_at = NULL, heartbeat_at = ?
         WHERE id = ? AND status = 'queued'`,
      )
      .run(owner.pid, owner.host, owner.id, owner.pid, Date.now() + lease, now(), id);
    return result.changes > 0;
  }

  /** The oldest queued runs that are not held, first to start. */
  queuedRunIds(limit: number): number[] {
    return this.db
      .prepare(`SELECT id FROM runs WHERE status = 'queued' AND hold = 0 ORDER BY id LIMIT ?`)
      .pluck()
      .all(limit) as number[];
  }

  /**
   * Record the process that trains a run and what it trains with. A queued run is claimed on the way; a run
   * already claimed by its host is taken over by the worker.
   */
  markRunning(
    id: number,
    info: {
      pid: number;
      backend: string;
      adapter?: string | null;
      parameters: number;
      totalSteps: number;
      kernelSet?: KernelSet;
    },
  ): void {
    const result = this.write(`start run ${id}`, () =>
      this.db
        .prepare(
          `UPDATE runs SET status = 'running', pid = ?, host = ?, backend = ?, backend_adapter = ?, parameters = ?,
           total_steps = ?, kernel_set = coalesce(?, kernel_set), error = NULL, finished_at = NULL, heartbeat_at = ?,
           started_at = coalesce(started_at, ?)
         WHERE id = ? AND status IN ('queued', 'running')`,
        )
        .run(
          info.pid,
          os.hostname(),
          info.backend,
          info.adapter ?? null,
          info.parameters,
          info.totalSteps,
          info.kernelSet === undefined ? null : JSON.stringify(info.kernelSet),
          now(),
          now(),
          id,
        ),
    );
    if (result.changes === 0) {
      throw new LabError('conflict', `run ${id} is ${this.runStatus(id)}; only queued runs can start`);
    }
  }

  /**
   * Progress and heartbeat of a running run, and the peak resident memory of its training process so far (bytes;
   * the run keeps the largest of all its sessions).
   */
  updateProgress(id: number, p: { step: number; epoch: number; trainSeconds: number; peakRss?: number }): void {
    this.write(`record the progress of run ${id}`, () =>
      this.db
        .prepare(
          `UPDATE runs SET step = ?, epoch = ?, train_seconds = ?, heartbeat_at = ?,
             peak_rss = MAX(COALESCE(peak_rss, 0), ?) WHERE id = ?`,
        )
        .run(p.step, p.epoch, p.trainSeconds, now(), p.peakRss ?? 0, id),
    );
  }

  setRunStatus(id: number, status: RunStatus, error: string | null = null): void {
    const ended = status === 'finished' || status === 'failed' || status === 'cancelled' || status === 'interrupted';
    this.write(`mark run ${id} ${status}`, () =>
      this.db
        .prepare(
          `UPDATE runs SET status = ?, error = ?, pid = CASE WHEN ? THEN NULL ELSE pid END,
           owner = CASE WHEN ? THEN NULL ELSE owner END, owner_pid = CASE WHEN ? THEN NULL ELSE owner_pid END,
           lease_until = CASE WHEN ? THEN NULL ELSE lease_until END,
           finished_at = CASE WHEN ? THEN ? ELSE finished_at END WHERE id = ?`,
        )
        .run(status, error, ended ? 1 : 0, ended ? 1 : 0, ended ? 1 : 0, ended ? 1 : 0, ended ? 1 : 0, now(), id),
    );
  }

  /**
   * End a run its worker trained, unless someone else ended it meanwhile (interrupted it when its owner's lease ran
   * out, say): what they recorded stands. Returns whether the run was still running.
   */
  endRunIfRunning(id: number, status: 'finished' | 'cancelled' | 'failed', error: string | null = null): boolean {
    return this.write(`mark run ${id} ${status}`, () =>
      this.db
        .transaction(() => {
          if (this.runStatus(id) !== 'running') return false;
          this.setRunStatus(id, status, error);
          return true;
        })
        .immediate(),
    );
  }

  /** Put an ended run back in the queue (resume); a held one waits to be started. */
  requeueRun(id: number, hold = false): void {
    this.db
      .prepare(
        `UPDATE runs SET status = 'queued', error = NULL, finished_at = NULL, cancel_requested = 0, hold = ?
         WHERE id = ?`,
      )
      .run(hold ? 1 : 0, id);
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
    this.write(`record the evaluation of run ${id}`, () =>
      this.db.prepare('UPDATE runs SET summary = ? WHERE id = ?').run(JSON.stringify(summary), id),
    );
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
    const checksum = checkpointChecksum(state);
    this.write(`save the "${tag}" checkpoint of run ${runId}`, () =>
      this.db
        .prepare(
          `INSERT OR REPLACE INTO checkpoints (run_id, tag, step, metrics, state, created_at, state_sha256)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(runId, tag, step, JSON.stringify(metrics), state, now(), checksum),
    );
  }

  /**
   * What is wrong with a stored checkpoint blob, or null when it is sound: its checksum, or for a blob saved before
   * checksums were recorded, its structure.
   */
  private static checkpointBlobProblem(state: Buffer, checksum: string | null): string | null {
    if (checksum === null) return checkpointProblem(state);
    return checkpointChecksum(state) === checksum
      ? null
      : 'its contents no longer match the checksum recorded when it was saved';
  }

  /** Every checkpoint whose blob is damaged, one line each (for `mtlab db check`). */
  checkpointProblems(): string[] {
    const problems: string[] = [];
    const rows = this.db
      .prepare('SELECT run_id, tag, step, state, state_sha256 FROM checkpoints ORDER BY run_id, tag')
      .iterate() as IterableIterator<{
      run_id: number;
      tag: string;
      step: number;
      state: Buffer;
      state_sha256: string | null;
    }>;
    for (const r of rows) {
      const problem = Store.checkpointBlobProblem(r.state, r.state_sha256);
      if (problem !== null)
        problems.push(`run ${r.run_id}: the "${r.tag}" checkpoint (step ${r.step}) is damaged: ${problem}`);
    }
    return problems;
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
      .prepare('SELECT step, metrics, state, state_sha256 FROM checkpoints WHERE run_id = ? AND tag = ?')
      .get(runId, tag) as { step: number; metrics: string; state: Buffer; state_sha256: string | null } | undefined;
    if (row === undefined) return null;
    const problem = Store.checkpointBlobProblem(row.state, row.state_sha256);
    if (problem !== null) {
      throw new LabError(
        'store',
        `run ${runId}: its "${tag}" checkpoint (step ${row.step}) in ${this.path} is damaged: ${problem}. ` +
          '`mtlab db check` lists every damaged checkpoint.',
        { runId, checkpoint: tag, step: row.step },
      );
    }
    return { step: row.step, metrics: JSON.parse(row.metrics) as Record<string, number>, state: row.state };
  }

  saveSamples(runId: number, step: number, samples: readonly Omit<SampleRecord, 'step'>[]): void {
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO samples (run_id, step, sample_idx, source, reference, hypothesis) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.write(`save the samples of run ${runId}`, () =>
      this.db
        .transaction(() => {
          for (const s of samples) insert.run(runId, step, s.index, s.source, s.reference, s.hypothesis);
        })
        .immediate(),
    );
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
    const save = this.db.transaction(() => {
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
    });
    this.write(`save the attention of run ${runId}`, () => save.immediate());
  }

  saveGradientFlow(runId: number, step: number, flow: Omit<GradientFlowRecord, 'step'>): void {
    this.write(`save the gradient flow of run ${runId}`, () =>
      this.db
        .prepare('INSERT OR REPLACE INTO gradient_flow (run_id, step, flow) VALUES (?, ?, ?)')
        .run(runId, step, JSON.stringify(flow)),
    );
  }

  /** A run's gradient flow at each validation, oldest first. */
  gradientFlow(runId: number): GradientFlowRecord[] {
    const rows = this.db.prepare('SELECT step, flow FROM gradient_flow WHERE run_id = ? ORDER BY step').all(runId) as {
      step: number;
      flow: string;
    }[];
    return rows.map((r) => ({ step: r.step, ...(JSON.parse(r.flow) as Omit<GradientFlowRecord, 'step'>) }));
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
