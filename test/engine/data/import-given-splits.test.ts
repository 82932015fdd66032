// Importing official splits (engine/data/import.ts: `validFiles`, `testFiles`) and gzip-compressed corpora: the given
// files are kept exactly (every usable line, in order, duplicates and long lines too), only the training file is
// filtered and split with the seed, and every path the request names is confined in web mode.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { importCorpus } from '../../../engine/data/import.js';
import { gunzipCorpus } from '../../../engine/data/corpus-file.js';
import { LabError } from '../../../engine/errors.js';
import { confineImportPaths } from '../../../engine/serve/paths.js';
import { Store } from '../../../engine/store/store.js';
import { labCallPaths } from '../../../electron/path-grants.js';
import { tempDir } from '../../helpers/paths.js';

function write(dir: string, name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

const lines = (prefix: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n') + '\n';

describe('import with given splits', () => {
  it('keeps the dev and test files exactly, in order, and splits nothing off the training file', () => {
    const dir = tempDir();
    const store = Store.open(path.join(dir, 'store.db'));
    const train = { path: write(dir, 'train.de', lines('ein satz', 40)) };
    const trainTgt = { path: write(dir, 'train.en', lines('a sentence', 40)) };
    // The dev file repeats a line and has one far longer than --max-words: both stay (the official split is kept).
    const devSrc = ['zwei', 'zwei', 'drei vier fünf sechs sieben acht neun zehn', 'eins'].join('\n') + '\n';
    const devTgt = ['two', 'two', 'three four five six seven eight nine ten', 'one'].join('\n') + '\n';
    const testSrc = lines('test satz', 7);
    const testTgt = lines('test sentence', 7);
    const result = importCorpus(store, {
      name: 'official',
      format: 'parallel',
      source: train,
      target: trainTgt,
      validFiles: { source: { path: write(dir, 'dev.de', devSrc) }, target: { path: write(dir, 'dev.en', devTgt) } },
      // The test files are gzip-compressed (as many official test sets ship).
      testFiles: {
        source: { path: write(dir, 'test.de.gz', gzipSync(testSrc)) },
        target: { path: write(dir, 'test.en.gz', gzipSync(testTgt)) },
      },
      options: { maxWords: 3, dedupe: true },
    });
    assert.deepEqual(result.dataset.stats.pairs, { train: 40, valid: 4, test: 7 });
    assert.deepEqual(
      store.datasetPairs('official', 'valid').map((p) => [p.source, p.target]),
      [
        ['zwei', 'two'],
        ['zwei', 'two'],
        ['drei vier fünf sechs sieben acht neun zehn', 'three four five six seven eight nine ten'],
        ['eins', 'one'],
      ],
    );
    assert.deepEqual(
      store.datasetPairs('official', 'test').map((p) => p.source),
      testSrc.trim().split('\n'),
      'in file order, decompressed',
    );
    // The training split is the whole training file (its own filters still apply to it), not shuffled apart.
    assert.equal(store.datasetPairs('official', 'train').length, 40);
    assert.deepEqual(result.given, {
      valid: { read: 4, kept: 4, dropped: [] },
      test: { read: 7, kept: 7, dropped: [] },
    });
    assert.equal(result.dataset.options.validFraction, 0);
    assert.equal(result.dataset.options.testFraction, 0);
    const source = result.dataset.source as { given: Record<string, { files: { name: string }[] }> };
    assert.deepEqual(
      source.given.test!.files.map((f) => f.name),
      ['test.de.gz', 'test.en.gz'],
    );
    store.close();
  });

  it('reports what it drops from a given split, and takes the rest of the splits from fractions', () => {
    const dir = tempDir();
    const store = Store.open(path.join(dir, 'store.db'));
    const tatoeba = Array.from({ length: 30 }, (_, i) => `Go ${i}.\tVa ${i} !`).join('\n') + '\n';
    // Line 2 normalises to nothing on the French side (only a non-breaking space).
    const test = 'Hello.\tBonjour.\nBye.\t\u00a0\u00a0\nYes.\tOui.\n';
    const result = importCorpus(store, {
      name: 'tatoeba-given-test',
      format: 'tatoeba',
      source: { path: write(dir, 'train.tsv', tatoeba) },
      testFiles: { source: { path: write(dir, 'test.tsv', test) } },
      options: { validFraction: 0.1, onError: 'skip' },
    });
    assert.deepEqual(result.dataset.stats.pairs, { train: 27, valid: 3, test: 2 }, 'valid: 10 % of the training file');
    assert.deepEqual(
      store.datasetPairs('tatoeba-given-test', 'test').map((p) => p.source),
      ['Hello.', 'Yes.'],
    );
    const dropped = [...result.given!.test!.dropped, ...result.skipped];
    assert.equal(dropped.length, 1, JSON.stringify(result));
    assert.equal(dropped[0]!.line, 2);
    assert.match(dropped[0]!.file, /test\.tsv$/);
    store.close();
  });

  it('refuses a parallel split without its target side, and a target file for one-file formats', () => {
    const dir = tempDir();
    const store = Store.open(path.join(dir, 'store.db'));
    const file = { path: write(dir, 'a.txt', lines('x', 5)) };
    assert.throws(
      () =>
        importCorpus(store, {
          name: 'p',
          format: 'parallel',
          source: file,
          target: file,
          validFiles: { source: file },
        }),
      (error: unknown) => error instanceof LabError && error.detail?.field === 'validFiles.target',
    );
    assert.throws(
      () =>
        importCorpus(store, {
          name: 't',
          format: 'tatoeba',
          source: file,
          testFiles: { source: file, target: file },
        }),
      /a target file is only for parallel/,
    );
    assert.equal(store.listDatasets().length, 0, 'nothing stored');
    store.close();
  });
});

describe('gzip-compressed corpora', () => {
  it('are read by their magic bytes, and a broken or too-large one is refused naming the file', () => {
    const dir = tempDir();
    const store = Store.open(path.join(dir, 'store.db'));
    const tatoeba = Array.from({ length: 10 }, (_, i) => `Go ${i}.\tVa ${i} !`).join('\n') + '\n';
    const compressed = gzipSync(tatoeba);
    const result = importCorpus(store, {
      name: 'gz',
      format: 'tatoeba',
      source: { path: write(dir, 'corpus.tsv.gz', compressed) },
    });
    assert.equal(result.counts.read, 10);
    const info = (result.dataset.source.files as { bytes: number }[])[0]!;
    assert.equal(info.bytes, compressed.length, 'the file as it is on disk');
    const broken = write(dir, 'broken.gz', compressed.subarray(0, compressed.length - 8));
    assert.throws(
      () => importCorpus(store, { name: 'b', format: 'tatoeba', source: { path: broken } }),
      /broken\.gz is not a readable gzip file/,
    );
    assert.throws(
      () => gunzipCorpus('bomb.gz', gzipSync(Buffer.alloc(10_000)), 1000),
      /bomb\.gz expands to more than 1,000 bytes/,
    );
    store.close();
  });
});

describe('paths of given splits', () => {
  it('are confined to the data folders in web mode', () => {
    const inside = tempDir();
    const outside = tempDir();
    const ok = write(inside, 'dev.tsv', 'a\tb\n');
    const bad = write(outside, 'test.tsv', 'a\tb\n');
    const confined = confineImportPaths(
      { name: 'x', format: 'tatoeba', source: { path: ok }, validFiles: { source: { path: 'dev.tsv' } } },
      [inside],
    );
    assert.deepEqual(confined.validFiles, { source: { path: ok } });
    assert.throws(
      () =>
        confineImportPaths(
          { name: 'x', format: 'tatoeba', source: { path: ok }, testFiles: { source: { path: bad } } },
          [inside],
        ),
      (error: unknown) =>
        error instanceof LabError &&
        /outside the data folders/.test(error.message) &&
        error.detail?.field === 'testFiles.source',
    );
  });

  it('need a grant in the desktop app, like the corpus itself', () => {
    const slots = labCallPaths('importDataset', {
      name: 'x',
      format: 'parallel',
      source: { path: '/a' },
      target: { path: '/b' },
      validFiles: { source: { path: '/c' }, target: { path: '/d' } },
      testFiles: { source: { path: '/e' }, target: { path: '/f' } },
    });
    assert.deepEqual(
      slots.map((s) => [s.field, s.use, s.value]),
      [
        ['source.path', 'read-file', '/a'],
        ['target.path', 'read-file', '/b'],
        ['validFiles.source.path', 'read-file', '/c'],
        ['validFiles.target.path', 'read-file', '/d'],
        ['testFiles.source.path', 'read-file', '/e'],
        ['testFiles.target.path', 'read-file', '/f'],
      ],
    );
  });
});
