/**
 * ONNX exports checked by ONNX Runtime itself (onnxruntime-node, an optional dependency): both graphs of every cell
 * × attention variant (and bidirectional, multi-layer, input-feeding and BPE models) against mtlab's own model,
 * step by step (log-probabilities and attention weights within TOLERANCE) and as greedy and beam translations
 * (token for token), through the CLI and the Node example the export carries. The tests that need ONNX Runtime
 * skip, saying why, where it cannot be loaded; the graph-structure and refusal tests run everywhere.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExportResult, ModelConfig, Translation } from '../../../engine/contract/api.js';
import { sourceBatch, stepsOf, type StepModel, type StepResult } from '../../../engine/decode/search.js';
import { loadOnnxExport, loadOnnxRuntime, type LoadedOnnxModel } from '../../../engine/decode/onnx-runtime.js';
import { exportRun } from '../../../engine/export/bundle.js';
import { buildOnnxGraphs, MAX_GRAPH_WEIGHT_BYTES, onnxExportProblem } from '../../../engine/export/onnx/export.js';
import type { OnnxManifest } from '../../../engine/export/onnx/format.js';
import { decodeModel } from '../../../engine/export/onnx/graph.js';
import { LabError } from '../../../engine/errors.js';
import type { Store } from '../../../engine/store/store.js';
import { loadRunModel, translateTexts, translateTextsAsync } from '../../../engine/translate.js';
import { type CliResult, runCli } from '../../helpers/cli.js';
import { repoRoot, tempDir } from '../../helpers/paths.js';
import { addEngFra, tinyRunConfig, tinyStore, trainTinyRun } from './tiny-runs.js';

/** Largest difference allowed between mtlab's and ONNX Runtime's log-probabilities and attention weights. */
const TOLERANCE = 1e-4;

const VARIANTS: Record<string, Partial<ModelConfig>> = {
  'rnn/none': { cell: 'rnn', attention: 'none' },
  'rnn/bahdanau': { cell: 'rnn', attention: 'bahdanau' },
  'rnn/luong': { cell: 'rnn', attention: 'luong', luongScore: 'general' },
  'gru/none': { cell: 'gru', attention: 'none' },
  'gru/bahdanau': { cell: 'gru', attention: 'bahdanau' },
  'gru/luong': { cell: 'gru', attention: 'luong', luongScore: 'dot' },
  'lstm/none': { cell: 'lstm', attention: 'none' },
  'lstm/bahdanau': { cell: 'lstm', attention: 'bahdanau' },
  'lstm/luong': { cell: 'lstm', attention: 'luong', luongScore: 'general' },
  // Bidirectional encoders (a bridge), several layers, Luong input feeding.
  'gru/bahdanau bidirectional 2 layers': { cell: 'gru', attention: 'bahdanau', bidirectional: true, layers: 2 },
  'lstm/luong input feeding bidirectional 2 layers': {
    cell: 'lstm',
    attention: 'luong',
    luongScore: 'general',
    inputFeeding: true,
    bidirectional: true,
    layers: 2,
  },
  'rnn/luong dot input feeding 3 layers': {
    cell: 'rnn',
    attention: 'luong',
    luongScore: 'dot',
    inputFeeding: true,
    layers: 3,
  },
  'lstm/none bidirectional': { cell: 'lstm', attention: 'none', bidirectional: true },
};
/** Trained on the imported eng-fra sample: BPE, lower-cased and ASCII-folded input. */
const BPE_VARIANT = 'gru/bahdanau bpe';

const COPY_TEXTS = ['a b c d e', 'f a', 'c c b a d f e a', 'b'];
const ENGFRA_TEXTS = ['I am cold.', 'Tom is à l’école!', 'we are here', 'Where are you?'];
const textsFor = (name: string): string[] => (name === BPE_VARIANT ? ENGFRA_TEXTS : COPY_TEXTS);

const ort = await loadOnnxRuntime();
const noRuntime =
  ort.ort === null ? `onnxruntime-node cannot be loaded here (${ort.reason}): the ONNX Runtime checks skip` : false;
if (noRuntime !== false) console.log(`# ${noRuntime}`);

