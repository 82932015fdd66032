import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ImportDatasetRequest } from '../../../engine/contract/api.js';
import { importCorpus } from '../../../engine/data/import.js';
import { loadTokenizers } from '../../../engine/data/tokenizers.js';
import { LabError } from '../../../engine/errors.js';
import { Store } from '../../../engine/store/store.js';
import { addTinyDataset } from '../../helpers/fixtures.js';
import { fixture, tempDir } from '../../helpers/paths.js';

function openStore(): Store {
  const store = Store.open(path.join(tempDir(), 'store.db'));
  addTinyDataset(store, 'existing');
  return store;
}

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, content);
  return file;
}

/** Everything an import could change. */
function snapshot(store: Store): unknown {
  const count = (table: string): number => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return { datasets: count('datasets'), pairs: count('dataset_pairs'), list: store.listDatasets() };
}

/** Import must fail with a LabError whose message matches, leaving the store as it was. */
function assertRefused(store: Store, request: ImportDatasetRequest, message: RegExp): LabError {
  const before = snapshot(store);
  let caught: unknown;
  try {
    importCorpus(store, request);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof LabError, `expected a LabError, got ${String(caught)}`);
  assert.match(caught.message, message);
  assert.deepEqual(snapshot(store), before, 'the store must not change');
  return caught;
}

const TATOEBA = [
  'Go.\tVa !',
  'Run!\tCours\u202F!',
  'Hi.\tSalut !\tCC-BY 2.0 (France) Attribution: tatoeba.org #1',
  '',
].join('\n');

// test/fixtures/eng-fra-sample.tsv (made by make-eng-fra-sample.mjs beside it): 237 lines in the manythings layout.
// By construction the tutorial's filter keeps exactly 194 of them: the 192 "<subject> <adjective>." lines (6
// subjects, full and contracted, 12 adjectives, 8 French renderings per adjective) and "He isn't ready." / "She
// isn't here." (a plain prefix test: "he isn t" starts with "he is"). The real corpus is tested in
// test/engine/shared-data.test.ts.
const SAMPLE = fixture('eng-fra-sample.tsv');

describe('importing the eng-fra sample', () => {
  it('keeps what the pytorch-tutorial preset keeps, split 90/5/5', () => {
    const store = Store.open(path.join(tempDir(), 'store.db'));
    const result = importCorpus(store, {
      name: 'sample-tutorial',
      format: 'tatoeba',
      source: { path: SAMPLE },
      options: { preset: 'pytorch-tutorial' },
    });
    assert.deepEqual(result.counts, { read: 237, filtered: 43, duplicates: 0, kept: 194 });
    assert.deepEqual(result.dataset.stats.pairs, { train: 174, valid: 10, test: 10 });
    assert.deepEqual(result.skipped, []);
    const files = result.dataset.source.files as { name: string; bytes: number; sha256: string }[];
    assert.equal(files[0]!.name, 'eng-fra-sample.tsv');
    assert.equal(files[0]!.bytes, readFileSync(SAMPLE).length);
    const all = (['train', 'valid', 'test'] as const).flatMap((split) => store.datasetPairs('sample-tutorial', split));
    assert.equal(all.length, 194);
    for (const pair of all) {
      assert.match(
        pair.source,
        /^(i am |i m |he is|he s |she is|she s |you are|you re |we are|we re |they are|they re )/,
      );
      assert.match(pair.target, /^[a-z!? ]+$/, 'lower-case ASCII letters and ! ? only');
      assert.ok(pair.source.split(' ').length < 10 && pair.target.split(' ').length < 10);
    }
    assert.ok(all.some((p) => p.source === 'he isn t ready'));
    assert.ok(all.some((p) => p.source === 'they re late !' && p.target === 'elles sont en retard !'));
    store.close();
  });

  it('reads the attribution column, normalises U+00A0 and U+202F, and keeps each translation of a repeated line', () => {
    const raw = readFileSync(SAMPLE, 'utf8');
    assert.ok(
      raw.includes('\u202F!') && raw.includes('\u202F?') && raw.includes('\u00A0:'),
      'the sample has the quirks',
    );
    const store = Store.open(path.join(tempDir(), 'store.db'));
    const result = importCorpus(store, {
      name: 'sample',
      format: 'tatoeba',
      source: { path: SAMPLE },
      options: { validFraction: 0, testFraction: 0 },
    });
    assert.deepEqual(result.counts, { read: 237, filtered: 0, duplicates: 0, kept: 237 });
    const pairs = store.datasetPairs('sample', 'train');
    for (const pair of pairs) {
      assert.doesNotMatch(pair.target, /[\u00A0\u202F\t]|Attribution/, pair.target);
    }
    const run = pairs.filter((p) => p.source === 'Run!').map((p) => p.target);
    assert.deepEqual(run.sort(), ['Courez !', 'Cours !']);
    assert.ok(pairs.some((p) => p.source === 'Listen: it is raining.' && p.target === 'Écoute : il pleut.'));
    assert.ok(pairs.some((p) => p.target === 'Il a dit « non ».'));
    store.close();
  });
});

