/**
 * Hostile inputs: a corpus with one enormous line (a 190,000-word line once made a run train for ever at 4 GB).
 * Import caps a sentence's length (options.maxChars, default 1,000 characters): the pair is dropped, counted,
 * and listed with its file and line; the rest is imported.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MAX_CHARS } from '../../engine/data/import.js';
import { LabError } from '../../engine/errors.js';
import { Lab } from '../../engine/lab.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';
import { writeFileSync } from 'node:fs';

const pairs = Array.from({ length: 30 }, (_, i) => `the cat ${i}\tle chat ${i}`);
const huge = Array.from({ length: 400 }, () => 'word').join(' '); // 1,999 characters
const corpus = [...pairs.slice(0, 10), `${huge}\tun mot`, ...pairs.slice(10), `short\t${huge}`].join('\n') + '\n';

describe('hostile: very long sentences at import', () => {
  let lab: Lab;
  before(() => {
    lab = Lab.open(path.join(tempDir(), 'experiments.db'));
  });
  after(async () => {
    await lab.close();
  });

  it('drops pairs with a side over the cap and lists them with file and line', async () => {
    const result = await lab.importDataset({
      name: 'long',
      format: 'tatoeba',
      source: { fileName: 'long.tsv', content: corpus },
    });
    assert.ok(huge.length > DEFAULT_MAX_CHARS);
    assert.equal(result.counts.read, 32);
    assert.equal(result.counts.kept, 30);
    assert.equal(result.counts.filtered, 2);
    assert.deepEqual(
      result.tooLong?.map((p) => [p.file, p.line]),
      [
        ['long.tsv', 11],
        ['long.tsv', 32],
      ],
    );
    assert.match(
      result.tooLong![0]!.reason,
      new RegExp(`${huge.length} characters, over the limit of ${DEFAULT_MAX_CHARS}`),
    );
    assert.equal(result.dataset.options.maxChars, DEFAULT_MAX_CHARS);
  });

  it('takes another cap, or none, and refuses a bad one naming the field', async () => {
    const none = await lab.importDataset({
      name: 'long-kept',
      format: 'tatoeba',
      source: { fileName: 'long.tsv', content: corpus },
      options: { maxChars: 0 },
    });
    assert.equal(none.counts.kept, 32);
    assert.equal(none.tooLong, undefined);
    const tight = await lab.importDataset({
      name: 'long-tight',
      format: 'tatoeba',
      source: { fileName: 'long.tsv', content: corpus },
      options: { maxChars: 9 },
    });
    assert.equal(tight.counts.kept, 10, 'only "the cat N" with one digit fits in 9 characters');
    await assert.rejects(
      lab.importDataset({
        name: 'bad',
        format: 'tatoeba',
        source: { fileName: 'long.tsv', content: corpus },
        options: { maxChars: -1 },
      }),
      (error: unknown) => error instanceof LabError && /options\.maxChars/.test(error.message),
    );
  });

  it('mtlab data import reports the dropped lines', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'long.tsv');
    writeFileSync(file, corpus);
    const result = await runCli([
      'data',
      'import',
      file,
      '--format',
      'tatoeba',
      '--name',
      'long',
      '--db',
      path.join(dir, 'x.db'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /2 longer than 1000 characters \(\S*long\.tsv line 11, \S*long\.tsv line 32\)/);
  });
});
