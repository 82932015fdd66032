/**
 * Hostile ONNX exports (see README.md here): a manifest with reserved keys, sizes no run could have or state names
 * its model config does not give, a FIFO where the manifest should be, and graphs that mtlab did not write (an
 * operator it never uses, bytes that are no ONNX model) even with matching SHA-256s, are refused with the file and
 * field named, before ONNX Runtime is given anything. None of this needs ONNX Runtime.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadOnnxExport } from '../../engine/decode/onnx-runtime.js';
import { LabError } from '../../engine/errors.js';
import { exportRun } from '../../engine/export/bundle.js';
import { type OnnxManifest, parseOnnxManifest } from '../../engine/export/onnx/format.js';
import { decodeModel } from '../../engine/export/onnx/graph.js';
import onnxProto from 'onnx-proto';
import { tempDir } from '../helpers/paths.js';
import { tinyRunConfig, tinyStore, trainTinyRun } from '../engine/export/tiny-runs.js';
import { watchPrototypes } from './prototype.js';

async function refusedLoad(dir: string, pattern: RegExp): Promise<void> {
  const untouched = watchPrototypes();
  await assert.rejects(loadOnnxExport(dir), (error: unknown) => {
    assert.ok(error instanceof LabError, `not a LabError: ${String(error)}`);
    assert.equal(error.code, 'bundle');
    assert.match(error.message, pattern);
    return true;
  });
  untouched();
}

describe('hostile ONNX exports', () => {
  let good: string;
  let manifestText: string;

  before(async () => {
    const { store } = tinyStore();
    const runId = await trainTinyRun(store, tinyRunConfig('copy', { cell: 'lstm', attention: 'bahdanau' }), 'lstm');
    good = path.join(tempDir('mtlab-hostile-onnx-'), 'good');
    await exportRun(store, { runId, outDir: good, format: 'onnx' });
    store.close();
    manifestText = readFileSync(path.join(good, 'mtlab-onnx.json'), 'utf8');
  });

  /** A copy of the good export, with `edit` applied to its manifest (the graphs' hashes recomputed). */
  function variant(edit: (manifest: OnnxManifest, dir: string) => void): string {
    const dir = path.join(tempDir('mtlab-hostile-onnx-'), 'export');
    cpSync(good, dir, { recursive: true });
    const manifest = JSON.parse(manifestText) as OnnxManifest;
    edit(manifest, dir);
    for (const f of manifest.onnx.files) {
      const bytes = readFileSync(path.join(dir, f.path));
      f.bytes = bytes.length;
      f.sha256 = createHash('sha256').update(bytes).digest('hex');
    }
    writeFileSync(path.join(dir, 'mtlab-onnx.json'), JSON.stringify(manifest));
    return dir;
  }

  it('refuses reserved keys and sizes no run could have, naming the field', () => {
    const where = 'export/mtlab-onnx.json';
    const untouched = watchPrototypes();
    const withProto = manifestText.replace('"model": {', '"model": { "__proto__": { "polluted": true },');
    assert.throws(
      () => parseOnnxManifest(withProto, where),
      /export\/mtlab-onnx\.json: run\.config\.model\.__proto__ is a reserved name/,
    );
    const huge = JSON.parse(manifestText) as OnnxManifest;
    huge.model.hiddenSize = 4_096_000;
    assert.throws(
      () => parseOnnxManifest(JSON.stringify(huge), where),
      /model\.hiddenSize is 4096000; it must be from 1 to 4096/,
    );
    const noGraph = JSON.parse(manifestText) as OnnxManifest;
    noGraph.onnx.files = noGraph.onnx.files.filter((f) => f.path !== 'decoder_step.onnx');
    assert.throws(
      () => parseOnnxManifest(JSON.stringify(noGraph), where),
      /onnx\.files does not list decoder_step\.onnx/,
    );
    untouched();
  });

  it('refuses state and memory names the model config does not give', async () => {
    const dir = variant((m) => (m.search.state = ['state_h', 'state_c', 'state_extra']));
    await refusedLoad(
      dir,
      /search\.state is \[state_h, state_c, state_extra\]; the model config gives \[state_h, state_c\]/,
    );
  });

  it('refuses a FIFO where the manifest should be, without waiting on it', async () => {
    const dir = path.join(tempDir('mtlab-hostile-onnx-'), 'fifo');
    cpSync(good, dir, { recursive: true });
    rmSync(path.join(dir, 'mtlab-onnx.json'));
    execFileSync('mkfifo', [path.join(dir, 'mtlab-onnx.json')]);
    await refusedLoad(dir, /mtlab-onnx\.json is a FIFO/);
  });

  it('refuses graphs mtlab did not write, even with matching SHA-256s', async () => {
    const foreign = variant((_, dir) => {
      const file = path.join(dir, 'decoder_step.onnx');
      const model = decodeModel(readFileSync(file));
      model.graph!.node!.find((n) => n.opType === 'Tanh')!.opType = 'Upsample';
      writeFileSync(file, onnxProto.onnx.ModelProto.encode(model).finish());
    });
    await refusedLoad(
      foreign,
      /ONNX graph .*decoder_step\.onnx uses the operator Upsample, which mtlab's graphs never use/,
    );
    const garbage = variant((_, dir) =>
      writeFileSync(path.join(dir, 'encoder.onnx'), Buffer.from('\xff\xff\xff\xff not protobuf')),
    );
    await refusedLoad(garbage, /ONNX graph .*encoder\.onnx is not an ONNX model/);
    const renamed = variant((_, dir) => {
      const file = path.join(dir, 'encoder.onnx');
      const model = decodeModel(readFileSync(file));
      model.graph!.input![0]!.name = 'tokens';
      writeFileSync(file, onnxProto.onnx.ModelProto.encode(model).finish());
    });
    await refusedLoad(
      renamed,
      /encoder\.onnx has the inputs tokens, source_lengths; the manifest lists source_ids, source_lengths/,
    );
  });
});
