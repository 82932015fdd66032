import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Store } from '../../engine/store/store.js';
import { runCli } from '../helpers/cli.js';
import { addTinyDataset, fixtureConfig } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/paths.js';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function storeWithRun(): { file: string; runId: number } {
  const file = path.join(tempDir(), 'experiments.db');
  const store = Store.open(file);
  addTinyDataset(store);
  const runId = store.createRun({
    name: 'gru-bahdanau',
    config: fixtureConfig('tiny'),
    experimentId: null,
    totalSteps: 10,
  });
  store.metrics.append(runId, [
    { key: 'train/loss', step: 1, value: 2.5, wallTime: 100 },
    { key: 'train/loss', step: 2, value: 2.25, wallTime: 101 },
    { key: 'valid/bleu', step: 2, value: 12.5, wallTime: 101 },
  ]);
  store.close();
  return { file, runId };
}

describe('mtlab runs / show / metrics / db check', () => {
  it('prints [] for a new store and creates a valid one', async () => {
    const file = path.join(tempDir(), 'empty.db');
    const result = await runCli(['runs', '--db', file, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), []);
    assert.ok(existsSync(file));
    const check = await runCli(['db', 'check', '--db', file, '--json']);
    assert.equal(check.code, 0);
    assert.equal(JSON.parse(check.stdout).ok, true);
  });

  it('uses MTLAB_DB when --db is not given, and ./experiments.db otherwise', async () => {
    const dir = tempDir();
    const viaEnv = path.join(dir, 'env.db');
    assert.equal((await runCli(['runs', '--json'], { env: { MTLAB_DB: viaEnv } })).code, 0);
    assert.ok(existsSync(viaEnv));
    assert.equal((await runCli(['runs'], { cwd: dir, env: { MTLAB_DB: undefined } })).code, 0);
    assert.ok(existsSync(path.join(dir, 'experiments.db')));
  });

  it('mtlab info describes the lab without creating ./experiments.db', async () => {
    const dir = tempDir();
    const text = await runCli(['info'], { cwd: dir, env: { MTLAB_DB: undefined } });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /store {6}\S*experiments\.db \(not created yet/);
    assert.match(text.stdout, /gru-bahdanau/);
    const json = JSON.parse((await runCli(['info', '--json'], { cwd: dir, env: { MTLAB_DB: undefined } })).stdout);
    assert.equal(json.storeExists, false);
    assert.equal(existsSync(path.join(dir, 'experiments.db')), false);
    // With a store, it reports its schema.
    const { file } = storeWithRun();
    const existing = JSON.parse((await runCli(['info', '--json', '--db', file])).stdout);
    assert.equal(existing.storeExists, true);
    assert.ok(existing.schemaVersion > 0);
  });

  it('lists, shows and exports a run', async () => {
    const { file, runId } = storeWithRun();
    const list = await runCli(['runs', '--db', file]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /gru-bahdanau/);
    assert.match(list.stdout, /gru \+ bahdanau/);
    const shown = JSON.parse((await runCli(['show', String(runId), '--db', file, '--json'])).stdout);
    assert.equal(shown.id, runId);
    assert.equal(shown.latestMetrics['train/loss'].value, 2.25);
    assert.equal(shown.bestBleu, 12.5);
    const csv = await runCli(['metrics', String(runId), '--csv', '--db', file]);
    assert.equal(csv.code, 0);
    assert.deepEqual(csv.stdout.trim().split('\n'), [
      'run,key,step,value,wall_time',
      `${runId},train/loss,1,2.5,100`,
      `${runId},train/loss,2,2.25,101`,
      `${runId},valid/bleu,2,12.5,101`,
    ]);
  });

  it('names an unknown run', async () => {
    const { file } = storeWithRun();
    const result = await runCli(['show', '999', '--db', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /run 999 does not exist/);
    const notAnId = await runCli(['show', 'abc', '--db', file]);
    assert.equal(notAnId.code, 1);
    assert.match(notAnId.stderr, /"abc" is not a run id/);
  });

  it('refuses a text file as a store and leaves it alone', async () => {
    const file = path.join(tempDir(), 'notes.txt');
    writeFileSync(file, 'shopping list\n- eggs\n- milk\n'.repeat(20));
    const before = sha(file);
    for (const args of [['db', 'check'], ['runs']]) {
      const result = await runCli([...args, '--db', file]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /notes\.txt is not an mtlab experiment store: it is not an SQLite database/);
      assert.equal(result.stdout, '');
    }
    assert.equal(sha(file), before);
  });

  it('reports a truncated store and leaves it alone', async () => {
    const { file } = storeWithRun();
    const store = Store.open(file);
    const runId = store.listRuns()[0]!.summary.id;
    store.metrics.append(
      runId,
      Array.from({ length: 30_000 }, (_, i) => ({ key: 'train/acc', step: i, value: i, wallTime: i })),
    );
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    truncateSync(file, Math.floor(statSync(file).size * 0.6));
    const before = sha(file);
    const result = await runCli(['db', 'check', '--db', file]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout + result.stderr, /damaged|DAMAGED|malformed/);
    assert.equal(sha(file), before);
  });

  it('explains usage mistakes', async () => {
    const result = await runCli(['runs', '--frobnicate']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Unknown option '--frobnicate'/);
    assert.match(result.stderr, /Usage: mtlab runs/);
    const unknown = await runCli(['fly']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "fly"/);
  });
});
