/**
 * Translating with an ONNX export (engine/export/onnx/) through ONNX Runtime, the optional `onnxruntime-node`
 * package: the export's two graphs become a StepModel, so greedy and beam search are exactly mtlab's
 * (decode/search.ts), only the arithmetic is ONNX Runtime's. Node only (it reads files).
 *
 * `MTLAB_ONNXRUNTIME=0` turns it off (as if the package were not installed).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Batch } from '../data/batch.js';
import { tokenizerFromJSON } from '../data/tokenizers.js';
import { Vocab } from '../data/vocab.js';
import { LabError } from '../errors.js';
import { readRegularFileAsync } from '../files.js';
import {
  DECODER_FILE,
  ENCODER_FILE,
  type GraphDescription,
  ONNX_MANIFEST_FILE,
  type OnnxManifest,
  parseOnnxManifest,
} from '../export/onnx/format.js';
import { decodeModel, OPSET } from '../export/onnx/graph.js';
import { memoryNames, NAMES, OPERATORS, stateNames } from '../export/onnx/seq2seq.js';
import { sha256Hex } from '../export/weights.js';
import type { Pending, StepModel, StepResult } from './search.js';
import type { Translator } from './translate-texts.js';

/** What mtlab uses of onnxruntime-node's API (declared here: the package is optional, its types may be absent). */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (
    type: 'float32' | 'int64' | 'int32',
    data: Float32Array | BigInt64Array | Int32Array,
    dims: readonly number[],
  ) => OrtTensor;
  env: { versions?: { node?: string; common?: string } };
}

const PACKAGE = 'onnxruntime-node';

/** onnxruntime-node, or why it cannot be loaded here (null reason: loaded). */
export async function loadOnnxRuntime(): Promise<{ ort: OrtModule; reason: null } | { ort: null; reason: string }> {
  if (process.env.MTLAB_ONNXRUNTIME === '0') return { ort: null, reason: 'MTLAB_ONNXRUNTIME=0 turns it off' };
  try {
    const loaded = (await import(PACKAGE)) as { default?: OrtModule } & Partial<OrtModule>;
    const ort = (loaded.InferenceSession === undefined ? loaded.default : loaded) as OrtModule | undefined;
    if (ort?.InferenceSession === undefined) return { ort: null, reason: `${PACKAGE} has no InferenceSession` };
    return { ort, reason: null };
  } catch (error) {
    return { ort: null, reason: (error as Error).message.split('\n')[0]! };
  }
}

async function requireOnnxRuntime(): Promise<OrtModule> {
  const loaded = await loadOnnxRuntime();
  if (loaded.ort !== null) return loaded.ort;
  throw new LabError(
    'bundle',
    `translating an ONNX export needs ONNX Runtime for Node (${PACKAGE}, an optional dependency of mtlab), which ` +
      `cannot be loaded here (${loaded.reason}). Install it with \`ONNXRUNTIME_NODE_INSTALL=skip npm install ` +
      `${PACKAGE}\` (the variable skips its download of GPU providers), or translate with a TensorFlow.js bundle ` +
      '(`mtlab export RUN --out DIR`).',
  );
}

/** The folder of a model path (a folder, or the manifest file in it), and whether it is an ONNX export. */
export async function onnxExportFolder(modelPath: string): Promise<string | null> {
  const resolved = path.resolve(modelPath);
  if (path.basename(resolved) === ONNX_MANIFEST_FILE) return path.dirname(resolved);
  const found = await stat(path.join(resolved, ONNX_MANIFEST_FILE)).catch(() => null);
  return found?.isFile() === true ? resolved : null;
}

interface OnnxState {
  /** State and memory tensors by graph value name. */
  values: Record<string, OrtTensor>;
}

/** Rows of a batch-major float32 tensor, in the order `rows` gives. */
function gatherRows(ort: OrtModule, tensor: OrtTensor, rows: Int32Array): OrtTensor {
  const data = tensor.data as Float32Array;
  const width = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(data.subarray(row * width, (row + 1) * width), i * width));
  return new ort.Tensor('float32', out, [rows.length, ...tensor.dims.slice(1)]);
}

/** An ONNX export's graphs as a StepModel: encoder.onnx once per batch, decoder_step.onnx once per step. */
export class OnnxSteps implements StepModel<OnnxState> {
  constructor(
    private readonly ort: OrtModule,
    private readonly encoder: OrtSession,
    private readonly decoder: OrtSession,
    private readonly manifest: OnnxManifest,
  ) {}

