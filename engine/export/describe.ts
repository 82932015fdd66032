/**
 * What every export format writes from a run: the request's checks, the folder to write into, and the manifest of
 * the run's checkpoint (model, vocabularies, tokenizers, normalisation, provenance). The TensorFlow.js bundle
 * (bundle.ts) and the ONNX export (onnx/export.ts) both build on it.
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { version_core as tfjsVersion } from '@tensorflow/tfjs-core';
import type { BackendName, ExportModelRequest, ExportResult } from '../contract/api.js';
import { loadTokenizers } from '../data/tokenizers.js';
import { datasetNormalization } from '../decode/translate-texts.js';
import { LabError } from '../errors.js';
import type { Store } from '../store/store.js';
import { decodeCheckpoint } from '../train/checkpoint.js';
import { MTLAB_VERSION } from '../version.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type BundleManifest } from './format.js';

/** Files an earlier export wrote: replaced by `force`, nothing else in the folder is touched. */
export const BUNDLE_FILE = /^(model\.json|README\.md|group\d+-shard\d+of\d+\.bin)$/;

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

/** What every export's manifest holds that the store's record of the export reduces. */
interface ExportManifest {
  checkpoint: { step: number };
  tokenizers: { source: { kind: string }; target: { kind: string } };
  vocabularies: { source: { tokens: readonly string[] }; target: { tokens: readonly string[] } };
}

/**
 * Write an export's files into `dir` (made ready by prepareFolder), then its manifest last, by rename: a folder whose
 * export was interrupted has no manifest and is never loaded. Records the export in the store and says what it wrote.
 */
export async function writeExportFolder<M extends ExportManifest>(
  store: Store,
  target: { runId: number; dir: string; tag: 'best' | 'last' },
  files: readonly { name: string; content: Uint8Array | string }[],
  manifestFile: string,
  manifest: M,
): Promise<ExportResult> {
  const { runId, dir, tag } = target;
  const written: { name: string; bytes: number }[] = [];
  for (const file of files) {
    const bytes = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    await writeFile(path.join(dir, file.name), bytes);
    written.push({ name: file.name, bytes: bytes.length });
  }
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  await writeFile(path.join(dir, `.${manifestFile}.partial`), manifestText, 'utf8');
  await rename(path.join(dir, `.${manifestFile}.partial`), path.join(dir, manifestFile));
  written.unshift({ name: manifestFile, bytes: Buffer.byteLength(manifestText) });
  store.recordExport({
    runId,
    path: dir,
    checkpoint: tag,
    step: manifest.checkpoint.step,
    // The store keeps what the export is, not a second copy of its vocabularies and BPE merges.
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
