import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { generateDataset } from '../../../engine/data/generate.js';
import { generateSequenceTask } from '../../../engine/data/sequence-tasks.js';
import { Store } from '../../../engine/store/store.js';
import { tempDir } from '../../helpers/paths.js';

describe('reverse and copy tasks', () => {
  it('reverse targets are the sources reversed, with the mirrored alignment', () => {
    for (const pair of generateSequenceTask('reverse', 200, 1)) {
      const tokens = pair.source.split(' ');
      assert.equal(pair.target, [...tokens].reverse().join(' '));
      assert.equal(pair.alignment, tokens.map((_, i) => `${i}-${tokens.length - 1 - i}`).join(' '));
      assert.ok(tokens.length >= 1 && tokens.length <= 15);
      assert.ok(tokens.every((t) => /^[0-9a-j]$/.test(t)));
    }
  });

  it('copy targets are the sources', () => {
    const pairs = generateSequenceTask('copy', 100, 2);
    for (const pair of pairs) assert.equal(pair.target, pair.source);
    assert.deepEqual(generateSequenceTask('copy', 100, 2), pairs);
    assert.equal(new Set(pairs.map((p) => p.source)).size, pairs.length);
  });
});

describe('generateDataset', () => {
  it('stores a seeded toy-fr dataset with alignments, identical for the same seed', () => {
    const store = Store.open(path.join(tempDir(), 'store.db'));
    const a = generateDataset(store, { generator: 'toy-fr', name: 'toy-a', pairs: 400, seed: 9 });
    generateDataset(store, { generator: 'toy-fr', name: 'toy-b', pairs: 400, seed: 9 });
    assert.equal(a.kind, 'generated');
    assert.equal(a.tokenizer, 'word');
    assert.deepEqual(a.stats.pairs, { train: 360, valid: 20, test: 20 });
    assert.equal(a.stats.hasAlignments, true);
    assert.deepEqual(a.source, { generator: 'toy-fr', version: 1, pairs: 400, seed: 9 });
    for (const split of ['train', 'valid', 'test'] as const) {
      assert.deepEqual(store.datasetPairs('toy-a', split), store.datasetPairs('toy-b', split));
    }
    const all = (['train', 'valid', 'test'] as const).flatMap((s) => store.datasetPairs('toy-a', s));
    assert.equal(new Set(all.map((p) => p.source)).size, 400, 'no pair in two splits');
    assert.ok(all.every((p) => p.alignment !== null && p.alignment.length > 0));
    store.close();
  });

  it('refuses bad requests and existing names without storing anything', () => {
    const store = Store.open(path.join(tempDir(), 'store.db'));
    generateDataset(store, { generator: 'copy', name: 'copy', pairs: 50 });
    assert.throws(() => generateDataset(store, { generator: 'copy', name: 'copy', pairs: 50 }), /already exists/);
    assert.throws(() => generateDataset(store, { generator: 'zip' as 'copy', name: 'z' }), /generator: must be one of/);
    assert.throws(
      () => generateDataset(store, { generator: 'copy', name: 'z', pairs: 2.5 }),
      /pairs: must be a whole number/,
    );
    assert.deepEqual(
      store.listDatasets().map((d) => d.name),
      ['copy'],
    );
    store.close();
  });
});