  get targetVocabSize(): number {
    return this.manifest.vocabularies.target.tokens.length;
  }

  start(batch: Batch, copies: number): Pending<OnnxState> {
    return {
      later: async () => {
        const out = await this.encoder.run({
          source_ids: new this.ort.Tensor('int64', BigInt64Array.from(batch.source, BigInt), [
            batch.size,
            batch.sourceLength,
          ]),
          source_lengths: new this.ort.Tensor('int32', Int32Array.from(batch.sourceLengths), [batch.size]),
        });
        const repeat = Int32Array.from({ length: batch.size * copies }, (_, r) => Math.floor(r / copies));
        const values: Record<string, OrtTensor> = {};
        for (const name of [...this.manifest.search.state, ...this.manifest.search.memory]) {
          const tensor = out[name];
          if (tensor === undefined) throw new LabError('bundle', `${ENCODER_FILE} has no output ${name}`);
          values[name] = copies === 1 ? tensor : gatherRows(this.ort, tensor, repeat);
        }
        return { values };
      },
    };
  }

  step(state: OnnxState, previous: Int32Array): Pending<StepResult<OnnxState>> {
    return {
      later: async () => {
        const out = await this.decoder.run({
          previous_tokens: new this.ort.Tensor('int64', BigInt64Array.from(previous, BigInt), [previous.length]),
          ...state.values,
        });
        const values = { ...state.values };
        for (const name of this.manifest.search.state) values[name] = out[`next_${name}`]!;
        const attention = this.manifest.search.attention;
        return {
          state: { values },
          logProbs: out.log_probs!.data as Float32Array,
          attention: attention === null ? null : (out[attention]!.data as Float32Array),
        };
      },
    };
  }

  select(state: OnnxState, rows: Int32Array): OnnxState {
    const values = { ...state.values };
    for (const name of this.manifest.search.state) values[name] = gatherRows(this.ort, state.values[name]!, rows);
    return { values };
  }

  release(): void {
    // CPU tensors are plain typed arrays: the garbage collector frees them.
  }

  async dispose(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}

export interface LoadedOnnxModel extends Translator {
  model: OnnxSteps;
  manifest: OnnxManifest;
  dispose(): Promise<void>;
}

/**
 * A graph as mtlab writes it, before ONNX Runtime is given it: ONNX's default operator set at most the version
 * mtlab writes, only the operators mtlab uses (no subgraphs, functions or other domains), and the inputs and outputs
 * the manifest lists. The SHA-256 in the manifest finds a damaged file; this refuses one that was made otherwise.
 */
export function checkGraph(bytes: Uint8Array, description: GraphDescription, file: string): void {
  const fail = (message: string): never => {
    throw new LabError('bundle', `ONNX graph ${file} ${message}`, { file });
  };
  let model: ReturnType<typeof decodeModel>;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    return fail(`is not an ONNX model (${(error as Error).message})`);
  }
  for (const opset of model.opsetImport) {
    if ((opset.domain ?? '') !== '' || Number(opset.version) > OPSET)
      fail(`imports operator set ${opset.domain || 'ai.onnx'} ${String(opset.version)}; mtlab writes ai.onnx ${OPSET}`);
  }
  if ((model.functions ?? []).length > 0) fail('defines functions, which mtlab never writes');
  const graph = model.graph ?? fail('has no graph');
  for (const node of graph.node ?? []) {
    if ((node.domain ?? '') !== '' || !OPERATORS.has(node.opType ?? ''))
      fail(`uses the operator ${node.domain ? `${node.domain}.` : ''}${node.opType}, which mtlab's graphs never use`);
    if ((node.attribute ?? []).some((a) => (a.g !== null && a.g !== undefined) || (a.graphs ?? []).length > 0))
      fail(`has a subgraph in ${node.opType}, which mtlab's graphs never have`);
  }
  const names = (values: readonly { name?: string | null }[] | null | undefined): string =>
    (values ?? []).map((v) => v.name ?? '').join(', ');
  for (const side of ['inputs', 'outputs'] as const) {
    const actual = names(side === 'inputs' ? graph.input : graph.output);
    const listed = names(description[side]);
    if (actual !== listed) fail(`has the ${side} ${actual || 'none'}; the manifest lists ${listed || 'none'}`);
  }
}