describe('corpus import', () => {
  it('reads Tatoeba lines with or without attribution, normalising spaces', () => {
    const store = openStore();
    const result = importCorpus(store, {
      name: 'tiny-tatoeba',
      format: 'tatoeba',
      source: { path: write('tiny.tsv', TATOEBA) },
      options: { validFraction: 0, testFraction: 0 },
    });
    assert.equal(result.counts.kept, 3);
    const pairs = store.datasetPairs('tiny-tatoeba', 'train').map((p) => `${p.source} | ${p.target}`);
    assert.deepEqual(pairs.sort(), ['Go. | Va !', 'Hi. | Salut !', 'Run! | Cours !']);
    store.close();
  });

  it('reads CRLF files and a UTF-8 byte-order mark', () => {
    const store = openStore();
    const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Go.\tVa !\r\nHi.\tSalut !\r\n')]);
    const result = importCorpus(store, {
      name: 'crlf',
      format: 'tatoeba',
      source: { path: write('crlf.tsv', content) },
      options: { validFraction: 0, testFraction: 0 },
    });
    assert.deepEqual(
      store
        .datasetPairs('crlf', 'train')
        .map((p) => p.source)
        .sort(),
      ['Go.', 'Hi.'],
    );
    assert.equal(result.counts.kept, 2);
    store.close();
  });

  it('lower-cases, folds, limits length, removes duplicates and reverses', () => {
    const store = openStore();
    const file = write(
      'mixed.tsv',
      ['Été.\tSummer.', 'Été.\tSummer.', 'A very long sentence here.\tx', 'Café !\tCoffee!', ''].join('\n'),
    );
    const result = importCorpus(store, {
      name: 'mixed',
      format: 'tatoeba',
      source: { path: file },
      options: {
        lowercase: true,
        asciiFold: true,
        maxWords: 3,
        dedupe: true,
        reverse: true,
        testFraction: 0,
        validFraction: 0,
      },
    });
    assert.deepEqual(result.counts, { read: 4, filtered: 1, duplicates: 1, kept: 2 });
    const pairs = store.datasetPairs('mixed', 'train').map((p) => `${p.source} | ${p.target}`);
    assert.deepEqual(pairs.sort(), ['coffee! | cafe !', 'summer. | ete.']);
    store.close();
  });

  it('picks TSV columns by name or 1-based index', () => {
    const store = openStore();
    const file = write('corpus.tsv', 'id\ten\tfr\n1\tthe cat\tle chat\n2\tthe dog\tle chien\n');
    const byName = importCorpus(store, {
      name: 'by-name',
      format: 'tsv',
      source: { path: file },
      options: { sourceColumn: 'fr', targetColumn: 'EN', validFraction: 0, testFraction: 0 },
    });
    assert.deepEqual(byName.dataset.source.columns, { source: 'fr', target: 'en' });
    assert.deepEqual(
      store
        .datasetPairs('by-name', 'train')
        .map((p) => p.source)
        .sort(),
      ['le chat', 'le chien'],
    );
    importCorpus(store, {
      name: 'by-index',
      format: 'tsv',
      source: { path: file },
      options: { sourceColumn: '2', targetColumn: '3', validFraction: 0, testFraction: 0 },
    });
    assert.deepEqual(
      store
        .datasetPairs('by-index', 'train')
        .map((p) => p.target)
        .sort(),
      ['le chat', 'le chien'],
    );
    store.close();
  });

  it('reads line-aligned parallel files and uploaded content', () => {
    const store = openStore();
    const result = importCorpus(store, {
      name: 'parallel',
      format: 'parallel',
      source: { path: write('train.en', 'the cat\nthe dog\n') },
      target: { fileName: 'train.fr', content: 'le chat\nle chien\n' },
      options: { validFraction: 0, testFraction: 0 },
    });
    assert.equal(result.counts.kept, 2);
    const files = result.dataset.source.files as { name: string }[];
    assert.deepEqual(
      files.map((f) => f.name),
      ['train.en', 'train.fr'],
    );
    store.close();
  });

  it('splits with the seed: same seed, same split', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `sentence ${i}\tphrase ${i}`).join('\n');
    const file = write('many.tsv', lines);
    const store = openStore();
    const splitOf = (name: string, seed: number): string[] => {
      importCorpus(store, {
        name,
        format: 'tatoeba',
        source: { path: file },
        options: { seed, validFraction: 0.1, testFraction: 0.2 },
      });
      return store.datasetPairs(name, 'test').map((p) => p.source);
    };
    const a = splitOf('a', 5);
    assert.equal(a.length, 40);
    assert.equal(store.datasetPairs('a', 'valid').length, 20);
    assert.deepEqual(splitOf('b', 5), a);
    assert.notDeepEqual(splitOf('c', 6), a);
    store.close();
  });

  it('learns and stores BPE merges on the training split', () => {
    const store = openStore();
    const lines = Array.from({ length: 50 }, (_, i) => `the cats number ${i} sleep\tles chats numéro ${i} dorment`);
    const result = importCorpus(store, {
      name: 'bpe',
      format: 'tatoeba',
      source: { path: write('bpe.tsv', lines.join('\n')) },
      options: { tokenizer: 'bpe', bpeMerges: 15 },
    });
    assert.equal(result.dataset.tokenizer, 'bpe');
    assert.equal(result.dataset.options.bpeMerges, 15);
    const state = store.datasetTokenizerState('bpe') as {
      source: { merges: unknown[] };
      target: { merges: unknown[] };
    };
    assert.equal(state.source.merges.length, 15);
    assert.notDeepEqual(state.source.merges, state.target.merges);
    const tokenizers = loadTokenizers(store, 'bpe');
    for (const pair of store.datasetPairs('bpe', 'test')) {
      assert.equal(tokenizers.target.detokenize(tokenizers.target.tokenize(pair.target)), pair.target);
    }
    store.close();
  });
});

