/**
 * Hostile inputs: translation requests that are too big, or blank. Too long a text, too many tokens in one
 * request, too wide a beam: refused with the numbers, the same way from the lab (HTTP, desktop) and the CLI. Blank
 * lines translate to blank lines, so output lines stay aligned with input lines, and "" is not given to the model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_BEAM_SIZE, MAX_INPUT_TOKENS, MAX_REQUEST_TOKENS } from '../../engine/decode/limits.js';
import { LabError } from '../../engine/errors.js';
import { Lab } from '../../engine/lab.js';
import { runCli } from '../helpers/cli.js';
import { tinyRunConfig, tinyStore, trainTinyRun } from '../engine/export/tiny-runs.js';

describe('hostile: translation limits and blank lines', () => {
  let lab: Lab;
  let file: string;
  let runId: number;

  before(async () => {
    const tiny = tinyStore();
    file = tiny.file;
    runId = await trainTinyRun(tiny.store, tinyRunConfig('copy', { attention: 'bahdanau' }));
    lab = new Lab(tiny.store);
  });

  after(async () => {
    await lab.close();
  });

  const refused = (pattern: RegExp, field: string) => (error: unknown) => {
    assert.ok(error instanceof LabError, String(error));
    assert.equal(error.code, 'invalid-request');
    assert.equal(error.detail?.field, field);
    assert.match(error.message, pattern);
    return true;
  };

  it('refuses a text over the token limit, naming the text and the numbers', async () => {
    const long = Array.from({ length: MAX_INPUT_TOKENS + 1 }, (_, i) => String(i % 10)).join(' ');
    await assert.rejects(
      lab.translate({ runId, texts: ['1 2', long], strategy: 'beam', beamSize: 2 }),
      refused(new RegExp(`text 2 of 2 has ${MAX_INPUT_TOKENS + 1} tokens; at most ${MAX_INPUT_TOKENS}`), 'texts'),
    );
  });

  it('refuses a request whose texts together are over the limit', async () => {
    const sentence = Array.from({ length: MAX_INPUT_TOKENS }, () => '3').join(' ');
    const texts = Array.from({ length: Math.ceil(MAX_REQUEST_TOKENS / MAX_INPUT_TOKENS) + 1 }, () => sentence);
    await assert.rejects(
      lab.translate({ runId, texts }),
      refused(
        new RegExp(`have ${texts.length * MAX_INPUT_TOKENS} tokens together; at most ${MAX_REQUEST_TOKENS}`),
        'texts',
      ),
    );
  });

  it('refuses a beam wider than the limit', async () => {
    await assert.rejects(
      lab.translate({ runId, texts: ['1 2'], strategy: 'beam', beamSize: MAX_BEAM_SIZE + 1 }),
      refused(new RegExp(`from 1 to ${MAX_BEAM_SIZE}, got ${MAX_BEAM_SIZE + 1}`), 'beamSize'),
    );
  });

  it('translates blank texts to blank texts, in place', async () => {
    const texts = ['1 2', '', '   ', '3 4'];
    for (const strategy of ['greedy', 'beam'] as const) {
      const out = await lab.translate({ runId, texts, strategy, beamSize: 2 });
      assert.deepEqual(
        out.map((t) => t.source),
        texts,
      );
      for (const blank of [out[1]!, out[2]!]) {
        assert.deepEqual(blank.sourceTokens, []);
        assert.deepEqual(blank.candidates, [{ tokens: [], text: '', score: 0, logProb: 0, attention: [] }]);
      }
      for (const full of [out[0]!, out[3]!]) assert.equal(full.sourceTokens.at(-1), '<eos>');
      // The non-blank texts translate as they do alone.
      const alone = await lab.translate({ runId, texts: ['1 2', '3 4'], strategy, beamSize: 2 });
      assert.deepEqual([out[0], out[3]], alone);
    }
  });

  it('mtlab translate keeps blank stdin lines and has the same limits', async () => {
    const piped = await runCli(['translate', '--run', String(runId), '--db', file], { input: '1 2\n\n3 4\n\n' });
    assert.equal(piped.code, 0, piped.stderr);
    const lines = piped.stdout.split('\n');
    assert.equal(lines.length, 5, JSON.stringify(piped.stdout));
    assert.equal(lines[1], '');
    assert.equal(lines[3], '');
    assert.notEqual(lines[0], '');
    const wide = await runCli([
      'translate',
      '--run',
      String(runId),
      '--db',
      file,
      '--beam',
      String(MAX_BEAM_SIZE + 1),
      '1',
    ]);
    assert.equal(wide.code, 2);
    assert.match(wide.stderr, new RegExp(`--beam must be from 1 to ${MAX_BEAM_SIZE}`));
    const long = Array.from({ length: MAX_INPUT_TOKENS + 5 }, () => '7').join(' ');
    const tooLong = await runCli(['translate', '--run', String(runId), '--db', file], { input: `1\n${long}\n` });
    assert.equal(tooLong.code, 1);
    assert.match(tooLong.stderr, new RegExp(`text 2 of 2 has ${MAX_INPUT_TOKENS + 5} tokens`));
    assert.doesNotMatch(tooLong.stderr, /unexpected error/);
  });
});
