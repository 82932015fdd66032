/**
 * `mtlab export RUN --format onnx`: a run's checkpoint as ONNX graphs (onnx/seq2seq.ts) with the manifest, the
 * examples and the model card (onnx/format.ts lists the files), recorded in the store like a bundle export.
 */
import path from 'node:path';
import type { ExportModelRequest, ExportResult, ModelConfig } from '../../contract/api.js';
import { EOS_ID, PAD_ID, SOS_ID, UNK_ID } from '../../data/vocab.js';
import { LabError } from '../../errors.js';
import type { ParameterBlob } from '../../model/params.js';
import type { Store } from '../../store/store.js';
import { MTLAB_VERSION } from '../../version.js';
import { describeRun, prepareFolder, writeExportFolder } from '../describe.js';
import { MODEL_CARD_FILE } from '../format.js';
import { sha256Hex } from '../weights.js';
import { NODE_EXAMPLE, PYTHON_EXAMPLE } from './examples.js';
import {
  DECODER_FILE,
  ENCODER_FILE,
  NODE_EXAMPLE_FILE,
  ONNX_FORMAT,
  ONNX_FORMAT_VERSION,
  ONNX_MANIFEST_FILE,
  type OnnxManifest,
  PYTHON_EXAMPLE_FILE,
} from './format.js';
import { encodeModel, IR_VERSION, OPSET } from './graph.js';
import { onnxModelCard } from './model-card.js';
import {
  decoderStepGraph,
  encoderGraph,
  memoryNames,
  NAMES,
  stateNames,
  type GraphSizes,
  type Weights,
} from './seq2seq.js';

/** Files an earlier ONNX export wrote: replaced by `force`, nothing else in the folder is touched. */
const ONNX_EXPORT_FILE =
  /^(encoder\.onnx|decoder_step\.onnx|mtlab-onnx\.json|translate\.py|translate\.mjs|README\.md)$/;

/** A protobuf message, and so a single-file ONNX model, holds at most 2 GiB; the graph itself needs a little. */
export const MAX_GRAPH_WEIGHT_BYTES = 2 ** 31 - 2 ** 24;

export function weightsOf(blob: ParameterBlob): Weights {
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  blob.names.forEach((name, i) => {
    const shape = blob.shapes[i]!;
    const size = shape.reduce((a, b) => a * b, 1);
    weights.set(name, { shape, values: blob.values.subarray(offset, offset + size) });
    offset += size;
  });
  return weights;
}

/** The parameters each graph holds: the encoder has the attention's key side, the decoder step everything else. */
function inEncoder(name: string): boolean {
  return /^(encoder\.|bridge\.)/.test(name) || ['attention.W', 'attention.b', 'attention.W_a'].includes(name);
}

/**
 * Why this model cannot be written as ONNX graphs, naming the setting, or null. mtlab's cells, attention variants,
 * layers, bidirectional encoders and bridges all map onto ONNX; what does not is a graph over protobuf's 2 GiB
 * (ONNX's external-data files are not written), and a setting this exporter does not know (a config from a newer
 * mtlab).
 */
export function onnxExportProblem(config: ModelConfig, blob: ParameterBlob): { field: string; message: string } | null {
  const known: [keyof ModelConfig, readonly unknown[]][] = [
    ['cell', ['rnn', 'gru', 'lstm']],
    ['attention', ['none', 'bahdanau', 'luong']],
    ['luongScore', ['dot', 'general']],
  ];
  for (const [field, values] of known) {
    if (!values.includes(config[field]))
      return {
        field: `model.${field}`,
        message: `model.${field} ${JSON.stringify(config[field])} has no ONNX form in this mtlab (it writes ${values.join(', ')})`,
      };
  }
  const bytes = { encoder: 0, decoder: 0 };
  blob.names.forEach((name, i) => {
    bytes[inEncoder(name) ? 'encoder' : 'decoder'] += blob.shapes[i]!.reduce((a, b) => a * b, 1) * 4;
  });
  for (const [graph, n] of Object.entries(bytes)) {
    if (n > MAX_GRAPH_WEIGHT_BYTES) {
      const gib = (n / 2 ** 30).toFixed(2);
      return {
        field: 'model.hiddenSize',
        message:
          `the ${graph} graph would hold ${gib} GiB of weights, and an ONNX file holds at most 2 GiB (ONNX's ` +
          `external-data files are not written): lower model.hiddenSize (${config.hiddenSize}), ` +
          `model.embeddingSize (${config.embeddingSize}), model.layers (${config.layers}) or the vocabulary ` +
          '(data.maxVocab)',
      };
    }
  }
  return null;
}

