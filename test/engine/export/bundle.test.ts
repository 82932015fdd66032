import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Translation } from '../../../engine/contract/api.js';
import { LabError } from '../../../engine/errors.js';
import { exportRun, loadBundle } from '../../../engine/export/bundle.js';
import { BUNDLE_FORMAT_VERSION, type BundleManifest, SHARD_BYTES } from '../../../engine/export/format.js';
import { loadBundleFromFiles, loadBundleFromUrl } from '../../../engine/export/runtime.js';
import { Lab } from '../../../engine/lab.js';
import { Seq2Seq } from '../../../engine/model/seq2seq.js';
import type { Store } from '../../../engine/store/store.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../../engine/train/checkpoint.js';
import { type LoadedModel, loadRunModel, translateTexts } from '../../../engine/translate.js';
import { tempDir } from '../../helpers/paths.js';
import { addEngFra, tinyRunConfig, tinyStore, trainTinyRun } from './tiny-runs.js';

const TEXTS = ['a b c d', 'e f', 'b b a c e f a'];

function translateBoth(loaded: LoadedModel, texts = TEXTS): { greedy: Translation[]; beam: Translation[] } {
  return {
    greedy: translateTexts(loaded, { texts, strategy: 'greedy' }),
    beam: translateTexts(loaded, { texts, strategy: 'beam', beamSize: 3 }),
  };
}

function readManifest(dir: string): BundleManifest {
  return JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as BundleManifest;
}

/** A copy of the bundle with one thing changed. */
function corrupted(source: string, change: (dir: string) => void): string {
  const dir = path.join(tempDir('mtlab-bad-bundle-'), 'bundle');
  cpSync(source, dir, { recursive: true });
  change(dir);
  return dir;
}

function editManifest(dir: string, edit: (m: Record<string, unknown> & BundleManifest) => void): void {
  const manifest = readManifest(dir) as Record<string, unknown> & BundleManifest;
  edit(manifest);
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(manifest));
}