async function readGraph(dir: string, manifest: OnnxManifest, file: string, where: string): Promise<Uint8Array> {
  const listed = manifest.onnx.files.find((f) => f.path === file)!;
  const full = path.join(dir, file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readRegularFileAsync(full, 'ONNX graph', 'bundle'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LabError('bundle', `missing ONNX graph ${full} (listed in ${where})`, { file: full });
    throw error;
  }
  if (bytes.length !== listed.bytes) {
    const how = bytes.length < listed.bytes ? 'truncated' : 'longer than written';
    throw new LabError(
      'bundle',
      `ONNX graph ${full} is ${how}: it has ${bytes.length} bytes, ${where} says ${listed.bytes}`,
      {
        file: full,
      },
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== listed.sha256) {
    throw new LabError(
      'bundle',
      `ONNX graph ${full} has been modified: its SHA-256 is ${actual}, ${where} says ${listed.sha256}`,
      {
        file: full,
      },
    );
  }
  const description = file === ENCODER_FILE ? manifest.graphs?.encoder : manifest.graphs?.decoderStep;
  if (description === undefined || !Array.isArray(description.inputs) || !Array.isArray(description.outputs))
    throw new LabError('bundle', `${where}: graphs does not describe ${file}`, { file: where, field: 'graphs' });
  checkGraph(bytes, description, full);
  return bytes;
}

/** Load an ONNX export folder (or its mtlab-onnx.json) into ONNX Runtime, ready to translate. */
export async function loadOnnxExport(modelPath: string): Promise<LoadedOnnxModel> {
  const dir = (await onnxExportFolder(modelPath)) ?? path.resolve(modelPath);
  const where = path.join(dir, ONNX_MANIFEST_FILE);
  let text: string;
  try {
    const bytes = await readRegularFileAsync(where, 'ONNX export manifest', 'bundle');
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    if (error instanceof LabError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LabError('bundle', `${where} does not exist: ${dir} is not an mtlab ONNX export`, { file: where });
    throw new LabError('bundle', `${where} cannot be read as UTF-8 text (${(error as Error).message})`, {
      file: where,
    });
  }
  const manifest = parseOnnxManifest(text, where);
  // The graphs' inputs and outputs follow from the model config: a manifest that names others is not mtlab's.
  const expected = { state: stateNames(manifest.model), memory: memoryNames(manifest.model) };
  const attention = manifest.model.attention === 'none' ? null : NAMES.attention;
  if (manifest.search.attention !== attention)
    throw new LabError(
      'bundle',
      `${where}: search.attention is ${JSON.stringify(manifest.search.attention)}; the model config gives ${JSON.stringify(attention)}`,
      {
        file: where,
        field: 'search.attention',
      },
    );
  for (const field of ['state', 'memory'] as const) {
    if (manifest.search[field].join(',') !== expected[field].join(','))
      throw new LabError(
        'bundle',
        `${where}: search.${field} is [${manifest.search[field].join(', ')}]; the model config gives [${expected[field].join(', ')}]`,
        { file: where, field: `search.${field}` },
      );
  }
  const vocab = (side: 'source' | 'target'): Vocab => {
    try {
      return Vocab.fromJSON(manifest.vocabularies[side]);
    } catch (error) {
      throw new LabError('bundle', `${where}: vocabularies.${side} ${(error as Error).message}`, { file: where });
    }
  };
  const vocabularies = { source: vocab('source'), target: vocab('target') };
  const graphs = await Promise.all([ENCODER_FILE, DECODER_FILE].map((f) => readGraph(dir, manifest, f, where)));
  const ort = await requireOnnxRuntime();
  const options = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  const [encoder, decoder] = await Promise.all(
    graphs.map((bytes) =>
      ort.InferenceSession.create(bytes, options).catch((error: Error) => {
        throw new LabError('bundle', `ONNX Runtime cannot load ${dir}: ${error.message}`, { file: dir });
      }),
    ),
  );
  const model = new OnnxSteps(ort, encoder!, decoder!, manifest);
  return {
    model,
    manifest,
    vocabularies,
    tokenizers: {
      source: tokenizerFromJSON(manifest.tokenizers.source),
      target: tokenizerFromJSON(manifest.tokenizers.target),
    },
    normalization: manifest.normalization,
    decode: manifest.decode,
    origin:
      `ONNX export ${dir}` +
      (manifest.run?.id === undefined
        ? ''
        : ` (run ${manifest.run.id}, ${manifest.checkpoint?.tag ?? '?'} checkpoint, step ${manifest.checkpoint?.step ?? '?'})`),
    dispose: () => model.dispose(),
  };
}
