/**
 * Model bundles on disk: export a run's checkpoint to a self-describing folder, and load one back (issue 9).
 *
 *   model.json             the manifest (engine/export/format.ts)
 *   group1-shard1of1.bin   the weights, TensorFlow.js shards of at most 4 MB
 *   README.md              the model card
 *
 * Loading shares its parsing and checks with the browser runtime (engine/export/read.ts).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExportModelRequest, ExportResult } from '../contract/api.js';
import { useBackend } from '../backend/select.js';
import { LabError } from '../errors.js';
import { readRegularFileAsync } from '../files.js';
import type { Store } from '../store/store.js';
import { type BundleManifest, MANIFEST_FILE, MODEL_CARD_FILE } from './format.js';
import { checkRequest, describeRun, prepareFolder, writeExportFolder } from './describe.js';
import { modelCard } from './model-card.js';
import { type LoadedBundle, readBundle } from './read.js';
import { type BundleSource, packWeights } from './weights.js';

/**
 * Write a run's checkpoint ('best' when it has one, else 'last') as a bundle (or, with `format: 'onnx'`, as ONNX
 * graphs: onnx/export.ts), and record the export.
 */
export async function exportRun(store: Store, request: ExportModelRequest): Promise<ExportResult> {
  checkRequest(request);
  if (request.format === 'onnx') {
    const { exportOnnx } = await import('./onnx/export.js');
    return exportOnnx(store, request);
  }
  const runId = request.runId;
  store.getRun(runId);
  const tag = request.checkpoint ?? (store.loadCheckpoint(runId, 'best') !== null ? 'best' : 'last');
  const { manifest: described, checkpoint } = describeRun(store, runId, tag);
  const packed = await packWeights(checkpoint.parameters);
  const manifest: BundleManifest = { ...described, weightsManifest: [packed.group], weightFiles: packed.files };
  const dir = path.resolve(request.outDir);
  await prepareFolder(dir, request.force === true);
  return writeExportFolder(
    store,
    { runId, dir, tag },
    [
      ...packed.shards.map((shard, i) => ({ name: packed.files[i]!.path, content: shard })),
      { name: MODEL_CARD_FILE, content: modelCard(manifest) },
    ],
    MANIFEST_FILE,
    manifest,
  );
}

/** A bundle folder as a source of files. */
export function folderSource(dir: string): BundleSource {
  return {
    describe: (file) => (file === '' ? dir : path.join(dir, file)),
    async read(file) {
      try {
        return new Uint8Array(await readRegularFileAsync(path.join(dir, file), 'bundle file', 'bundle'));
      } catch (error) {
        if (error instanceof LabError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return null;
        throw new LabError('bundle', `cannot read ${path.join(dir, file)}: ${(error as Error).message}`, {
          file: path.join(dir, file),
        });
      }
    },
  };
}

/**
 * Load a bundle folder (or its model.json) into a model ready to translate, on the backend the run trained on when
 * this machine has it (that gives exactly the run's numbers), else the fastest available.
 */
export async function loadBundle(bundlePath: string): Promise<LoadedBundle> {
  if (typeof bundlePath !== 'string' || bundlePath.trim() === '')
    throw new LabError('invalid-request', 'bundlePath must name a model bundle folder', { field: 'bundlePath' });
  let dir = path.resolve(bundlePath);
  const found = await stat(dir).catch(() => null);
  if (found === null) throw new LabError('bundle', `${dir} does not exist`, { file: dir });
  if (!found.isDirectory()) {
    if (path.basename(dir) !== MANIFEST_FILE)
      throw new LabError('bundle', `${dir} is not a model bundle folder (a folder with ${MANIFEST_FILE})`, {
        file: dir,
      });
    dir = path.dirname(dir);
  }
  return readBundle(folderSource(dir), {
    async prepare(manifest) {
      await useBackend(manifest.backend).catch(() => useBackend('auto'));
    },
  });
}
