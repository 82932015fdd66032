/**
 * Forward-only schema migrations. Each runs once, in its own transaction, and is recorded in `schema_migrations`.
 * Never edit a migration that has shipped: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** `PRAGMA application_id` of an mtlab store ("MTLB"), so other SQLite files are recognised as foreign. */
export const APPLICATION_ID = 0x4d544c42;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE datasets (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('generated', 'imported')),
  tokenizer   TEXT NOT NULL CHECK (tokenizer IN ('word', 'char', 'bpe')),
  source      TEXT NOT NULL,            -- JSON: generator + parameters, or files with sizes and hashes
  options     TEXT NOT NULL,            -- JSON: normalisation, filters, split, tokenizer options
  stats       TEXT NOT NULL,            -- JSON: DatasetStats
  tokenizer_state TEXT,                 -- JSON: e.g. BPE merges learned on the training split
  created_at  TEXT NOT NULL
);

CREATE TABLE dataset_pairs (
  dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  split       TEXT NOT NULL CHECK (split IN ('train', 'valid', 'test')),
  idx         INTEGER NOT NULL,
  source      TEXT NOT NULL,
  target      TEXT NOT NULL,
  alignment   TEXT,                     -- gold word alignment "i-j i-j ..." (source-target), when known
  PRIMARY KEY (dataset_id, split, idx)
) WITHOUT ROWID;

CREATE TABLE experiments (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  dataset_id  INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  preset      TEXT,
  seed        INTEGER,
  created_at  TEXT NOT NULL
);

CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  experiment_id INTEGER REFERENCES experiments(id) ON DELETE SET NULL,
  name          TEXT NOT NULL,
  dataset_id    INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  dataset_name  TEXT NOT NULL,
  config        TEXT NOT NULL,          -- JSON: RunConfig
  status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted')),
  backend       TEXT,
  seed          INTEGER NOT NULL,
  error         TEXT,
  step          INTEGER NOT NULL DEFAULT 0,
  total_steps   INTEGER NOT NULL DEFAULT 0,
  epoch         REAL NOT NULL DEFAULT 0,
  parameters    INTEGER,
  train_seconds REAL NOT NULL DEFAULT 0,
  summary       TEXT,                   -- JSON: final evaluation (test metrics, BLEU by source length)
  cancel_requested INTEGER NOT NULL DEFAULT 0, -- set by any process; the worker stops at its next step
  pid           INTEGER,                -- the process training the run, while it runs
  host          TEXT,
  heartbeat_at  TEXT,
  created_at    TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT
);
CREATE INDEX runs_experiment ON runs(experiment_id);
CREATE INDEX runs_status ON runs(status);

CREATE TABLE metric_keys (
  id    INTEGER PRIMARY KEY,
  name  TEXT NOT NULL UNIQUE
);

-- One row per logged point. The primary key is the index every series query walks.
CREATE TABLE metrics (
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key_id    INTEGER NOT NULL REFERENCES metric_keys(id),
  step      INTEGER NOT NULL,
  value     REAL NOT NULL,
  wall_time REAL NOT NULL,              -- seconds since the Unix epoch
  PRIMARY KEY (run_id, key_id, step)
) WITHOUT ROWID;

-- Per-series summaries of 16, 256 and 4,096 consecutive steps (level 1, 2, 3; cell = step >> 4·level), kept
-- up to date as points arrive, so a chart of a million-point series reads a few thousand rows, not a million.
CREATE TABLE metric_rollups (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key_id      INTEGER NOT NULL REFERENCES metric_keys(id),
  level       INTEGER NOT NULL,
  cell        INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  first_step  INTEGER NOT NULL,
  last_step   INTEGER NOT NULL,
  first_value REAL NOT NULL,
  last_value  REAL NOT NULL,
  min_value   REAL NOT NULL,
  max_value   REAL NOT NULL,
  last_wall   REAL NOT NULL,
  PRIMARY KEY (run_id, key_id, level, cell)
) WITHOUT ROWID;