export interface OnnxGraphs {
  encoder: Uint8Array;
  decoderStep: Uint8Array;
  graphs: OnnxManifest['graphs'];
}

/** Both graphs of a model, serialised (no store, no files: the tests build graphs from models directly too). */
export function buildOnnxGraphs(
  config: ModelConfig,
  blob: ParameterBlob,
  sizes: GraphSizes,
  metadata: Record<string, string> = {},
): OnnxGraphs {
  const problem = onnxExportProblem(config, blob);
  if (problem !== null) throw new LabError('invalid-request', problem.message, { field: problem.field });
  const weights = weightsOf(blob);
  const encoder = encoderGraph(config, weights, sizes);
  const decoder = decoderStepGraph(config, weights, sizes);
  const info = (doc: string) => ({ producerVersion: MTLAB_VERSION, doc, metadata });
  return {
    encoder: encodeModel(
      encoder.graph('mtlab_encoder', 'mtlab encoder: source ids → the decoder’s first state and the attention memory'),
      info('The encoder of an mtlab recurrent encoder-decoder; see mtlab-onnx.json and README.md beside it.'),
    ),
    decoderStep: encodeModel(
      decoder.graph(
        'mtlab_decoder_step',
        'mtlab decoder step: previous token, state, memory → log-probabilities, next state',
      ),
      info('One decoder step of an mtlab recurrent encoder-decoder; see mtlab-onnx.json and README.md beside it.'),
    ),
    graphs: {
      encoder: { file: ENCODER_FILE, ...encoder.interface },
      decoderStep: { file: DECODER_FILE, ...decoder.interface },
    },
  };
}

/** Write a run's checkpoint ('best' when it has one, else 'last') as an ONNX export, and record it. */
export async function exportOnnx(store: Store, request: ExportModelRequest): Promise<ExportResult> {
  const runId = request.runId;
  store.getRun(runId);
  const tag = request.checkpoint ?? (store.loadCheckpoint(runId, 'best') !== null ? 'best' : 'last');
  const { manifest: described, checkpoint } = describeRun(store, runId, tag);
  const { format: _bundleFormat, tfjsVersion: _tfjs, formatVersion: _version, ...rest } = described;
  const config = checkpoint.model;
  const sizes = {
    sourceVocab: described.vocabularies.source.tokens.length,
    targetVocab: described.vocabularies.target.tokens.length,
  };
  const built = buildOnnxGraphs(config, checkpoint.parameters, sizes, {
    'mtlab.run': String(runId),
    'mtlab.checkpoint': `${tag} (step ${described.checkpoint.step})`,
    'mtlab.manifest': ONNX_MANIFEST_FILE,
  });
  const graphFiles = [
    { path: ENCODER_FILE, bytes: built.encoder },
    { path: DECODER_FILE, bytes: built.decoderStep },
  ];
  const manifest: OnnxManifest = {
    ...rest,
    format: ONNX_FORMAT,
    formatVersion: ONNX_FORMAT_VERSION,
    onnx: {
      irVersion: IR_VERSION,
      opset: OPSET,
      files: await Promise.all(
        graphFiles.map(async (f) => ({ path: f.path, bytes: f.bytes.length, sha256: await sha256Hex(f.bytes) })),
      ),
    },
    graphs: built.graphs,
    search: {
      state: stateNames(config),
      memory: memoryNames(config),
      specials: { pad: PAD_ID, unk: UNK_ID, sos: SOS_ID, eos: EOS_ID },
      attention: config.attention === 'none' ? null : NAMES.attention,
    },
  };
  const dir = path.resolve(request.outDir);
  await prepareFolder(dir, request.force === true, ONNX_EXPORT_FILE);
  return writeExportFolder(
    store,
    { runId, dir, tag },
    [
      ...graphFiles.map((f) => ({ name: f.path, content: f.bytes })),
      { name: PYTHON_EXAMPLE_FILE, content: PYTHON_EXAMPLE },
      { name: NODE_EXAMPLE_FILE, content: NODE_EXAMPLE },
      { name: MODEL_CARD_FILE, content: onnxModelCard(manifest) },
    ],
    ONNX_MANIFEST_FILE,
    manifest,
  );
}
