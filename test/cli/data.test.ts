import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';

function setup(): { db: string; dir: string } {
  const dir = tempDir();
  return { db: path.join(dir, 'experiments.db'), dir };
}

describe('mtlab data', () => {
  it('generates, lists, shows and removes a dataset', async () => {
    const { db } = setup();
    const generated = await runCli([
      'data',
      'generate',
      'toy-fr',
      '--name',
      'toy',
      '--pairs',
      '200',
      '--seed',
      '3',
      '--db',
      db,
      '--json',
    ]);
    assert.equal(generated.code, 0, generated.stderr);
    const summary = JSON.parse(generated.stdout);
    assert.deepEqual(summary.stats.pairs, { train: 180, valid: 10, test: 10 });

    const human = await runCli(['data', 'generate', 'reverse', '--name', 'rev', '--pairs', '100', '--db', db]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Generated dataset "rev" \(reverse, seed 1\): train 90, valid 5, test 5/);

    const list = await runCli(['data', 'ls', '--db', db]);
    assert.match(list.stdout, /^NAME +KIND/);
    assert.match(list.stdout, /toy +generated +toy-fr, seed 3 +word +180 +10 +10/);

    const shown = await runCli(['data', 'show', 'toy', '--db', db, '--examples', '2']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /pairs +train 180, valid 10, test 10/);
    assert.match(shown.stdout, /token types \(vocabulary \d+ with <pad> <unk> <sos> <eos>\)/);
    assert.match(shown.stdout, /Source lengths in tokens \(training split\):\n +\d+ \| #+/);
    assert.match(shown.stdout, /gold word alignments/);
    assert.equal(shown.stdout.split('\n  → ').length - 1, 2, 'two examples');

    const json = JSON.parse((await runCli(['data', 'show', 'toy', '--db', db, '--json'])).stdout);
    assert.equal(json.examples.length, 5);
    assert.equal(
      json.sourceLengthHistogram.reduce((a: number, b: number) => a + b, 0),
      180,
    );

    assert.equal((await runCli(['data', 'rm', 'toy', '--db', db])).code, 0);
    const after = JSON.parse((await runCli(['data', 'ls', '--db', db, '--json'])).stdout);
    assert.deepEqual(
      after.map((d: { name: string }) => d.name),
      ['rev'],
    );
    const missing = await runCli(['data', 'rm', 'toy', '--db', db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /dataset "toy" does not exist/);
  });

  it('imports a corpus and reports what it read, filtered and kept', async () => {
    const { db, dir } = setup();
    const file = path.join(dir, 'corpus.tsv');
    writeFileSync(file, 'Go.\tVa !\nGo.\tVa !\nRun!\tCours\u00A0!\nA long one here.\tx\n');
    const result = await runCli([
      'data',
      'import',
      file,
      '--format',
      'tatoeba',
      '--name',
      'small',
      '--dedupe',
      '--max-words',
      '2',
      '--valid',
      '0',
      '--test',
      '0',
      '--db',
      db,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Imported dataset "small"/);
    assert.match(result.stdout, /read +4 pairs/);
    assert.match(result.stdout, /filtered +1 \(1 longer than 2 words\)/);
    assert.match(result.stdout, /duplicates +1/);
    assert.match(result.stdout, /kept +2: train 2, valid 0, test 0/);
    assert.match(result.stdout, /sha256 [0-9a-f]{16}/);
  });

  it('lists every skipped line with --on-error skip, and imports nothing by default', async () => {
    const { db, dir } = setup();
    const file = path.join(dir, 'bad.tsv');
    writeFileSync(file, 'Go.\tVa !\nno tab\nHi.\tSalut !\nstill no tab\n');
    const failed = await runCli(['data', 'import', file, '--format', 'tatoeba', '--name', 'bad', '--db', db]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /bad\.tsv line 2: no TAB separator/);
    assert.match(failed.stderr, /bad\.tsv line 4: no TAB separator/);
    assert.deepEqual(JSON.parse((await runCli(['data', 'ls', '--db', db, '--json'])).stdout), []);

    const skipped = await runCli([
      'data',
      'import',
      file,
      '--format',
      'tatoeba',
      '--name',
      'bad',
      '--on-error',
      'skip',
      '--db',
      db,
      '--json',
    ]);
    assert.equal(skipped.code, 0, skipped.stderr);
    const out = JSON.parse(skipped.stdout);
    assert.deepEqual(
      out.skipped.map((s: { line: number }) => s.line),
      [2, 4],
    );
    assert.equal(out.counts.kept, 2);

    const human = await runCli([
      'data',
      'import',
      file,
      '--format',
      'tatoeba',
      '--name',
      'bad2',
      '--on-error',
      'skip',
      '--db',
      db,
    ]);
    assert.match(human.stdout, /Skipped 2 lines:\n .*bad\.tsv line 2: no TAB separator.*\n .*bad\.tsv line 4/);
  });

  it('exports a split as TSV or as two line-aligned files that import back', async () => {
    const { db, dir } = setup();
    assert.equal(
      (await runCli(['data', 'generate', 'reverse', '--name', 'rev', '--pairs', '300', '--db', db])).code,
      0,
    );
    const tsv = await runCli(['data', 'export', 'rev', '--db', db]);
    assert.equal(tsv.code, 0, tsv.stderr);
    const lines = tsv.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 15, 'the test split by default');
    for (const line of lines) {
      const [source, target] = line.split('\t');
      assert.equal(target, source!.split(' ').reverse().join(' '));
    }

    const prefix = path.join(dir, 'valid');
    const parallel = await runCli([
      'data',
      'export',
      'rev',
      '--split',
      'valid',
      '--format',
      'parallel',
      '--out',
      prefix,
      '--db',
      db,
    ]);
    assert.equal(parallel.code, 0, parallel.stderr);
    assert.match(parallel.stdout, /Wrote 15 valid pairs of "rev" to .*valid\.src and .*valid\.tgt/);
    const sources = readFileSync(`${prefix}.src`, 'utf8').trimEnd().split('\n');
    const targets = readFileSync(`${prefix}.tgt`, 'utf8').trimEnd().split('\n');
    assert.equal(sources.length, 15);
    assert.deepEqual(
      targets,
      sources.map((s) => s.split(' ').reverse().join(' ')),
    );

    const file = path.join(dir, 'train.tsv');
    assert.equal((await runCli(['data', 'export', 'rev', '--split', 'train', '--out', file, '--db', db])).code, 0);
    const again = await runCli([
      'data',
      'import',
      file,
      '--format',
      'tatoeba',
      '--name',
      'rev2',
      '--valid',
      '0',
      '--test',
      '0',
      '--db',
      db,
      '--json',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).dataset.stats.pairs.train, 270);

    const missing = await runCli(['data', 'export', 'nope', '--db', db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /dataset "nope" does not exist/);
    const noPrefix = await runCli(['data', 'export', 'rev', '--format', 'parallel', '--db', db]);
    assert.equal(noPrefix.code, 2);
    assert.match(noPrefix.stderr, /--format parallel needs --out PREFIX/);
    const badSplit = await runCli(['data', 'export', 'rev', '--split', 'dev', '--db', db]);
    assert.match(badSplit.stderr, /--split must be one of train, valid, test, got "dev"/);
  });

  it('explains usage mistakes', async () => {
    const { db } = setup();
    const noFormat = await runCli(['data', 'import', 'x.tsv', '--name', 'x', '--db', db]);
    assert.equal(noFormat.code, 2);
    assert.match(noFormat.stderr, /missing --format/);
    const badGenerator = await runCli(['data', 'generate', 'nope', '--name', 'x', '--db', db]);
    assert.equal(badGenerator.code, 2);
    assert.match(badGenerator.stderr, /unknown generator "nope"/);
    const badFraction = await runCli([
      'data',
      'import',
      'x.tsv',
      '--format',
      'tsv',
      '--name',
      'x',
      '--valid',
      '2',
      '--db',
      db,
    ]);
    assert.equal(badFraction.code, 2);
    const missingFile = await runCli([
      'data',
      'import',
      '/nonexistent.tsv',
      '--format',
      'tsv',
      '--name',
      'x',
      '--db',
      db,
    ]);
    assert.equal(missingFile.code, 1);
    assert.match(missingFile.stderr, /corpus file \/nonexistent\.tsv does not exist/);
  });

  it('imports official dev and test files with --valid-files/--test-files (two each for parallel)', async () => {
    const { db, dir } = setup();
    const put = (name: string, n: number, word: string): string => {
      const file = path.join(dir, name);
      writeFileSync(file, Array.from({ length: n }, (_, i) => `${word} ${i}`).join('\n') + '\n');
      return file;
    };
    const args = [
      'data',
      'import',
      put('train.de', 30, 'haus'),
      '--tgt',
      put('train.en', 30, 'house'),
      '--format',
      'parallel',
      '--name',
      'official',
      '--valid-files',
      put('dev.de', 5, 'weg'),
      put('dev.en', 5, 'way'),
      '--test-files',
      put('test.de', 6, 'baum'),
      put('test.en', 6, 'tree'),
      '--db',
      db,
    ];
    const result = await runCli(args);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}valid {7}5 of 5 pairs of the given file kept as they are$/m);
    assert.match(result.stdout, /^ {2}test {8}6 of 6 pairs of the given file kept as they are$/m);
    const shown = JSON.parse((await runCli(['data', 'show', 'official', '--json', '--db', db])).stdout);
    assert.deepEqual(shown.stats.pairs, { train: 30, valid: 5, test: 6 });

    const one = await runCli([...args.slice(0, 7), '--name', 'x', '--test-files', put('t.de', 2, 'a'), '--db', db]);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /--test-files takes two files with --format parallel/);
    const both = await runCli([
      ...args.slice(0, 2),
      put('c.tsv', 3, 'a\tb'),
      '--format',
      'tatoeba',
      '--name',
      'y',
      '--test',
      '0.1',
      '--test-files',
      'x.tsv',
      '--db',
      db,
    ]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--test \(a fraction\) and --test-files \(given files\) cannot go together/);
  });
});