CREATE TABLE latest_metrics (
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key_id    INTEGER NOT NULL REFERENCES metric_keys(id),
  step      INTEGER NOT NULL,
  value     REAL NOT NULL,
  wall_time REAL NOT NULL,
  min_value REAL NOT NULL,
  max_value REAL NOT NULL,
  PRIMARY KEY (run_id, key_id)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tag         TEXT NOT NULL CHECK (tag IN ('last', 'best')),
  step        INTEGER NOT NULL,
  metrics     TEXT NOT NULL,            -- JSON: metrics at this step
  state       BLOB NOT NULL,            -- serialised weights, optimiser and trainer state
  created_at  TEXT NOT NULL,
  PRIMARY KEY (run_id, tag)
);

CREATE TABLE samples (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step        INTEGER NOT NULL,
  sample_idx  INTEGER NOT NULL,
  source      TEXT NOT NULL,
  reference   TEXT NOT NULL,
  hypothesis  TEXT NOT NULL,
  PRIMARY KEY (run_id, step, sample_idx)
) WITHOUT ROWID;

CREATE TABLE attention (
  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step          INTEGER NOT NULL,
  sample_idx    INTEGER NOT NULL,
  source_tokens TEXT NOT NULL,          -- JSON array
  target_tokens TEXT NOT NULL,          -- JSON array
  rows          INTEGER NOT NULL,
  cols          INTEGER NOT NULL,
  weights       BLOB NOT NULL,          -- float32 little-endian, rows × cols, row-major
  PRIMARY KEY (run_id, step, sample_idx)
);

CREATE TABLE exports (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  path        TEXT NOT NULL,
  checkpoint  TEXT NOT NULL,
  step        INTEGER NOT NULL,
  manifest    TEXT NOT NULL,            -- JSON
  created_at  TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'run leases, queue ownership, held runs, checkpoint checksums',
    sql: `
-- The process that owns a running run (its queue), and until when its lease holds (ms since the Unix epoch).
-- The owner renews the lease every few seconds; a run whose lease ran out is interrupted by whoever sees it.
ALTER TABLE runs ADD COLUMN owner TEXT;
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN lease_until INTEGER;
-- A queued run that no queue may start on its own: created with start = false, or waiting to be trained by the
-- process that asked for it (\`mtlab train\`, \`mtlab experiment run\`).
ALTER TABLE runs ADD COLUMN hold INTEGER NOT NULL DEFAULT 0;
-- SHA-256 of the state blob, checked on every load and by \`mtlab db check\`.
ALTER TABLE checkpoints ADD COLUMN state_sha256 TEXT;
-- The one process that starts queued runs (a server or the app), while its lease holds.
CREATE TABLE queue_owner (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  owner       TEXT NOT NULL,
  pid         INTEGER NOT NULL,
  host        TEXT NOT NULL,
  lease_until INTEGER NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'the kernel set a run trains with',
    sql: `ALTER TABLE runs ADD COLUMN kernel_set TEXT; -- JSON KernelSet of the latest training session`,
  },
  {
    version: 4,
    name: 'the GPU adapter a run trained on',
    sql: `ALTER TABLE runs ADD COLUMN backend_adapter TEXT;`,
  },
  {
    version: 5,
    name: "the peak resident memory of a run's training process",
    sql: `ALTER TABLE runs ADD COLUMN peak_rss INTEGER; -- bytes: the most any training session of the run held`,
  },
  {
    version: 6,
    name: 'gradient flow at each validation',
    sql: `CREATE TABLE gradient_flow (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step   INTEGER NOT NULL,
  flow   TEXT NOT NULL, -- JSON GradientFlow: per-position gradient norms of the probe batch
  PRIMARY KEY (run_id, step)
);`,
  },
  {
    version: 7,
    name: 'tags and notes on runs',
    sql: `
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'; -- JSON array of strings, in the order they were given
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