describe('malformed corpora', () => {
  it('names the file and line of a line without the separator', () => {
    const store = openStore();
    const file = write('nosep.tsv', 'Go.\tVa !\nRun! Cours !\nHi.\tSalut !\n');
    const error = assertRefused(
      store,
      { name: 'x', format: 'tatoeba', source: { path: file } },
      /nosep\.tsv line 2: no TAB separator/,
    );
    assert.equal(error.code, 'invalid-data');
    assert.equal(error.detail?.line, 2);
    assert.match(error.message, /Nothing was imported/);
    store.close();
  });

  it('names the file and line of invalid UTF-8', () => {
    const store = openStore();
    const latin1 = Buffer.concat([
      Buffer.from('Go.\tVa !\nSummer.\t'),
      Buffer.from([0xc9, 0x74, 0xe9]),
      Buffer.from('\n'),
    ]);
    assertRefused(
      store,
      { name: 'x', format: 'tatoeba', source: { path: write('latin1.tsv', latin1) } },
      /latin1\.tsv line 2: invalid UTF-8 \(byte 0xC9 at byte 9 of the line\)/,
    );
    store.close();
  });

  it('refuses an empty file', () => {
    const store = openStore();
    assertRefused(
      store,
      { name: 'x', format: 'tatoeba', source: { path: write('empty.tsv', '') } },
      /empty\.tsv is empty/,
    );
    assertRefused(
      store,
      { name: 'x', format: 'tatoeba', source: { path: write('blank.tsv', '\n  \n') } },
      /blank\.tsv is empty/,
    );
    assertRefused(
      store,
      {
        name: 'x',
        format: 'parallel',
        source: { path: write('a.en', 'the cat\n') },
        target: { fileName: 'b.fr', content: '' },
      },
      /b\.fr is empty/,
    );
    store.close();
  });

  it('refuses parallel files of different lengths, saying both counts', () => {
    const store = openStore();
    assertRefused(
      store,
      {
        name: 'x',
        format: 'parallel',
        source: { path: write('three.en', 'a\nb\nc\n') },
        target: { path: write('two.fr', 'a\nb\n') },
      },
      /three\.en has 3 lines and .*two\.fr has 2 lines/,
    );
    store.close();
  });

  it('names the available columns when a column is not there', () => {
    const store = openStore();
    const file = write('cols.tsv', 'id\ten\tfr\n1\ta\tb\n');
    assertRefused(
      store,
      { name: 'x', format: 'tsv', source: { path: file }, options: { sourceColumn: 'de' } },
      /cols\.tsv line 1: there is no column "de".*"id", "en", "fr"/,
    );
    assertRefused(
      store,
      { name: 'x', format: 'tsv', source: { path: file }, options: { targetColumn: '4' } },
      /has 3 columns, so there is no column 4/,
    );
    store.close();
  });

  it('refuses a missing file and an existing dataset name', () => {
    const store = openStore();
    assertRefused(
      store,
      { name: 'x', format: 'tatoeba', source: { path: '/nonexistent/corpus.tsv' } },
      /does not exist/,
    );
    const error = assertRefused(
      store,
      { name: 'existing', format: 'tatoeba', source: { path: write('ok.tsv', TATOEBA) } },
      /already exists/,
    );
    assert.equal(error.code, 'conflict');
    store.close();
  });

  it('reports several problems at once in fail mode', () => {
    const store = openStore();
    const lines = ['ok\tfine', ...Array.from({ length: 8 }, (_, i) => `bad ${i}`), 'ok too\tfine'];
    const error = assertRefused(
      store,
      { name: 'x', format: 'tatoeba', source: { path: write('bad.tsv', lines.join('\n')) } },
      /bad\.tsv line 2: .*\n.*bad\.tsv line 3: [\s\S]*and 3 more problems/,
    );
    assert.equal(error.detail?.count, 8);
    store.close();
  });

  it('imports the good lines and lists every bad one in skip mode', () => {
    const store = openStore();
    const content = Buffer.concat([
      Buffer.from('Go.\tVa !\nno separator here\nHi.\tSalut !\n'),
      Buffer.from([0x66, 0x6f, 0xff, 0x09, 0x78, 0x0a]),
      Buffer.from('a\tb\tc\td\n\nRun!\tCours !\nEnglish only\t \n'),
    ]);
    const result = importCorpus(store, {
      name: 'skipped',
      format: 'tatoeba',
      source: { path: write('partly.tsv', content) },
      options: { onError: 'skip', validFraction: 0, testFraction: 0 },
    });
    assert.deepEqual(
      result.skipped.map((s) => `${s.file.endsWith('partly.tsv')}:${s.line}`),
      ['true:2', 'true:4', 'true:5', 'true:6', 'true:8'],
    );
    assert.match(result.skipped[0]!.reason, /no TAB/);
    assert.match(result.skipped[1]!.reason, /invalid UTF-8/);
    assert.match(result.skipped[2]!.reason, /4 TAB-separated fields/);
    assert.match(result.skipped[3]!.reason, /empty line/);
    assert.match(result.skipped[4]!.reason, /translation .* is empty/);
    assert.equal(result.counts.kept, 3);
    assert.deepEqual((result.dataset.source.counts as { skippedLines: number }).skippedLines, 5);
    store.close();
  });

  it('checks uploaded text line by line', () => {
    const store = openStore();
    const result = importCorpus(store, {
      name: 'uploaded',
      format: 'parallel',
      source: { fileName: 'up.en', content: 'good\nbad \uFFFD\nalso \uD800 bad\nfine\n' },
      target: { fileName: 'up.fr', content: 'bon\nmauvais\nmauvais\nbien\n' },
      options: { onError: 'skip', validFraction: 0, testFraction: 0 },
    });
    assert.deepEqual(
      result.skipped.map((s) => `${s.file}:${s.line}`),
      ['up.en:2', 'up.en:3'],
    );
    assert.equal(result.counts.kept, 2);
    store.close();
  });

  it('names the field of a bad request', () => {
    const store = openStore();
    const file = write('ok.tsv', TATOEBA);
    assertRefused(
      store,
      { name: 'bad name!', format: 'tatoeba', source: { path: file } },
      /name: "bad name!" is not a dataset name/,
    );
    assertRefused(
      store,
      { name: 'x', format: 'tatoeba', source: { path: file }, options: { validFraction: 0.6, testFraction: 0.5 } },
      /must be below 1/,
    );
    assertRefused(store, { name: 'x', format: 'parallel', source: { path: file } }, /needs its target-side file/);
    assertRefused(
      store,
      { name: 'x', format: 'csv' as 'tsv', source: { path: file } },
      /format: must be one of tatoeba, tsv, parallel/,
    );
    store.close();
  });
});
