import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync, statSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { LabError } from '../../../engine/errors.js';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION } from '../../../engine/store/migrations.js';
import { Store } from '../../../engine/store/store.js';
import { addTinyDataset, fixtureConfig } from '../../helpers/fixtures.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const appendScript = path.join(repoRoot, 'dist/test/helpers/append-metrics.js');

function newStore(): { store: Store; file: string } {
  const file = path.join(tempDir(), 'experiments.db');
  return { store: Store.open(file), file };
}

function newRun(store: Store): number {
  if (!store.hasDataset('tiny')) addTinyDataset(store);
  return store.createRun({ name: 'r', config: fixtureConfig('tiny'), experimentId: null, totalSteps: 10 });
}

describe('store: opening and migrations', () => {
  it('creates every table on an empty file and records the schema version', () => {
    const { store, file } = newStore();
    assert.equal(store.schemaVersion, LATEST_SCHEMA_VERSION);
    const tables = store.db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all() as string[];
    for (const t of [
      'datasets',
      'experiments',
      'runs',
      'metrics',
      'latest_metrics',
      'checkpoints',
      'samples',
      'attention',
      'exports',
      'schema_migrations',
    ]) {
      assert.ok(tables.includes(t), `table ${t}`);
    }
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
    assert.ok((store.db.pragma('busy_timeout', { simple: true }) as number) >= 5000);
    assert.equal(store.db.pragma('application_id', { simple: true }), APPLICATION_ID);
    store.close();
    // Opening again applies nothing new.
    const again = Store.open(file);
    assert.equal(again.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get(), LATEST_SCHEMA_VERSION);
    again.close();
  });

  it('refuses a text file without touching it', () => {
    const file = path.join(tempDir(), 'notes.db');
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(10));
    const before = sha(file);
    assert.throws(
      () => Store.open(file),
      (e: unknown) => e instanceof LabError && /not an SQLite database/.test(e.message),
    );
    assert.equal(sha(file), before);
  });

  it('refuses a foreign SQLite database', () => {
    const file = path.join(tempDir(), 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
    db.close();
    const before = sha(file);
    assert.throws(() => Store.open(file), /not an mtlab experiment store/);
    assert.equal(sha(file), before);
  });

  it('refuses a store written by a newer schema and leaves it as it was', () => {
    const { store, file } = newStore();
    store.db
      .prepare(`INSERT INTO schema_migrations VALUES (?, 'from the future', '2030-01-01')`)
      .run(LATEST_SCHEMA_VERSION + 1);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const before = sha(file);
    assert.throws(() => Store.open(file), new RegExp(`newer mtlab \\(schema version ${LATEST_SCHEMA_VERSION + 1}`));
    assert.throws(() => Store.check(file), /newer mtlab/);
    assert.equal(sha(file), before);
  });

  it('reports a truncated store as damaged without changing it', () => {
    const { store, file } = newStore();
    const runId = newRun(store);
    const points = Array.from({ length: 20_000 }, (_, i) => ({
      key: 'train/loss',
      step: i,
      value: 1 / (i + 1),
      wallTime: i,
    }));
    store.metrics.append(runId, points);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const before = sha(file);
    let result;
    try {
      result = Store.check(file);
    } catch (error) {
      assert.ok(error instanceof LabError, String(error));
      assert.match(error.message, /damaged|malformed/);
    }
    if (result !== undefined) {
      assert.equal(result.ok, false);
      assert.ok(result.problems.length > 0);
    }
    assert.equal(sha(file), before);
  });

  it('marks runs left running by a dead process as interrupted', () => {
    const { store, file } = newStore();
    const runId = newRun(store);
    const live = newRun(store);
    store.markRunning(runId, { pid: 2 ** 22 + 12345, backend: 'cpu', parameters: 10, totalSteps: 10 });
    store.markRunning(live, { pid: process.pid, backend: 'cpu', parameters: 10, totalSteps: 10 });
    store.close();
    const reopened = Store.open(file);
    assert.equal(reopened.runStatus(runId), 'interrupted');
    assert.equal(reopened.runStatus(live), 'running');
    reopened.close();
  });
});

