import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabError } from '../../../engine/errors.js';
import { Lab } from '../../../engine/lab.js';
import { storeWithDataset } from '../../helpers/training.js';

describe('getDatasetPairs', () => {
  it('pages through a split in stored order', async () => {
    const { store, file } = storeWithDataset('reverse', 200);
    store.close();
    const lab = Lab.open(file);
    try {
      const all = await lab.getDatasetPairs({ name: 'reverse', split: 'train' });
      assert.equal(all.total, 180);
      assert.equal(all.pairs.length, 180);
      // The reverse task: every target is its source backwards.
      for (const pair of all.pairs) assert.equal(pair.target, pair.source.split(' ').reverse().join(' '));

      const pages = [];
      for (let offset = 0; offset < all.total; offset += 70) {
        const page = await lab.getDatasetPairs({ name: 'reverse', split: 'train', offset, limit: 70 });
        assert.equal(page.offset, offset);
        pages.push(...page.pairs);
      }
      assert.deepEqual(pages, all.pairs);
      const past = await lab.getDatasetPairs({ name: 'reverse', split: 'test', offset: 50 });
      assert.deepEqual([past.total, past.pairs.length], [10, 0]);
    } finally {
      await lab.close();
    }
  });

  it('names the field of a bad request', async () => {
    const { store, file } = storeWithDataset('copy', 40);
    store.close();
    const lab = Lab.open(file);
    try {
      await assert.rejects(
        lab.getDatasetPairs({ name: 'copy', split: 'dev' as 'test' }),
        (error: LabError) =>
          error.detail?.field === 'split' && /split: must be one of train, valid, test, got "dev"/.test(error.message),
      );
      await assert.rejects(
        lab.getDatasetPairs({ name: 'copy', split: 'test', limit: 20_000 }),
        (error: LabError) => error.detail?.field === 'limit',
      );
      await assert.rejects(lab.getDatasetPairs({ name: 'nope', split: 'test' }), /dataset "nope" does not exist/);
    } finally {
      await lab.close();
    }
  });
});
