import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { currentKernelSet } from '../../engine/backend/kernel-set.js';
import { Store } from '../../engine/store/store.js';
import { runCli } from '../helpers/cli.js';
import { addTinyDataset, fixtureConfig } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/paths.js';

const tiny = [
  '--set',
  'model.embeddingSize=8',
  '--set',
  'model.hiddenSize=16',
  '--set',
  'model.attentionSize=8',
  '--set',
  'train.steps=12',
  '--set',
  'train.validateEvery=6',
  '--set',
  'train.validationPairs=8',
  '--set',
  'train.batchSize=8',
  '--set',
  'backend="wasm"',
];

describe('mtlab train, translate, experiment, compare', () => {
  const db = path.join(tempDir(), 'experiments.db');

  it('trains a preset on a generated dataset and reports the test metrics as JSON', async () => {
    const generated = await runCli(['data', 'generate', 'copy', '--name', 'copy', '--pairs', '80', '--db', db]);
    assert.equal(generated.code, 0, generated.stderr);
    const result = await runCli([
      'train',
      '--preset',
      'gru-bahdanau',
      '--dataset',
      'copy',
      ...tiny,
      '--json',
      '--db',
      db,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    assert.equal(summary.status, 'finished');
    assert.equal(summary.step, 12);
    for (const key of ['bleu', 'chrf', 'sequence_accuracy', 'perplexity']) assert.ok(key in summary.metrics, key);
    const shown = JSON.parse((await runCli(['show', String(summary.runId), '--json', '--db', db])).stdout);
    assert.equal(shown.status, 'finished');
    assert.equal(shown.backend, 'wasm');
    assert.equal(shown.config.model.cell, 'gru');
    assert.deepEqual(shown.checkpoints.map((c: { tag: string }) => c.tag).sort(), ['best', 'last']);
  });

  it('translates with a run, greedy and beam, from arguments and stdin', async () => {
    const greedy = await runCli(['translate', '--run', '1', '--db', db, '--json', '3 1 4']);
    assert.equal(greedy.code, 0, greedy.stderr);
    const [translation] = JSON.parse(greedy.stdout);
    assert.deepEqual(translation.sourceTokens, ['3', '1', '4', '<eos>']);
    const candidate = translation.candidates[0];
    assert.equal(candidate.attention.length, candidate.tokens.length * translation.sourceTokens.length);
    const beam = await runCli(['translate', '--run', '1', '--beam', '3', '--db', db], { input: '1 2\n3 4\n' });
    assert.equal(beam.code, 0, beam.stderr);
    assert.equal(beam.stdout.trim().split('\n').length, 6);
  });

  it('marks the words the model does not know and says how it normalised the input', async () => {
    // The copy task's vocabulary is digits and its text lower-case: "Zebra" is read as "zebra", an unknown word.
    const json = await runCli(['translate', '--run', '1', '--db', db, '--json', '3  Zebra 4'], {});
    assert.equal(json.code, 0, json.stderr);
    const [translation] = JSON.parse(json.stdout);
    assert.equal(translation.source, '3  Zebra 4');
    assert.equal(translation.normalized, '3 zebra 4');
    assert.deepEqual(translation.sourceTokens, ['3', 'zebra', '4', '<eos>']);
    assert.deepEqual(translation.unknownTokens, [1]);
    const known = JSON.parse((await runCli(['translate', '--run', '1', '--db', db, '--json', '3 4'])).stdout);
    assert.deepEqual(known[0].unknownTokens, []);
    // As text, the translation goes to stdout and the warning to stderr, so output lines stay aligned with input.
    const text = await runCli(['translate', '--run', '1', '--db', db], { input: '3 Zebra 4\n1 2\n' });
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout.trim().split('\n').length, 2);
    assert.match(text.stderr, /warning: not in the model's vocabulary, read as <unk>: "zebra" \(in "3 Zebra 4"\)/);
  });

  it('explains what is wrong with a config', async () => {
    const bad = await runCli(['train', '--preset', 'gru', '--set', 'model.cell=transformer', '--db', db]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /model\.cell must be one of "rnn", "gru", "lstm", got "transformer"/);
    const missing = await runCli(['train', '--preset', 'gru', '--dataset', 'nope', '--db', db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /there is no dataset "nope"/);
    const preset = await runCli(['train', '--preset', 'transformer', '--db', db]);
    assert.match(preset.stderr, /unknown preset "transformer"; presets: rnn, gru, lstm, gru-bahdanau, lstm-luong/);
  });

  it('creates the RNN vs GRU vs attention experiment, runs it and compares', async () => {
    const created = await runCli([
      'experiment',
      'create',
      '--preset',
      'rnn-gru-attention',
      '--dataset',
      'copy',
      ...tiny,
      '--json',
      '--db',
      db,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const experiment = JSON.parse(created.stdout);
    assert.equal(experiment.runIds.length, 3);
    // Every --set reaches every run, several in one section included.
    const first = JSON.parse((await runCli(['show', String(experiment.runIds[0]), '--json', '--db', db])).stdout);
    assert.equal(first.config.train.steps, 12);
    assert.equal(first.config.train.validateEvery, 6);
    assert.equal(first.config.model.hiddenSize, 16);
    const ran = await runCli(['experiment', 'run', String(experiment.id), '--parallel', '2', '--json', '--db', db]);
    assert.equal(ran.code, 0, ran.stderr);
    const comparison = JSON.parse(ran.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(
      comparison.runs.map((r: { run: { architecture: string } }) => r.run.architecture),
      ['gru + bahdanau', 'gru', 'rnn'],
    );
    assert.deepEqual(
      comparison.configDiff.map((d: { field: string }) => d.field),
      ['model.attention', 'model.cell'],
    );
    assert.ok(comparison.runs.every((r: { bleuByLength: unknown[] }) => r.bleuByLength.length > 0));
    const table = await runCli(['compare', String(experiment.id), '--db', db]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Config differences:/);
    assert.match(table.stdout, /Test BLEU by source length/);
  });

  it('records the kernel set a run trains with; `resume` on another one warns that the curve is no longer identical', async () => {
    const expected = currentKernelSet('wasm'); // what a worker of this machine loads (MTLAB_NATIVE_* alike)
    const shown = JSON.parse((await runCli(['show', '1', '--json', '--db', db])).stdout);
    assert.deepEqual(
      { backend: shown.kernelSet.backend, addon: shown.kernelSet.addon },
      {
        backend: 'wasm',
        addon: expected.addon,
      },
    );
    assert.ok(Number.isInteger(shown.kernelSet.threads) && shown.kernelSet.threads >= 1);
    const text = await runCli(['show', '1', '--db', db]);
    assert.match(text.stdout, /^ {2}kernels {7}wasm/m);
    assert.equal(shown.adapter, null, 'no GPU adapter on wasm');
    assert.doesNotMatch(text.stdout, /adapter/);
    // A run that trained on a GPU says which one.
    const gpu = Store.open(db);
    gpu.db.prepare(`UPDATE runs SET backend_adapter = ? WHERE id = 1`).run('nvidia · hopper · NVIDIA H100');
    gpu.close();
    const onGpu = await runCli(['show', '1', '--db', db]);
    assert.match(onGpu.stdout, /^ {2}adapter {7}nvidia · hopper · NVIDIA H100$/m);
    assert.equal(
      JSON.parse((await runCli(['show', '1', '--json', '--db', db])).stdout).adapter,
      'nvidia · hopper · NVIDIA H100',
    );
    const cleared = Store.open(db);
    cleared.db.prepare(`UPDATE runs SET backend_adapter = NULL WHERE id = 1`).run();
    cleared.close();
    // As if run 1 had trained on other kernels and been cancelled.
    const other = { backend: 'wasm', addon: expected.addon === 'portable' ? 'avx2' : 'portable', threads: 1 };
    const store = Store.open(db);
    store.db.prepare(`UPDATE runs SET kernel_set = ?, status = 'cancelled' WHERE id = 1`).run(JSON.stringify(other));
    store.close();
    const resumed = await runCli(['resume', '1', '--db', db, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stderr,
      new RegExp(
        `Warning: run 1 trained on wasm \\+ native ${other.addon}, 1 thread and resumes on wasm.*no longer be bit-identical`,
      ),
    );
    assert.equal(resumed.stderr.match(/Warning:/g)!.length, 1, 'said once');
    // Resumed on the kernels it now records: no warning.
    const again = Store.open(db);
    again.db.prepare(`UPDATE runs SET status = 'cancelled' WHERE id = 1`).run();
    again.close();
    const same = await runCli(['resume', '1', '--db', db, '--json']);
    assert.equal(same.code, 0, same.stderr);
    assert.doesNotMatch(same.stderr, /Warning/);
  });
});

describe('mtlab gradients', () => {
  it("prints a run's gradient flow at its latest validation, or at --step, and all of it with --json", async () => {
    const db = path.join(tempDir(), 'experiments.db');
    const store = Store.open(db);
    addTinyDataset(store);
    const runId = store.createRun({ name: 'r', config: fixtureConfig('tiny'), experimentId: null, totalSteps: 10 });
    const none = await runCli(['gradients', String(runId), '--db', db]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /no gradient flow recorded yet/);
    const flow = (scale: number) => ({
      encoder: [0.01 * scale, 0.1 * scale, 1 * scale],
      decoder: [0.5, 0.4],
      encoderRatio: [0.1, 0.1],
      sentences: 4,
      sourceLength: 3,
    });
    store.saveGradientFlow(runId, 5, flow(1));
    store.saveGradientFlow(runId, 10, flow(2));
    store.close();
    const latest = await runCli(['gradients', String(runId), '--db', db]);
    assert.equal(latest.code, 0, latest.stderr);
    assert.match(latest.stdout, /^Gradient flow at step 10: 4 validation sentences of 3 source tokens/m);
    assert.match(latest.stdout, /^ {2}h {2}3 +2\.000000 +█+$/m);
    assert.match(latest.stdout, /first \/ last encoder position: 0\.0100/);
    const early = await runCli(['gradients', String(runId), '--step', '5', '--db', db]);
    assert.match(early.stdout, /at step 5:/);
    const missing = await runCli(['gradients', String(runId), '--step', '7', '--db', db]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no gradient flow at step 7; steps: 5, 10/);
    const json = JSON.parse((await runCli(['gradients', String(runId), '--json', '--db', db])).stdout);
    assert.deepEqual(
      json.map((r: { step: number }) => r.step),
      [5, 10],
    );
  });
});