describe('store: metrics', () => {
  it('keeps the latest value and the extremes of every key', () => {
    const { store } = newStore();
    const runId = newRun(store);
    store.metrics.append(runId, [
      { key: 'train/loss', step: 1, value: 3, wallTime: 1 },
      { key: 'train/loss', step: 2, value: 1, wallTime: 2 },
      { key: 'valid/bleu', step: 2, value: 10, wallTime: 2 },
    ]);
    store.metrics.append(runId, [{ key: 'train/loss', step: 3, value: 2, wallTime: 3 }]);
    const latest = store.metrics.latest(runId);
    assert.deepEqual(latest['train/loss'], { step: 3, value: 2, min: 1, max: 3, wallTime: 3 });
    assert.equal(latest['valid/bleu']!.value, 10);
    assert.deepEqual(store.metrics.keys([runId]), ['train/loss', 'valid/bleu']);
    assert.deepEqual(store.metrics.best(runId, 'train/loss', 'min'), { step: 2, value: 1 });
    const run = store.getRun(runId).summary;
    assert.equal(run.lastLoss, 2);
    assert.equal(run.bestBleu, 10);
  });

  it("answers a run's best validation BLEU in SQL, the same as its summary", () => {
    const { store } = newStore();
    const runId = newRun(store);
    const other = newRun(store);
    assert.equal(store.bestBleu(runId), null, 'no BLEU logged yet');
    store.metrics.append(runId, [
      { key: 'valid/bleu', step: 10, value: 12.5, wallTime: 1 },
      { key: 'valid/bleu', step: 20, value: 31.25, wallTime: 2 },
      { key: 'test/bleu', step: 30, value: 99, wallTime: 3 },
      { key: 'train/loss', step: 30, value: 1, wallTime: 3 },
    ]);
    store.metrics.append(runId, [{ key: 'valid/bleu', step: 30, value: 20, wallTime: 3 }]);
    store.metrics.append(other, [{ key: 'valid/bleu', step: 10, value: 5, wallTime: 1 }]);
    // The best, not the latest, and only of valid/bleu of this run.
    assert.equal(store.bestBleu(runId), 31.25);
    assert.equal(store.getRun(runId).summary.bestBleu, 31.25);
    assert.equal(store.bestBleu(other), 5);
    assert.equal(store.bestBleu(9999), null, 'no such run');
  });

  it('buckets a 1,000,000-point series in SQL with exact min and max', () => {
    const { store } = newStore();
    const runId = newRun(store);
    store.metrics.append(runId, [{ key: 'train/loss', step: 0, value: 0, wallTime: 0 }]);
    store.db.prepare('DELETE FROM metrics').run();
    const n = 1_000_000;
    // A deterministic, jagged series with two spikes, generated inside SQLite (fast) and mirrored here.
    const value = (step: number): number =>
      ((step * 7919) % 10007) / 10007 + (step === 777_777 ? 50 : 0) - (step === 123_456 ? 40 : 0);
    store.db
      .prepare(
        `INSERT INTO metrics (run_id, key_id, step, value, wall_time)
         WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < ? - 1)
         SELECT ?, (SELECT id FROM metric_keys WHERE name = 'train/loss'), x,
                ((x * 7919) % 10007) / 10007.0 + (CASE x WHEN 777777 THEN 50 ELSE 0 END)
                - (CASE x WHEN 123456 THEN 40 ELSE 0 END), x / 10.0
         FROM s`,
      )
      .run(n, runId);
    store.metrics.rebuildRollups(runId);
    const series = store.metrics.series(runId, 'train/loss', 1000);
    assert.equal(series.total, n);
    assert.equal(series.step.length, 1000);
    assert.equal(
      series.count.reduce((a, b) => a + b, 0),
      n,
    );
    // Buckets are consecutive step ranges of about 1,000 steps, ending at series.step[b]; check each against the
    // truth over its range.
    let from = 0;
    series.step.forEach((to, b) => {
      assert.ok(to - from + 1 >= 500 && to - from + 1 <= 1500, `bucket ${b} spans ${from}..${to}`);
      assert.equal(series.count[b], to - from + 1);
      let min = Infinity;
      let max = -Infinity;
      for (let step = from; step <= to; step++) {
        min = Math.min(min, value(step));
        max = Math.max(max, value(step));
      }
      assert.ok(Math.abs(series.first[b]! - value(from)) < 1e-12, `first of bucket ${b}`);
      assert.ok(Math.abs(series.last[b]! - value(to)) < 1e-12, `last of bucket ${b}`);
      assert.ok(Math.abs(series.min[b]! - min) < 1e-12 && Math.abs(series.max[b]! - max) < 1e-12, `bucket ${b}`);
      from = to + 1;
    });
    // The spikes survive the reduction.
    assert.equal(Math.max(...series.max), value(777_777));
    assert.equal(Math.min(...series.min), value(123_456));
    // Rollups follow appends: more points at the end show up in the last buckets.
    store.metrics.append(
      runId,
      Array.from({ length: 5000 }, (_, i) => ({ key: 'train/loss', step: n + i, value: -100 - i, wallTime: 0 })),
    );
    const extended = store.metrics.series(runId, 'train/loss', 1000);
    assert.equal(extended.total, n + 5000);
    assert.equal(extended.step.at(-1), n + 4999);
    assert.equal(Math.min(...extended.min), -100 - 4999);
    assert.equal(extended.last.at(-1), -100 - 4999);
    // Fewer points than buckets: every point is its own bucket.
    store.metrics.append(runId, [
      { key: 'valid/bleu', step: 10, value: 1, wallTime: 0 },
      { key: 'valid/bleu', step: 20, value: 2, wallTime: 0 },
    ]);
    assert.deepEqual(store.metrics.series(runId, 'valid/bleu', 1000).last, [1, 2]);
  });

  it('takes metric points from two processes at once without losing any', async () => {
    const { store, file } = newStore();
    const a = newRun(store);
    const b = newRun(store);
    store.close();
    const batches = 150;
    const size = 50;
    const exits = [a, b].map(
      (runId) =>
        new Promise<number | null>((resolve) => {
          const child = fork(appendScript, [file, String(runId), 'train/loss', String(batches), String(size)], {
            stdio: 'inherit',
          });
          child.on('exit', (code) => resolve(code));
        }),
    );
    assert.deepEqual(await Promise.all(exits), [0, 0]);
    const reopened = Store.open(file);
    for (const runId of [a, b]) {
      assert.equal(reopened.metrics.series(runId, 'train/loss', 10).total, batches * size);
    }
    reopened.close();
  });

  it('stays consistent when a writer is killed mid-write', async () => {
    const { store, file } = newStore();
    const runId = newRun(store);
    store.close();
    const size = 500;
    const child = fork(appendScript, [file, String(runId), 'train/loss', '0', String(size)], { stdio: 'inherit' });
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const copy = path.join(tempDir(), 'copy.db');
    copyFileSync(file, copy);
    const check = Store.check(file);
    assert.equal(check.ok, true, check.problems.join('\n'));
    const reopened = Store.open(file);
    const total = reopened.metrics.series(runId, 'train/loss', 10).total;
    assert.ok(total > 0, 'some batches committed');
    assert.equal(total % size, 0, 'only whole batches are stored');
    assert.equal(reopened.metrics.latest(runId)['train/loss']!.step, total - 1);
    reopened.close();
  });
});

