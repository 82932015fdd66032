import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Lab } from '../../../engine/lab.js';
import { Store } from '../../../engine/store/store.js';
import { addTinyDataset, fixtureConfig } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/paths.js';

function labWithRuns(): { lab: Lab; store: Store; ids: number[]; file: string } {
  const file = path.join(tempDir(), 'experiments.db');
  const store = Store.open(file);
  addTinyDataset(store);
  const ids = [
    fixtureConfig('tiny', { cell: 'gru', hiddenSize: 8 }),
    fixtureConfig('tiny', { cell: 'lstm', hiddenSize: 16, bidirectional: true }),
    fixtureConfig('tiny', { cell: 'rnn', attention: 'none', hiddenSize: 16 }),
  ].map((config, i) => store.createRun({ name: `run ${i}`, config, experimentId: null, totalSteps: 10 }));
  return { lab: new Lab(store), store, ids, file };
}

describe('tags and notes on runs', () => {
  it('are stored, tidied, listed and filtered by', async () => {
    const { lab, ids } = labWithRuns();
    const [a, b, c] = ids as [number, number, number];
    const changes: string[] = [];
    lab.subscribe((event, payload) => {
      if (event === 'store:changed') changes.push(payload.what);
    });
    assert.deepEqual((await lab.getRun({ id: a })).tags, []);
    assert.equal((await lab.getRun({ id: a })).notes, '');

    const tagged = await lab.updateRun({ id: a, tags: ['  baseline ', 'lr  sweep', 'baseline', ''] });
    assert.deepEqual(tagged.tags, ['baseline', 'lr sweep']);
    assert.deepEqual(changes, ['runs']);
    await lab.updateRun({ id: b, tags: ['lr sweep'], notes: 'Bidirectional: much slower.' });
    // Notes alone leave the tags, and tags alone the notes.
    await lab.updateRun({ id: b, notes: 'Bidirectional: slower, not better.' });
    const detail = await lab.getRun({ id: b });
    assert.deepEqual(detail.tags, ['lr sweep']);
    assert.equal(detail.notes, 'Bidirectional: slower, not better.');

    const byTag = async (tag: string) => (await lab.listRuns({ tag })).map((r) => r.id);
    assert.deepEqual(await byTag('lr sweep'), [a, b]);
    assert.deepEqual(await byTag('baseline'), [a]);
    assert.deepEqual(await byTag('base'), []);
    const byConfig = async (config: Record<string, string | number | boolean>) =>
      (await lab.listRuns({ config })).map((r) => r.id);
    assert.deepEqual(await byConfig({ 'model.hiddenSize': 16 }), [b, c]);
    assert.deepEqual(await byConfig({ 'model.hiddenSize': 16, 'model.cell': 'rnn' }), [c]);
    assert.deepEqual(await byConfig({ 'model.bidirectional': true }), [b]);
    assert.deepEqual(await byConfig({ 'model.bidirectional': false }), [a, c]);
    assert.deepEqual(await byConfig({ 'model.attention': 'none', 'model.hiddenSize': 8 }), []);
    assert.deepEqual(
      (await lab.listRuns({ tag: 'lr sweep', config: { 'model.cell': 'lstm' } })).map((r) => r.id),
      [b],
    );
    await lab.close();
  });

  it('refuses what it cannot keep, naming the field, and changes nothing', async () => {
    const { lab, ids } = labWithRuns();
    const id = ids[0]!;
    await lab.updateRun({ id, tags: ['kept'], notes: 'kept' });
    await assert.rejects(lab.updateRun({ id, tags: ['x'.repeat(41)] }), /tags: .* longer than 40 characters/);
    await assert.rejects(
      lab.updateRun({ id, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }),
      /at most 32 tags, got 33/,
    );
    await assert.rejects(lab.updateRun({ id, notes: 'n'.repeat(10_001) }), /notes: at most 10000 characters/);
    await assert.rejects(lab.updateRun({ id: 999, tags: ['a'] }), { code: 'not-found' });
    await assert.rejects(lab.listRuns({ config: { "model.cell') OR 1=1 --": 'gru' } }), /is not a config field/);
    const run = await lab.getRun({ id });
    assert.deepEqual([run.tags, run.notes], [['kept'], 'kept']);
    await lab.close();
  });

  it('a store from before tags (schema 6) gets them, empty, when opened', () => {
    const { store, file, ids } = labWithRuns();
    store.close();
    // Undo migration 7 as a version-6 store would have it.
    const db = new Database(file);
    db.exec(
      'ALTER TABLE runs DROP COLUMN tags; ALTER TABLE runs DROP COLUMN notes; DELETE FROM schema_migrations WHERE version = 7',
    );
    db.close();
    const reopened = Store.open(file);
    assert.deepEqual(reopened.getRun(ids[0]!).summary.tags, []);
    assert.equal(reopened.getRun(ids[0]!).notes, '');
    reopened.close();
  });
});
