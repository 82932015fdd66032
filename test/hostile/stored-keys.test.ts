/**
 * Names that come back out of the store and become keys of the objects the lab answers with (metric keys, asked
 * for with `mtlab metrics --key`, or written by a run): `__proto__` or `constructor` must be an ordinary entry,
 * never a prototype swap that drops the entry or changes what the object inherits (see README.md here).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compareRuns } from '../../engine/compare.js';
import { Store } from '../../engine/store/store.js';
import { runCli } from '../helpers/cli.js';
import { addTinyDataset, fixtureConfig } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/paths.js';
import { watchPrototypes } from './prototype.js';

function storeWithMetrics(keys: string[]): { file: string; runId: number } {
  const file = path.join(tempDir(), 'experiments.db');
  const store = Store.open(file);
  addTinyDataset(store);
  const runId = store.createRun({ name: 'gru', config: fixtureConfig('tiny'), experimentId: null, totalSteps: 10 });
  store.metrics.append(
    runId,
    keys.map((key, i) => ({ key, step: 1, value: i + 1, wallTime: 1 })),
  );
  store.close();
  return { file, runId };
}

describe('hostile: metric keys as object keys', () => {
  const keys = ['valid/__proto__', '__proto__', 'constructor', 'valid/bleu'];

  it('latest metrics and comparisons keep every key as an own entry', () => {
    const { file, runId } = storeWithMetrics(keys);
    const untouched = watchPrototypes();
    const store = Store.open(file);
    try {
      const latest = store.metrics.latest(runId);
      assert.deepEqual(Object.keys(latest).sort(), [...keys].sort());
      assert.equal(Object.getPrototypeOf(latest), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(latest, '__proto__')?.value.value, 2);
      const comparison = compareRuns(store, [runId]);
      assert.equal(Object.getPrototypeOf(comparison.runs[0]!.latest), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(comparison.runs[0]!.latest, 'valid/__proto__')?.value, 1);
    } finally {
      store.close();
    }
    untouched();
  });

  it('`mtlab metrics --key __proto__ --json` answers the key, not an empty object', async () => {
    const { file, runId } = storeWithMetrics(keys);
    const result = await runCli([
      'metrics',
      String(runId),
      '--json',
      '--key',
      '__proto__',
      '--key',
      'constructor',
      '--db',
      file,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { metrics: Record<string, { value: number }[]> };
    assert.deepEqual(Object.keys(parsed.metrics), ['__proto__', 'constructor']);
    assert.equal(Object.getOwnPropertyDescriptor(parsed.metrics, '__proto__')?.value[0].value, 2);
  });
});