describe('store: runs, samples, attention, checkpoints', () => {
  it("keeps a run's peak resident memory: the largest any of its training sessions reported", () => {
    const { store } = newStore();
    const runId = newRun(store);
    assert.equal(store.getRun(runId).peakRss, null, 'none before it trains');
    store.updateProgress(runId, { step: 1, epoch: 0, trainSeconds: 1 });
    assert.equal(store.getRun(runId).peakRss, null, 'progress without a figure records none');
    store.updateProgress(runId, { step: 2, epoch: 0, trainSeconds: 2, peakRss: 300e6 });
    store.updateProgress(runId, { step: 3, epoch: 0, trainSeconds: 3, peakRss: 200e6 }); // a resumed, smaller session
    assert.equal(store.getRun(runId).peakRss, 300e6);
    store.updateProgress(runId, { step: 4, epoch: 0, trainSeconds: 4, peakRss: 400e6 });
    assert.equal(store.getRun(runId).peakRss, 400e6);
    store.close();
  });

  it('round-trips samples, attention matrices and checkpoints', () => {
    const { store } = newStore();
    const runId = newRun(store);
    store.saveSamples(runId, 100, [{ index: 0, source: 'the cat', reference: 'le chat', hypothesis: 'le chat' }]);
    store.saveAttention(runId, 100, [
      {
        sampleIndex: 0,
        sourceTokens: ['the', 'cat', '<eos>'],
        targetTokens: ['le', 'chat'],
        weights: [0.5, 0.25, 0.25, 0.125, 0.75, 0.125],
      },
    ]);
    assert.deepEqual(store.samples(runId), [
      { step: 100, index: 0, source: 'the cat', reference: 'le chat', hypothesis: 'le chat' },
    ]);
    const att = store.attention(runId, 0);
    assert.ok(att);
    assert.deepEqual(att.weights, [0.5, 0.25, 0.25, 0.125, 0.75, 0.125]);
    assert.deepEqual(att.targetTokens, ['le', 'chat']);
    assert.deepEqual(store.attentionSteps(runId), [100]);
    assert.throws(() =>
      store.saveAttention(runId, 200, [{ sampleIndex: 0, sourceTokens: ['a'], targetTokens: ['b'], weights: [1, 2] }]),
    );
    store.saveCheckpoint(runId, 'last', 100, { 'valid/loss': 1.5 }, Buffer.from([1, 2, 3]));
    const ckpt = store.loadCheckpoint(runId, 'last');
    assert.equal(ckpt?.step, 100);
    assert.deepEqual([...ckpt!.state], [1, 2, 3]);
    assert.equal(store.listCheckpoints(runId)[0]!.metrics['valid/loss'], 1.5);
  });

  it('refuses a duplicate dataset name and keeps the first', () => {
    const { store } = newStore();
    addTinyDataset(store, 'same');
    assert.throws(() => addTinyDataset(store, 'same'), /already exists/);
    assert.equal(store.datasetPairs('same', 'train').length, 2);
  });

  it('describes runs for the table', () => {
    const { store } = newStore();
    addTinyDataset(store);
    const id = store.createRun({
      name: 'lstm',
      config: fixtureConfig('tiny', { cell: 'lstm', layers: 2, bidirectional: true, attention: 'luong' }),
      experimentId: null,
      totalSteps: 10,
    });
    assert.equal(store.getRun(id).summary.architecture, 'lstm ×2 bi + luong(general)');
    assert.equal(store.getRun(id).summary.status, 'queued');
  });
});
