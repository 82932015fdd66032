/**
 * Translation with a trained model: normalise the input as the dataset's text was normalised, tokenize, decode with
 * greedy or beam search, and hand back tokens, text, scores and the attention of every candidate.
 *
 * A `LoadedModel` comes from a run's checkpoint (here) or from an exported bundle (engine/export/); an ONNX export
 * translates through ONNX Runtime (engine/decode/onnx-runtime.ts).
 */
import { useBackend } from './backend/select.js';
import { loadTokenizers } from './data/tokenizers.js';
import { Vocab } from './data/vocab.js';
import type { Translation } from './contract/api.js';
import {
  datasetNormalization,
  type LoadedModel,
  type TextsRequest,
  translateTextsAsync,
} from './decode/translate-texts.js';
import { LabError } from './errors.js';
import { Seq2Seq } from './model/seq2seq.js';
import type { Store } from './store/store.js';
import { decodeCheckpoint } from './train/checkpoint.js';

// The pure part (no Node, no store) lives in decode/translate-texts.ts so the browser runtime can share it.
export {
  datasetNormalization,
  type InputNormalization,
  type LoadedModel,
  normalizeInput,
  translateTexts,
  translateTextsAsync,
} from './decode/translate-texts.js';

/** Load a run's checkpoint ('best' by default, else 'last') into a model ready to translate. */
export async function loadRunModel(store: Store, runId: number, tag?: 'best' | 'last'): Promise<LoadedModel> {
  const run = store.getRun(runId);
  const chosen = tag ?? (store.loadCheckpoint(runId, 'best') !== null ? 'best' : 'last');
  const saved = store.loadCheckpoint(runId, chosen);
  if (saved === null) {
    throw new LabError(
      'not-found',
      `run ${runId} has no ${chosen} checkpoint yet (a run saves one at each validation, every ${run.config.train.validateEvery} steps)`,
    );
  }
  // The backend the run trained on gives exactly the run's numbers; any other works too.
  await useBackend(run.summary.backend ?? 'auto').catch(() => useBackend('auto'));
  const checkpoint = decodeCheckpoint(saved.state);
  const vocabularies = {
    source: Vocab.fromJSON(checkpoint.vocab.source),
    target: Vocab.fromJSON(checkpoint.vocab.target),
  };
  const model = new Seq2Seq(checkpoint.model, vocabularies.source.size, vocabularies.target.size, 0);
  model.params.load(checkpoint.parameters);
  const dataset = store.getDataset(run.summary.dataset);
  return {
    model,
    vocabularies,
    tokenizers: loadTokenizers(store, run.summary.dataset),
    normalization: datasetNormalization(dataset.kind, dataset.options),
    decode: run.config.decode,
    origin: `run ${runId} (${chosen} checkpoint, step ${saved.step})`,
  };
}

/**
 * Translate with an exported model folder: a TensorFlow.js bundle (model.json) or an ONNX export (mtlab-onnx.json,
 * run by ONNX Runtime where onnxruntime-node is installed). The model is freed afterwards.
 */
export async function translateWithExport(modelPath: string, request: TextsRequest): Promise<Translation[]> {
  const { loadOnnxExport, onnxExportFolder } = await import('./decode/onnx-runtime.js');
  if ((await onnxExportFolder(modelPath)) !== null) {
    const loaded = await loadOnnxExport(modelPath);
    try {
      return await translateTextsAsync(loaded, request);
    } finally {
      await loaded.dispose();
    }
  }
  const { loadBundle } = await import('./export/bundle.js');
  const bundle = await loadBundle(modelPath);
  try {
    return await translateTextsAsync(bundle, request);
  } finally {
    bundle.model.dispose();
  }
}