async function rejectsWith(dir: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadBundle(dir), (error: unknown) => {
    assert.ok(error instanceof LabError, `not a LabError: ${String(error)}`);
    assert.equal(error.code, 'bundle');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('model bundles', () => {
  let store: Store;
  let runId: number;
  let bundle: string;

  before(async () => {
    ({ store } = tinyStore());
    // Four steps, validated every two: a best and a last checkpoint.
    runId = await trainTinyRun(store, tinyRunConfig('copy', { cell: 'gru', attention: 'bahdanau' }, 4), 'gru-att');
    bundle = path.join(tempDir('mtlab-bundle-'), 'gru-att');
    await exportRun(store, { runId, outDir: bundle });
  });

  after(() => store.close());

  it('writes a self-describing folder, says what it wrote, and records the export', async () => {
    const out = path.join(tempDir(), 'fresh', 'nested');
    const result = await exportRun(store, { runId, outDir: out });
    assert.equal(result.path, out);
    assert.deepEqual([...result.files].sort(), ['README.md', 'group1-shard1of1.bin', 'model.json']);
    assert.deepEqual(readdirSync(out).sort(), [...result.files].sort());
    assert.equal(
      result.bytes,
      result.files.reduce((n, f) => n + statSync(path.join(out, f)).size, 0),
    );

    const m = readManifest(out);
    const run = store.getRun(runId);
    const best = store.listCheckpoints(runId).find((c) => c.tag === 'best')!;
    assert.equal(m.format, 'mtlab-model');
    assert.equal(m.formatVersion, BUNDLE_FORMAT_VERSION);
    assert.equal(m.backend, 'cpu');
    assert.equal(m.tfjsVersion, tf.version_core);
    assert.match(m.mtlabVersion, /^\d+\.\d+\.\d+/);
    assert.ok(!Number.isNaN(Date.parse(m.createdAt)));
    assert.deepEqual(m.run, {
      id: runId,
      name: 'gru-att',
      experimentId: null,
      architecture: 'gru + bahdanau',
      config: run.config,
    });
    assert.deepEqual(m.model, run.config.model);
    assert.deepEqual(m.decode, run.config.decode);
    assert.equal(m.checkpoint.tag, 'best');
    assert.equal(m.checkpoint.step, best.step);
    assert.deepEqual(m.checkpoint.metrics, best.metrics);
    assert.ok(m.checkpoint.tokensSeen > 0);
    assert.deepEqual(m.normalization, { preset: 'none', lowercase: true, asciiFold: false });
    assert.deepEqual(m.tokenizers, { source: { kind: 'word' }, target: { kind: 'word' } });
    const dataset = store.getDataset('copy');
    assert.deepEqual(m.data, {
      dataset: 'copy',
      kind: 'generated',
      tokenizer: 'word',
      source: dataset.source,
      options: dataset.options,
      stats: dataset.stats,
      minFreq: 1,
      maxVocab: 0,
      maxLength: 0,
    });
    const checkpoint = decodeCheckpoint(store.loadCheckpoint(runId, 'best')!.state);
    assert.deepEqual(m.vocabularies, checkpoint.vocab);
    assert.equal(m.parameterCount, checkpoint.parameters.values.length);
    // The test evaluation was made with the best checkpoint, so the bundle carries it, BLEU by length included.
    const summary = store.runSummary(runId)!;
    assert.deepEqual(m.evaluation, { split: 'test', metrics: summary.metrics, bleuByLength: summary.bleuByLength });

    // Weights: TensorFlow.js's manifest, with each file's size and SHA-256.
    assert.equal(m.weightsManifest.length, 1);
    assert.deepEqual(m.weightsManifest[0]!.paths, ['group1-shard1of1.bin']);
    assert.deepEqual(
      m.weightsManifest[0]!.weights,
      checkpoint.parameters.names.map((name, i) => ({
        name,
        shape: checkpoint.parameters.shapes[i],
        dtype: 'float32',
      })),
    );
    const shard = readFileSync(path.join(out, 'group1-shard1of1.bin'));
    assert.deepEqual(m.weightFiles, [
      {
        path: 'group1-shard1of1.bin',
        bytes: shard.length,
        sha256: createHash('sha256').update(shard).digest('hex'),
      },
    ]);
    // TensorFlow.js itself reads the weights.
    const copy = new Uint8Array(shard).buffer;
    const decoded = tf.io.decodeWeights(copy, m.weightsManifest[0]!.weights);
    let offset = 0;
    checkpoint.parameters.names.forEach((name) => {
      const values = decoded[name]!.dataSync() as Float32Array;
      assert.deepEqual(values, checkpoint.parameters.values.slice(offset, offset + values.length));
      offset += values.length;
    });
    tf.dispose(Object.values(decoded));

    const card = readFileSync(path.join(out, 'README.md'), 'utf8');
    assert.match(card, /^# gru-att \(mtlab run \d+\)/);
    assert.match(card, /GRU encoder-decoder, with additive attention \(Bahdanau/);
    assert.match(card, /Dataset `copy`, generated by mtlab from a copy task/);
    assert.match(card, new RegExp(`Steps \\| ${best.step} of 4 planned`));
    assert.match(card, /BLEU by source length/);
    assert.match(card, /## Intended use and limits/);
    assert.match(card, /mtlab translate --model/);
    assert.match(card, /loadBundleFromUrl/);
    assert.ok(card.includes(m.weightFiles[0]!.sha256));

    const recorded = store.db.prepare('SELECT * FROM exports WHERE path = ?').get(out) as {
      run_id: number;
      checkpoint: string;
      step: number;
      manifest: string;
    };
    assert.equal(recorded.run_id, runId);
    assert.equal(recorded.checkpoint, 'best');
    assert.equal(recorded.step, best.step);
    assert.equal((JSON.parse(recorded.manifest) as BundleManifest).weightFiles[0]!.sha256, m.weightFiles[0]!.sha256);
  });

  it('translates exactly as the run does: tokens, scores and attention, greedy and beam', async () => {
    const fromRun = await loadRunModel(store, runId, 'best');
    const fromBundle = await loadBundle(bundle);
    try {
      const expected = translateBoth(fromRun);
      assert.deepEqual(translateBoth(fromBundle), expected);
      assert.ok(expected.greedy[0]!.candidates[0]!.attention.length > 0);
      assert.equal(expected.beam[0]!.candidates.length, 3);
      assert.match(fromBundle.origin, /run \d+, best checkpoint, step 4/);
    } finally {
      fromRun.model.dispose();
      fromBundle.model.dispose();
    }
  });

  it('exports the last checkpoint when asked', async () => {
    const out = path.join(tempDir(), 'last');
    await exportRun(store, { runId, outDir: out, checkpoint: 'last' });
    const m = readManifest(out);
    assert.equal(m.checkpoint.tag, 'last');
    assert.equal(m.checkpoint.step, store.listCheckpoints(runId).find((c) => c.tag === 'last')!.step);
    const fromRun = await loadRunModel(store, runId, 'last');
    const fromBundle = await loadBundle(path.join(out, 'model.json'));
    try {
      assert.deepEqual(translateBoth(fromBundle), translateBoth(fromRun));
    } finally {
      fromRun.model.dispose();
      fromBundle.model.dispose();
    }
  });

  it('refuses a folder with files in it unless forced; forcing replaces only an earlier bundle', async () => {
    const out = tempDir();
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    writeFileSync(path.join(out, 'group1-shard2of2.bin'), 'stale shard of an earlier export');
    await assert.rejects(exportRun(store, { runId, outDir: out }), (error: unknown) => {
      assert.ok(error instanceof LabError);
      assert.equal(error.code, 'conflict');
      assert.ok(error.message.includes(out));
      assert.match(error.message, /not empty.*--force/);
      return true;
    });
    assert.equal(existsSync(path.join(out, 'model.json')), false);
    await exportRun(store, { runId, outDir: out, force: true });
    assert.deepEqual(readdirSync(out).sort(), ['README.md', 'group1-shard1of1.bin', 'model.json', 'notes.txt']);
    const file = path.join(out, 'notes.txt');
    await assert.rejects(exportRun(store, { runId, outDir: file, force: true }), /not a folder/);
  });

  it('says what is wrong with a request', async () => {
    await assert.rejects(exportRun(store, { runId: 999, outDir: tempDir() }), { code: 'not-found' });
    await assert.rejects(exportRun(store, { runId, outDir: ' ' }), { code: 'invalid-request' });
    await assert.rejects(
      exportRun(store, { runId, outDir: tempDir(), checkpoint: 'newest' as 'best' }),
      /checkpoint is "best" or "last"/,
    );
    const fresh = store.createRun({ name: 'new', config: tinyRunConfig('copy'), experimentId: null, totalSteps: 0 });
    await assert.rejects(exportRun(store, { runId: fresh, outDir: tempDir() }), /has no last checkpoint yet/);
  });

  it('goes through the Lab: exportModel returns {path, files, bytes}, translate takes a bundlePath', async () => {
    const lab = new Lab(store);
    const out = path.join(tempDir(), 'via-lab');
    const result = await lab.exportModel({ runId, outDir: out });
    assert.deepEqual(Object.keys(result).sort(), ['bytes', 'files', 'path']);
    const viaBundle = await lab.translate({ bundlePath: out, texts: TEXTS, strategy: 'beam', beamSize: 2 });
    const viaRun = await lab.translate({ runId, texts: TEXTS, strategy: 'beam', beamSize: 2 });
    assert.deepEqual(viaBundle, viaRun);
  });

  it('splits weights over 4 MB into TensorFlow.js shards and loads them back', async () => {
    // No training needed: a wide model's initial weights saved as the run's checkpoint.
    const config = tinyRunConfig('copy', { cell: 'gru', attention: 'none', hiddenSize: 512, embeddingSize: 16 });
    const id = store.createRun({ name: 'wide', config, experimentId: null, totalSteps: 0 });
    const vocab = decodeCheckpoint(store.loadCheckpoint(runId, 'best')!.state).vocab;
    const model = new Seq2Seq(config.model, vocab.source.tokens.length, vocab.target.tokens.length, 7);
    const parameters = model.params.serialize();
    model.dispose();
    const trainer = decodeCheckpoint(store.loadCheckpoint(runId, 'best')!.state).trainer;
    store.saveCheckpoint(
      id,
      'last',
      0,
      {},
      encodeCheckpoint({
        model: config.model,
        vocab,
        parameters,
        optimizer: { kind: 'adam', step: 0, slots: [] },
        trainer,
      }),
    );
    const out = path.join(tempDir(), 'wide');
    const result = await exportRun(store, { runId: id, outDir: out });
    const m = readManifest(out);
    const shards = m.weightsManifest[0]!.paths;
    const count = Math.ceil((parameters.values.length * 4) / SHARD_BYTES);
    assert.ok(count >= 2, `${parameters.values.length} parameters fit one shard`);
    assert.deepEqual(
      shards,
      Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`),
    );
    for (const [i, shard] of shards.entries()) {
      const size = statSync(path.join(out, shard)).size;
      assert.equal(size, i < count - 1 ? SHARD_BYTES : parameters.values.length * 4 - SHARD_BYTES * (count - 1));
      assert.equal(m.weightFiles[i]!.bytes, size);
    }
    assert.equal(m.evaluation, null);
    assert.ok(result.files.includes(shards[1]!));
    const fromRun = await loadRunModel(store, id, 'last');
    const fromBundle = await loadBundle(out);
    try {
      assert.deepEqual(translateBoth(fromBundle, ['a b']), translateBoth(fromRun, ['a b']));
    } finally {
      fromRun.model.dispose();
      fromBundle.model.dispose();
    }
  });

  it('carries BPE merges and the input normalisation of an imported dataset', async () => {
    addEngFra(store);
    const id = await trainTinyRun(store, tinyRunConfig('engfra-bpe', { cell: 'lstm', attention: 'luong' }));
    const out = path.join(tempDir(), 'engfra');
    await exportRun(store, { runId: id, outDir: out });
    const m = readManifest(out);
    assert.deepEqual(m.normalization, { preset: 'none', lowercase: true, asciiFold: true });
    assert.equal(m.tokenizers.source.kind, 'bpe');
    assert.ok(m.tokenizers.source.kind === 'bpe' && m.tokenizers.source.merges.length > 0);
    assert.equal(m.data.kind, 'imported');
    assert.match(readFileSync(path.join(out, 'README.md'), 'utf8'), /imported from `eng-fra-head.tsv`/);
    const texts = ['I am VERY tired.', 'Élise is here!'];
    const fromRun = await loadRunModel(store, id);
    const fromBundle = await loadBundle(out);
    try {
      const expected = translateBoth(fromRun, texts);
      assert.deepEqual(translateBoth(fromBundle, texts), expected);
      assert.match(
        expected.greedy[1]!.sourceTokens.join('').replace(/[\u2581\u00b7]/g, ''),
        /^elise/,
        'the input is lower-cased and folded',
      );
    } finally {
      fromRun.model.dispose();
      fromBundle.model.dispose();
    }
  });

  describe('a damaged or foreign bundle gets an error naming the file, never a translation', () => {
    const shard = 'group1-shard1of1.bin';

    it('a bundle from a newer format version', async () => {
      const dir = corrupted(bundle, (d) => editManifest(d, (m) => (m.formatVersion = BUNDLE_FORMAT_VERSION + 1)));
      await rejectsWith(dir, /model\.json was written by mtlab [\d.]+ in bundle format version 2; .*update mtlab/);
    });

    it('a missing shard', async () => {
      const dir = corrupted(bundle, (d) => unlinkSync(path.join(d, shard)));
      await rejectsWith(dir, new RegExp(`missing weights file .*${shard} \\(listed in .*model\\.json\\)`));
    });

    it('a truncated shard', async () => {
      const dir = corrupted(bundle, (d) => truncateSync(path.join(d, shard), 100));
      await rejectsWith(dir, new RegExp(`weights file .*${shard} is truncated: it has 100 bytes, .*model\\.json says`));
    });

    it('a shard with bytes added', async () => {
      const dir = corrupted(bundle, (d) => writeFileSync(path.join(d, shard), Buffer.alloc(8), { flag: 'a' }));
      await rejectsWith(dir, new RegExp(`${shard} is longer than written`));
    });

    it('a tampered shard (same size, other bytes)', async () => {
      const dir = corrupted(bundle, (d) => {
        const file = path.join(d, shard);
        const bytes = readFileSync(file);
        bytes[bytes.length - 2] ^= 0x40;
        writeFileSync(file, bytes);
      });
      await rejectsWith(
        dir,
        new RegExp(`${shard} has been modified: its SHA-256 is [0-9a-f]{64}, .*model\\.json says`),
      );
    });

    it('a weight whose shape does not match the model', async () => {
      const dir = corrupted(bundle, (d) =>
        editManifest(d, (m) => {
          const weight = m.weightsManifest[0]!.weights.find((w) => w.shape.length === 2 && w.shape[0] !== w.shape[1])!;
          weight.shape = [weight.shape[1]!, weight.shape[0]!];
        }),
      );
      await rejectsWith(dir, /model\.json: weight \S+ has shape \[\d+, \d+\], but the model config needs \[\d+, \d+\]/);
    });

    it('a model config that does not fit the weights', async () => {
      const dir = corrupted(bundle, (d) => editManifest(d, (m) => (m.model.hiddenSize += 1)));
      await rejectsWith(dir, /model\.json: weight \S+ has shape .* but the model config needs/);
    });

    it('a vocabulary that does not fit the weights', async () => {
      const dir = corrupted(bundle, (d) => editManifest(d, (m) => m.vocabularies.target.tokens.push('extra')));
      await rejectsWith(dir, /model\.json: weight decoder\.\S+ has shape/);
    });

    it('a weight the model does not have', async () => {
      const dir = corrupted(bundle, (d) => editManifest(d, (m) => (m.weightsManifest[0]!.weights[0]!.name = 'x.W')));
      await rejectsWith(dir, /model\.json: the model needs weights the bundle lacks: \S+/);
    });

    it('a manifest that is not JSON, or not a manifest', async () => {
      await rejectsWith(
        corrupted(bundle, (d) => writeFileSync(path.join(d, 'model.json'), '{"format": "mtlab-model", ')),
        /model\.json is not valid JSON/,
      );
      await rejectsWith(
        corrupted(bundle, (d) => writeFileSync(path.join(d, 'model.json'), Buffer.from([0xff, 0xfe, 0x7b]))),
        /model\.json is not valid JSON \(it is not UTF-8 text\)/,
      );
      await rejectsWith(
        corrupted(bundle, (d) => editManifest(d, (m) => ((m as { format: string }).format = 'tfjs-layers'))),
        /model\.json is not an mtlab model manifest \(format is "tfjs-layers"/,
      );
      await rejectsWith(
        corrupted(bundle, (d) => editManifest(d, (m) => delete (m as Partial<BundleManifest>).decode)),
        /model\.json: decode is missing or not an object/,
      );
      await rejectsWith(
        corrupted(bundle, (d) => editManifest(d, (m) => (m.model.cell = 'transformer' as 'gru'))),
        /model\.json: model\.cell must be one of rnn, gru, lstm/,
      );
    });

    it('a shard path outside the bundle', async () => {
      const dir = corrupted(bundle, (d) =>
        editManifest(d, (m) => {
          m.weightsManifest[0]!.paths = ['../secret.bin'];
          m.weightFiles[0]!.path = '../secret.bin';
        }),
      );
      await rejectsWith(dir, /weightFiles\[0\]\.path "\.\.\/secret\.bin" is not a file name inside the bundle/);
    });

    it('a folder without model.json, or no folder at all', async () => {
      const empty = tempDir();
      await rejectsWith(empty, new RegExp(`${empty}/model\\.json does not exist: .* is not an mtlab model bundle`));
      await rejectsWith(path.join(empty, 'nothing-here'), /nothing-here does not exist/);
      writeFileSync(path.join(empty, 'weights.bin'), '');
      await rejectsWith(path.join(empty, 'weights.bin'), /is not a model bundle folder/);
    });
  });

  it('the runtime loads the same bundle from files or URLs and translates the same', async () => {
    const expected = translateBoth(await loadBundle(bundle));
    const files = readdirSync(bundle).map((name) => ({
      name: `picked/${name}`,
      arrayBuffer: async () => new Uint8Array(readFileSync(path.join(bundle, name))).buffer,
    }));
    const fromFiles = await loadBundleFromFiles(files);
    assert.deepEqual(translateBoth(fromFiles), expected);
    fromFiles.model.dispose();

    const fetched: string[] = [];
    const fetchFromDisk = async (url: string) => {
      fetched.push(url);
      const file = path.join(bundle, new URL(url).pathname.replace('/models/gru/', ''));
      const found = existsSync(file);
      return {
        ok: found,
        status: found ? 200 : 404,
        statusText: found ? 'OK' : 'Not Found',
        arrayBuffer: async () => new Uint8Array(readFileSync(file)).buffer,
      };
    };
    const fromUrl = await loadBundleFromUrl('http://example.test/models/gru', fetchFromDisk);
    assert.deepEqual(translateBoth(fromUrl), expected);
    fromUrl.model.dispose();
    assert.deepEqual(fetched, [
      'http://example.test/models/gru/model.json',
      'http://example.test/models/gru/group1-shard1of1.bin',
    ]);

    const missing = async () => ({
      ok: false,
      status: 404,
      statusText: 'Not Found',
      arrayBuffer: async () => new ArrayBuffer(0),
    });
    await assert.rejects(loadBundleFromUrl('http://example.test/nothing/', missing), {
      code: 'bundle',
      message: /http:\/\/example\.test\/nothing\/model\.json does not exist/,
    });
    const forbidden = async () => ({
      ok: false,
      status: 403,
      statusText: 'Forbidden',
      arrayBuffer: async () => new ArrayBuffer(0),
    });
    await assert.rejects(
      loadBundleFromUrl('http://example.test/m/model.json', forbidden),
      /cannot fetch http:\/\/example\.test\/m\/model\.json: HTTP 403/,
    );
  });
});