function parsed(result: CliResult): unknown {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as unknown;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Tokens (and texts) of every candidate: what "token for token" compares. */
function outputs(translations: Translation[]): string[][][] {
  return translations.map((t) => t.candidates.map((c) => c.tokens));
}

function runNode(script: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('ONNX export', () => {
  let store: Store;
  let file: string;
  const runs = new Map<string, number>();
  const dirs = new Map<string, string>();
  let root: string;

  before(async () => {
    ({ store, file } = tinyStore());
    addEngFra(store);
    for (const [name, model] of Object.entries(VARIANTS)) {
      runs.set(name, await trainTinyRun(store, tinyRunConfig('copy', model), name));
    }
    runs.set(
      BPE_VARIANT,
      await trainTinyRun(store, tinyRunConfig('engfra-bpe', { cell: 'gru', attention: 'bahdanau' }, 3), BPE_VARIANT),
    );
    root = tempDir('mtlab-onnx-');
    for (const [name, runId] of runs) {
      // Folder names with spaces, as users' folders have.
      const dir = path.join(root, name.replaceAll('/', ' '));
      await exportRun(store, { runId, outDir: dir, format: 'onnx' });
      dirs.set(name, dir);
    }
  });

  after(() => store.close());

  it('writes both graphs, the manifest, the examples and the model card, with ONNX’s recurrent operators', () => {
    for (const [name, dir] of dirs) {
      assert.deepEqual(readdirSync(dir).sort(), [
        'README.md',
        'decoder_step.onnx',
        'encoder.onnx',
        'mtlab-onnx.json',
        'translate.mjs',
        'translate.py',
      ]);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'mtlab-onnx.json'), 'utf8')) as OnnxManifest;
      const cell = manifest.model.cell;
      const op = { rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' }[cell];
      for (const graph of ['encoder.onnx', 'decoder_step.onnx']) {
        const model = decodeModel(readFileSync(path.join(dir, graph)));
        const nodes = model.graph?.node ?? [];
        const ops = nodes.map((n) => n.opType ?? '');
        assert.equal(
          ops.filter((o) => o === op).length,
          manifest.model.layers,
          `${name} ${graph}: one ${op} per layer`,
        );
        assert.ok(!ops.some((o) => ['RNN', 'GRU', 'LSTM'].includes(o) && o !== op), name);
        if (cell === 'gru') {
          for (const node of nodes.filter((n) => n.opType === 'GRU')) {
            const reset = (node.attribute ?? []).find((a) => a.name === 'linear_before_reset');
            assert.equal(Number(reset?.i), 1, `${name}: PyTorch-style GRU`);
          }
        }
        assert.equal(Number(model.opsetImport[0]!.version), manifest.onnx.opset);
      }
      assert.deepEqual(manifest.search.state, [
        'state_h',
        ...(cell === 'lstm' ? ['state_c'] : []),
        ...(manifest.model.inputFeeding && manifest.model.attention === 'luong' ? ['state_feed'] : []),
      ]);
      assert.equal(manifest.search.memory.length, manifest.model.attention === 'none' ? 0 : 3);
      const card = readFileSync(path.join(dir, 'README.md'), 'utf8');
      assert.ok(
        card.includes(readFileSync(path.join(dir, 'translate.py'), 'utf8').trimEnd()),
        'the card shows translate.py',
      );
      assert.ok(
        card.includes(readFileSync(path.join(dir, 'translate.mjs'), 'utf8').trimEnd()),
        'the card shows translate.mjs',
      );
      assert.match(card, /## The graphs/);
    }
  });

  it('refuses what ONNX cannot hold, naming the setting', () => {
    const config = tinyRunConfig('copy', { hiddenSize: 4096 }).model;
    // A decoder with a 4096 × 200,000 output layer: 3.05 GiB, over protobuf's 2 GiB.
    const blob = { names: ['decoder.W_out'], shapes: [[4096, 200_000]], values: new Float32Array(0) };
    const problem = onnxExportProblem(config, blob);
    assert.equal(problem?.field, 'model.hiddenSize');
    assert.match(
      problem!.message,
      /decoder graph would hold 3\.05 GiB of weights, and an ONNX file holds at most 2 GiB/,
    );
    assert.match(problem!.message, /model\.hiddenSize \(4096\)/);
    assert.ok(4096 * 200_000 * 4 > MAX_GRAPH_WEIGHT_BYTES);
    assert.throws(
      () => buildOnnxGraphs(config, blob, { sourceVocab: 10, targetVocab: 200_000 }),
      (error: unknown) => error instanceof LabError && error.code === 'invalid-request' && /2 GiB/.test(error.message),
    );
    const future = { ...config, cell: 'transformer' } as unknown as ModelConfig;
    assert.match(
      onnxExportProblem(future, { names: [], shapes: [], values: new Float32Array(0) })!.message,
      /model\.cell "transformer" has no ONNX form/,
    );
  });

  it(
    `gives mtlab's log-probabilities and attention at every step (within ${TOLERANCE}), every variant`,
    { skip: noRuntime },
    async () => {
      const sources = [[4, 5, 6, 7, 8], [9, 4], [6, 6, 5, 4, 7, 9, 8, 4], [5]];
      for (const [name, runId] of runs) {
        const mtlab = await loadRunModel(store, runId);
        const onnx = await loadOnnxExport(dirs.get(name)!);
        try {
          const vocab = mtlab.vocabularies.target.size;
          const ids =
            name === BPE_VARIANT ? sources.map((s) => s.map((id) => id % mtlab.vocabularies.source.size)) : sources;
          const batch = sourceBatch(ids);
          // Both models driven alike, with beam-style row repetition (2 copies) and a reordering after step 2.
          const models = [stepsOf(mtlab.model), onnx.model] as StepModel<unknown>[];
          const states = await Promise.all(models.map((m) => m.start(batch, 2).later()));
          let previous = Int32Array.from({ length: batch.size * 2 }, () => 2);
          let worst = 0;
          for (let t = 0; t < 5; t++) {
            const steps = (await Promise.all(
              models.map((m, i) => m.step(states[i], previous).later()),
            )) as StepResult<unknown>[];
            worst = Math.max(worst, maxDifference(steps[0]!.logProbs, steps[1]!.logProbs));
            assert.equal(steps[0]!.attention === null, steps[1]!.attention === null, name);
            if (steps[0]!.attention !== null)
              worst = Math.max(worst, maxDifference(steps[0]!.attention, steps[1]!.attention!));
            models.forEach((m, i) => {
              m.release(states[i], steps[i]!.state);
              states[i] = steps[i]!.state;
            });
            if (t === 2) {
              const rows = Int32Array.from({ length: batch.size * 2 }, (_, r) => r - (r % 2) + ((r + 1) % 2));
              models.forEach((m, i) => {
                const selected = m.select(states[i], rows);
                m.release(states[i], selected);
                states[i] = selected;
              });
            }
            // Forced tokens: a different one per row and step, never <pad> or <sos>.
            previous = Int32Array.from(previous, (_, r) => 3 + ((r * 7 + t * 3) % (vocab - 3)));
          }
          models.forEach((m, i) => m.release(states[i], null));
          assert.ok(worst <= TOLERANCE, `${name}: mtlab and ONNX Runtime differ by ${worst}`);
          console.log(`# ${name}: largest difference ${worst.toExponential(1)}`);
        } finally {
          mtlab.model.dispose();
          await onnx.dispose();
        }
      }
    },
  );

  it('translates as mtlab does, greedy and beam, token for token, every variant', { skip: noRuntime }, async () => {
    for (const [name, runId] of runs) {
      const mtlab = await loadRunModel(store, runId);
      const onnx: LoadedOnnxModel = await loadOnnxExport(dirs.get(name)!);
      try {
        const texts = textsFor(name);
        for (const request of [
          { texts, strategy: 'greedy' as const },
          { texts, strategy: 'beam' as const, beamSize: 3 },
          { texts, strategy: 'beam' as const, beamSize: 5, lengthPenalty: 0.6 },
        ]) {
          const want = translateTexts(mtlab, request);
          const got = await translateTextsAsync(onnx, request);
          assert.deepEqual(outputs(got), outputs(want), `${name} ${request.strategy} ${request.beamSize ?? ''}`);
          assert.deepEqual(
            got.map((t) => t.candidates.map((c) => c.text)),
            want.map((t) => t.candidates.map((c) => c.text)),
          );
          got.forEach((t, i) =>
            t.candidates.forEach((c, j) => {
              assert.ok(Math.abs(c.score - want[i]!.candidates[j]!.score) <= 10 * TOLERANCE, `${name}: scores`);
              assert.equal(c.attention.length, want[i]!.candidates[j]!.attention.length);
            }),
          );
        }
      } finally {
        mtlab.model.dispose();
        await onnx.dispose();
      }
    }
  });

  it(
    'is a user command: mtlab export --format onnx, then mtlab translate --model DIR',
    { skip: noRuntime },
    async () => {
      const runId = runs.get('lstm/luong')!;
      const out = path.join(tempDir(), 'onnx');
      const exported = await runCli(['export', String(runId), '--format', 'onnx', '--out', out, '--db', file]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, new RegExp(`Exported run ${runId} \\(best checkpoint, step 2\\) to ${out}`));
      assert.match(
        exported.stdout,
        /mtlab-onnx\.json, encoder\.onnx, decoder_step\.onnx, translate\.py, translate\.mjs, README\.md/,
      );
      const again = await runCli(['export', String(runId), '--format', 'onnx', '--out', out, '--db', file]);
      assert.match(again.stderr, /is not empty .*--force/);
      const forced = parsed(
        await runCli(['export', String(runId), '--format', 'onnx', '--out', out, '--db', file, '--force', '--json']),
      ) as ExportResult;
      assert.deepEqual([...forced.files].sort(), readdirSync(out).sort());
      const input = COPY_TEXTS.join('\n') + '\n';
      const [greedy, beam, fromRun] = await Promise.all([
        runCli(['translate', '--model', out, '--json'], { input }),
        runCli(['translate', '--model', path.join(out, 'mtlab-onnx.json'), '--beam', '3', '--json'], { input }),
        runCli(['translate', '--run', String(runId), '--db', file, '--beam', '3', '--json'], { input }),
      ]);
      const mtlab = await loadRunModel(store, runId);
      try {
        assert.deepEqual(
          outputs(parsed(greedy) as Translation[]),
          outputs(translateTexts(mtlab, { texts: COPY_TEXTS, strategy: 'greedy' })),
        );
      } finally {
        mtlab.model.dispose();
      }
      assert.deepEqual(outputs(parsed(beam) as Translation[]), outputs(parsed(fromRun) as Translation[]));
      const bad = await runCli(['export', String(runId), '--format', 'savedmodel', '--out', tempDir(), '--db', file]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--format is tfjs or onnx/);
    },
  );

  it('refuses a damaged ONNX export, naming the file', { skip: noRuntime }, async () => {
    const dir = dirs.get('gru/none')!;
    const graph = path.join(dir, 'decoder_step.onnx');
    const original = readFileSync(graph);
    try {
      const bytes = Buffer.from(original);
      bytes[bytes.length - 5] ^= 0x01;
      writeFileSync(graph, bytes);
      const modified = await runCli(['translate', '--model', dir, 'a b']);
      assert.equal(modified.code, 1);
      assert.equal(modified.stdout, '');
      assert.match(modified.stderr, new RegExp(`ONNX graph ${graph} has been modified: its SHA-256 is`));
    } finally {
      writeFileSync(graph, original);
    }
    const off = await runCli(['translate', '--model', dir, 'a b'], { env: { MTLAB_ONNXRUNTIME: '0' } });
    assert.equal(off.code, 1);
    assert.match(
      off.stderr,
      /needs ONNX Runtime for Node \(onnxruntime-node.*MTLAB_ONNXRUNTIME=0 turns it off.*ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node/,
    );
  });

  it('carries a Node example that translates as mtlab does (greedy)', { skip: noRuntime }, async () => {
    // The example imports onnxruntime-node as a user's project would: from a node_modules beside the export.
    if (!existsSync(path.join(root, 'node_modules')))
      symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
    for (const name of ['gru/bahdanau', 'lstm/luong input feeding bidirectional 2 layers', BPE_VARIANT]) {
      const mtlab = await loadRunModel(store, runs.get(name)!);
      try {
        const texts = textsFor(name);
        const want = translateTexts(mtlab, { texts, strategy: 'greedy' }).map((t) => t.candidates[0]!.text);
        const got = await runNode(path.join(dirs.get(name)!, 'translate.mjs'), texts);
        assert.equal(got.code, 0, got.stderr);
        assert.deepEqual(got.stdout.split('\n').slice(0, -1), want, name);
      } finally {
        mtlab.model.dispose();
      }
    }
  });
});
