/**
 * Model bundles on disk: export a run's checkpoint to a self-describing folder, and load one back (issue 9).
 *
 *   model.json             the manifest (engine/export/format.ts)
 *   group1-shard1of1.bin   the weights, TensorFlow.js shards of at most 4 MB
 *   README.md              the model card
 *
 * Loading shares its parsing and checks with the browser runtime (engine/export/read.ts).
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { version_core as tfjsVersion } from '@tensorflow/tfjs-core';
import type { BackendName, ExportModelRequest, ExportResult } from '../contract/api.js';
import { useBackend } from '../backend/select.js';
import { loadTokenizers } from '../data/tokenizers.js';
import { datasetNormalization } from '../decode/translate-texts.js';
import { LabError } from '../errors.js';
import { readRegularFileAsync } from '../files.js';
import type { Store } from '../store/store.js';
import { decodeCheckpoint } from '../train/checkpoint.js';
import { MTLAB_VERSION } from '../version.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type BundleManifest, MANIFEST_FILE, MODEL_CARD_FILE } from './format.js';
import { modelCard } from './model-card.js';
import { type LoadedBundle, readBundle } from './read.js';
import { type BundleSource, packWeights } from './weights.js';

/** Files an earlier export wrote: replaced by `force`, nothing else in the folder is touched. */
const BUNDLE_FILE = /^(model\.json|README\.md|group\d+-shard\d+of\d+\.bin)$/;

export function checkRequest(request: ExportModelRequest): void {
  if (!Number.isInteger(request.runId) || request.runId < 1)
    throw new LabError('invalid-request', `runId must be a run id, got ${JSON.stringify(request.runId)}`, {
      field: 'runId',
    });
  if (typeof request.outDir !== 'string' || request.outDir.trim() === '')
    throw new LabError('invalid-request', 'outDir must name the folder to write the bundle to', { field: 'outDir' });
  if (request.format !== undefined && request.format !== 'tfjs' && request.format !== 'onnx')
    throw new LabError('invalid-request', `format is "tfjs" or "onnx", got ${JSON.stringify(request.format)}`, {
      field: 'format',
    });
  if (request.checkpoint !== undefined && request.checkpoint !== 'best' && request.checkpoint !== 'last')
    throw new LabError('invalid-request', `checkpoint is "best" or "last", got ${JSON.stringify(request.checkpoint)}`, {
      field: 'checkpoint',
    });
}

/** Make sure `dir` is a folder we may write the export into; `force` replaces the files `ownFiles` matches. */
export async function prepareFolder(dir: string, force: boolean, ownFiles: RegExp = BUNDLE_FILE): Promise<void> {
  const existing = await stat(dir).catch(() => null);
  if (existing === null) {
    await mkdir(dir, { recursive: true });
    return;
  }
  if (!existing.isDirectory())
    throw new LabError('conflict', `${dir} exists and is not a folder; choose a folder to export to`, {
      field: 'outDir',
    });
  const entries = await readdir(dir);
  if (entries.length === 0) return;
  if (!force) {
    throw new LabError(
      'conflict',
      `${dir} is not empty (${entries.length} item${entries.length === 1 ? '' : 's'}); choose an empty folder, or ` +
        'overwrite with --force',
      { field: 'outDir' },
    );
  }
  // Shards of an earlier, larger export would otherwise linger beside the new ones.
  await Promise.all(entries.filter((name) => ownFiles.test(name)).map((name) => rm(path.join(dir, name))));
}

/** The manifest of a run's checkpoint, without the weight files (added by `exportRun`, or the ONNX graphs). */
export function describeRun(
  store: Store,
  runId: number,
  tag: 'best' | 'last',
): {
  manifest: Omit<BundleManifest, 'weightsManifest' | 'weightFiles'>;
  checkpoint: ReturnType<typeof decodeCheckpoint>;
} {
  const run = store.getRun(runId);
  const saved = store.loadCheckpoint(runId, tag);
  if (saved === null) {
    throw new LabError(
      'not-found',
      `run ${runId} has no ${tag} checkpoint yet (a run saves one at each validation, every ` +
        `${run.config.train.validateEvery} steps)`,
      { field: 'checkpoint' },
    );
  }
  const name = run.summary.dataset;
  if (!store.hasDataset(name)) {
    throw new LabError(
      'not-found',
      `run ${runId}'s dataset "${name}" is no longer in the store, and the bundle needs its tokenizers`,
      { field: 'runId' },
    );
  }
  const dataset = store.getDataset(name);
  const tokenizers = loadTokenizers(store, name);
  const checkpoint = decodeCheckpoint(saved.state);
  const summary = store.runSummary(runId);
  const evaluation =
    summary !== null && summary.checkpoint === tag && summary.step === saved.step
      ? { split: 'test' as const, metrics: summary.metrics, bleuByLength: summary.bleuByLength }
      : null;
  const backend: BackendName = run.summary.backend ?? 'cpu';
  return {
    checkpoint,
    manifest: {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      mtlabVersion: MTLAB_VERSION,
      tfjsVersion,
      backend,
      run: {
        id: runId,
        name: run.summary.name,
        experimentId: run.summary.experimentId,
        architecture: run.summary.architecture,
        config: run.config,
      },
      checkpoint: {
        tag,
        step: saved.step,
        epoch: checkpoint.trainer.epoch,
        tokensSeen: checkpoint.trainer.tokensSeen,
        trainSeconds: checkpoint.trainer.trainSeconds,
        metrics: saved.metrics,
      },
      evaluation,
      model: checkpoint.model,
      parameterCount: checkpoint.parameters.values.length,
      decode: run.config.decode,
      normalization: datasetNormalization(dataset.kind, dataset.options),
      tokenizers: { source: tokenizers.source.toJSON(), target: tokenizers.target.toJSON() },
      vocabularies: checkpoint.vocab,
      data: {
        dataset: name,
        kind: dataset.kind,
        tokenizer: dataset.tokenizer,
        source: dataset.source,
        options: dataset.options,
        stats: dataset.stats,
        minFreq: run.config.data.minFreq,
        maxVocab: run.config.data.maxVocab,
        maxLength: run.config.data.maxLength,
      },
    },
  };
}

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
  const written: { name: string; bytes: number }[] = [];
  const write = async (name: string, content: Uint8Array | string): Promise<void> => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await writeFile(path.join(dir, name), bytes);
    written.push({ name, bytes: bytes.length });
  };
  for (const [i, shard] of packed.shards.entries()) await write(packed.files[i]!.path, shard);
  await write(MODEL_CARD_FILE, modelCard(manifest));
  // The manifest last, by rename: a folder whose export was interrupted has no model.json and is never loaded.
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  await writeFile(path.join(dir, `.${MANIFEST_FILE}.partial`), manifestText, 'utf8');
  await rename(path.join(dir, `.${MANIFEST_FILE}.partial`), path.join(dir, MANIFEST_FILE));
  written.unshift({ name: MANIFEST_FILE, bytes: Buffer.byteLength(manifestText) });
  store.recordExport({
    runId,
    path: dir,
    checkpoint: tag,
    step: manifest.checkpoint.step,
    // The store keeps what the bundle is, not a second copy of its vocabularies and BPE merges.
    manifest: {
      ...manifest,
      tokenizers: { source: manifest.tokenizers.source.kind, target: manifest.tokenizers.target.kind },
      vocabularies: {
        source: manifest.vocabularies.source.tokens.length,
        target: manifest.vocabularies.target.tokens.length,
      },
    },
  });
  return { path: dir, files: written.map((f) => f.name), bytes: written.reduce((n, f) => n + f.bytes, 0) };
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
