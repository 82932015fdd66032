// Tests on the real data in ../shared/data (or $MTLAB_SHARED_DATA): the full manythings eng-fra corpus and the
// metric vectors as extracted from sacrebleu's test suite. A bare clone has no such folder: then this file skips,
// saying so once; everything else tests on data the repository ships (test/fixtures/).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { importCorpus } from '../../engine/data/import.js';
import { Store } from '../../engine/store/store.js';
import { fixture, sharedData, tempDir } from '../helpers/paths.js';

const engFra = path.join(sharedData, 'eng-fra', 'eng-fra.tsv');
const sharedVectors = path.join(sharedData, 'metric-vectors.json');
const missing = [engFra, sharedVectors].filter((file) => !existsSync(file));
const skip =
  missing.length === 0
    ? false
    : `no real data: ${missing.join(' and ')} not found (a bare clone has no ../shared/data; set MTLAB_SHARED_DATA)`;

describe('the real data in ../shared/data', { skip }, () => {
  it('pytorch-tutorial preset: keeps the 11,822 pairs of eng-fra.tsv that the tutorial keeps, split 90/5/5', () => {
    const store = Store.open(path.join(tempDir(), 'store.db'));
    const started = Date.now();
    const result = importCorpus(store, {
      name: 'eng-fra-tutorial',
      format: 'tatoeba',
      source: { path: engFra },
      options: { preset: 'pytorch-tutorial' },
    });
    console.log(`# eng-fra tutorial import: ${((Date.now() - started) / 1000).toFixed(2)} s`);
    assert.deepEqual(result.counts, { read: 142_787, filtered: 130_965, duplicates: 0, kept: 11_822 });
    assert.deepEqual(result.dataset.stats.pairs, { train: 10_640, valid: 591, test: 591 });
    assert.deepEqual(result.skipped, []);
    const files = result.dataset.source.files as { name: string; bytes: number; sha256: string }[];
    assert.equal(files[0]!.name, 'eng-fra.tsv');
    assert.equal(files[0]!.bytes, 10_009_515);
    assert.match(files[0]!.sha256, /^[0-9a-f]{64}$/);
    assert.equal(result.dataset.options.maxWords, 9);
    for (const pair of store.datasetPairs('eng-fra-tutorial', 'test', 50)) {
      assert.match(
        pair.source,
        /^(i am |i m |he is|he s |she is|she s |you are|you re |we are|we re |they are|they re )/,
      );
      assert.match(pair.target, /^[a-z!? ]+$/);
      assert.ok(pair.source.split(' ').length < 10 && pair.target.split(' ').length < 10);
    }
    store.close();
  });

  it("the repository's metric vectors hold every vector of metric-vectors.json, with the same scores", () => {
    interface Shared {
      hyps: string[];
      refs: string[][];
      expected: number;
      verified_value: number;
    }
    interface Ours {
      hyps: string[];
      refs: string[][];
      sacrebleu: number;
      upstream: { value: number } | null;
    }
    const shared = (JSON.parse(readFileSync(sharedVectors, 'utf8')) as { vectors: Shared[] }).vectors;
    const ours = (JSON.parse(readFileSync(fixture('metric-vectors.json'), 'utf8')) as { vectors: Ours[] }).vectors;
    assert.equal(shared.length, 17);
    shared.forEach((vector, i) => {
      const mine = ours[i]!;
      assert.deepEqual([mine.hyps, mine.refs], [vector.hyps, vector.refs], `vector ${i}: the same inputs`);
      assert.ok(Math.abs(mine.sacrebleu - vector.verified_value) <= 1e-6, `vector ${i}: the same sacrebleu score`);
      if (mine.upstream !== null) assert.equal(mine.upstream.value, vector.expected, `vector ${i}: the same assertion`);
    });
  });
});
