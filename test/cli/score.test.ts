import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { fixture, tempDir } from '../helpers/paths.js';

interface MetricVector {
  hyps: string[];
  refs: string[][];
  sacrebleu: number;
}
const vectors = (JSON.parse(readFileSync(fixture('metric-vectors.json'), 'utf8')) as { vectors: MetricVector[] })
  .vectors;
// sacrebleu's README example: 3 hypotheses, 2 reference streams.
const example = vectors[0]!;

function write(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

function exampleFiles(): { hyp: string; ref1: string; ref2: string; dir: string } {
  const dir = tempDir();
  return {
    dir,
    hyp: write(dir, 'hyp.txt', example.hyps.join('\n') + '\n'),
    ref1: write(dir, 'ref1.txt', example.refs[0]!.join('\n') + '\n'),
    // No final newline, Windows line ends: both read as sacrebleu reads them.
    ref2: write(dir, 'ref2.txt', example.refs[1]!.join('\r\n')),
  };
}

describe('mtlab score', () => {
  it('prints BLEU as sacrebleu does, from --hyp or stdin', async () => {
    const { hyp, ref1, ref2 } = exampleFiles();
    const fromFile = await runCli(['score', '--metric', 'bleu', '--ref', ref1, '--ref', ref2, '--hyp', hyp]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(
      fromFile.stdout,
      'BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|impl:mtlab|version:2.6.0 = 48.5 82.4/50.0/45.5/37.5 ' +
        '(BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n',
    );
    const fromStdin = await runCli(['score', '--ref', ref1, '--ref', ref2, '--json'], {
      input: example.hyps.join('\n') + '\n',
    });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const json = JSON.parse(fromStdin.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).slice(0, 3), ['metric', 'score', 'signature']);
    assert.equal(json.metric, 'bleu');
    assert.equal(json.score, example.sacrebleu); // unrounded, to the last bit
    assert.equal(json.signature, 'nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|impl:mtlab|version:2.6.0');
    assert.equal(fromStdin.stdout.trim().split('\n').length, 1);
  });

  it('takes the tokenizer, lower-casing and smoothing of BLEU', async () => {
    const { hyp, ref1 } = exampleFiles();
    const run = async (...extra: string[]): Promise<{ score: number; signature: string }> => {
      const result = await runCli(['score', '--ref', ref1, '--hyp', hyp, '--json', ...extra]);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as { score: number; signature: string };
    };
    assert.match((await run('--tokenize', 'intl')).signature, /\|tok:intl\|/);
    assert.match((await run('--tokenize', 'none', '--lowercase')).signature, /case:lc\|eff:no\|tok:none/);
    assert.match((await run('--smooth-method', 'floor', '--smooth-value', '0.2')).signature, /smooth:floor\[0\.20\]/);
  });

  it('prints chrF and chrF++', async () => {
    const { hyp, ref1, ref2 } = exampleFiles();
    const chrf = await runCli(['score', '--metric', 'chrf', '--ref', ref1, '--ref', ref2, '--hyp', hyp, '--json']);
    assert.equal(chrf.code, 0, chrf.stderr);
    const json = JSON.parse(chrf.stdout) as { score: number; signature: string };
    assert.ok(Math.abs(json.score - 59.727518) < 1e-6); // vector 15, computed with sacrebleu 2.6.0
    assert.equal(json.signature, 'nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|impl:mtlab|version:2.6.0');
    const plus = await runCli(['score', '--metric', 'chrf', '--chrf-word-order', '2', '--ref', ref1, '--hyp', hyp]);
    assert.equal(plus.code, 0, plus.stderr);
    assert.match(
      plus.stdout,
      /^chrF2\+\+\|nrefs:1\|case:mixed\|eff:yes\|nc:6\|nw:2\|space:no\|impl:mtlab\|version:2\.6\.0 = \d+\.\d\n$/,
    );
  });

  it('names the file and line of bad input', async () => {
    const { dir, hyp, ref1 } = exampleFiles();
    const short = write(dir, 'short.txt', 'one line\n');
    const mismatch = await runCli(['score', '--ref', short, '--hyp', hyp]);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /short\.txt has 1 lines but .*hyp\.txt has 3: line 2 of .*hyp\.txt has no partner/);

    const missing = await runCli(['score', '--ref', path.join(dir, 'nope.txt'), '--hyp', hyp]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /reference file .*nope\.txt does not exist/);

    const invalid = write(dir, 'latin1.txt', Buffer.from('fine\nfine\ncaf\xe9\n', 'latin1'));
    const badUtf8 = await runCli(['score', '--ref', ref1, '--hyp', invalid]);
    assert.equal(badUtf8.code, 1);
    assert.match(badUtf8.stderr, /latin1\.txt: line 3 is not valid UTF-8/);

    const noInput = await runCli(['score', '--ref', ref1], { input: '' });
    assert.equal(noInput.code, 1);
    assert.match(noInput.stderr, /stdin .* is empty/);
    const emptyRef = await runCli(['score', '--ref', write(dir, 'empty.txt', ''), '--hyp', hyp]);
    assert.match(emptyRef.stderr, /reference file .*empty\.txt is empty/);
  });

  it('rejects bad usage with the usage line', async () => {
    const { hyp, ref1 } = exampleFiles();
    const usages = [
      ['--hyp', hyp],
      ['--ref', ref1, '--hyp', hyp, '--metric', 'ter'],
      ['--ref', ref1, '--hyp', hyp, '--tokenize', 'moses'],
      ['--ref', ref1, '--hyp', hyp, '--metric', 'chrf', '--tokenize', 'intl'],
      ['--ref', ref1, '--hyp', hyp, '--chrf-word-order', '2'],
      ['--ref', ref1, '--hyp', hyp, '--smooth-value', 'lots'],
    ];
    const results = await Promise.all(usages.map((args) => runCli(['score', ...args])));
    results.forEach((result, i) => {
      assert.equal(result.code, 2, usages[i]!.join(' '));
      assert.match(result.stderr, /Usage: mtlab score/);
    });
  });
});
