/**
 * How much memory a run needs, estimated from its config before anything is allocated, so that a model that can
 * never fit is refused with the numbers instead of dying mid-way ("memory access out of bounds" for hiddenSize 4096
 * × a 108k vocabulary). The parameter count follows engine/model (embeddings, recurrent cells, bridge, attention,
 * output projection); training holds each parameter four times (value, gradient, Adam's m and v), and the largest
 * activations are the logits over the target vocabulary for every position of a batch (logits, probabilities and
 * their gradient) and the recurrent states the backward pass keeps.
 */
import type { RunConfig } from '../contract/api.js';
import { LabError } from '../errors.js';

/** The largest heap a wasm32 module can have (tfjs-backend-wasm 4.22 grows to 4 GiB less one page). */
export const WASM_HEAP_MAX_BYTES = 4294901760;

const GATES = { rnn: 1, gru: 3, lstm: 4 } as const;
/** Specials every vocabulary adds to the dataset's types: <pad>, <sos>, <eos>, <unk>. */
const SPECIALS = 4;

export interface MemoryEstimate {
  parameters: number;
  parameterBytes: number;
  activationBytes: number;
  totalBytes: number;
}

export interface DataShape {
  sourceTypes: number;
  targetTypes: number;
  maxSourceLength: number;
  maxTargetLength: number;
}

function vocabSize(types: number, maxVocab: number): number {
  const size = types + SPECIALS;
  return maxVocab > 0 ? Math.min(size, maxVocab) : size;
}

function cellParameters(cell: keyof typeof GATES, input: number, hidden: number): number {
  const width = GATES[cell] * hidden;
  return width * (input + hidden + 2);
}

/** The number of trainable parameters of the model `config` builds for vocabularies of these sizes. */
export function countParameters(config: RunConfig, sourceVocab: number, targetVocab: number): number {
  const m = config.model;
  const directions = m.bidirectional ? 2 : 1;
  const H = m.hiddenSize;
  const E = m.embeddingSize;
  let count = sourceVocab * E + targetVocab * E;
  for (let l = 0; l < m.layers; l++) count += directions * cellParameters(m.cell, l === 0 ? E : directions * H, H);
  const encoderOutput = directions * H;
  for (let l = 0; l < m.layers; l++) {
    let input = l === 0 ? E : H;
    if (l === 0 && m.attention === 'bahdanau') input += encoderOutput;
    if (l === 0 && m.attention === 'luong' && m.inputFeeding) input += H;
    count += cellParameters(m.cell, input, H);
  }
  if (encoderOutput !== H) count += m.layers * (encoderOutput + 1) * H * (m.cell === 'lstm' ? 2 : 1);
  if (m.attention === 'bahdanau') count += (encoderOutput + H + 2) * m.attentionSize;
  if (m.attention === 'luong' && m.luongScore === 'general') count += encoderOutput * H;
  // The attentional output layer, [h; context] → hidden.
  if (m.attention !== 'none') count += (H + encoderOutput + 1) * H;
  return count + (H + 1) * targetVocab;
}

export function estimateTrainingMemory(config: RunConfig, data: DataShape): MemoryEstimate {
  const sourceVocab = vocabSize(data.sourceTypes, config.data.maxVocab);
  const targetVocab = vocabSize(data.targetTypes, config.data.maxVocab);
  const cap = config.data.maxLength > 0 ? config.data.maxLength : Infinity;
  const sourceLength = Math.min(cap, Math.max(1, data.maxSourceLength)) + 1;
  const targetLength = Math.min(cap, Math.max(1, data.maxTargetLength)) + 1;
  const parameters = countParameters(config, sourceVocab, targetVocab);
  const parameterBytes = parameters * 4 * 4;
  const m = config.model;
  const batch = config.train.batchSize;
  const directions = m.bidirectional ? 2 : 1;
  const logits = batch * targetLength * targetVocab * 4 * 3;
  const states =
    batch * (sourceLength * directions + targetLength) * m.hiddenSize * m.layers * (GATES[m.cell] + 2) * 4 * 2;
  const attention = m.attention === 'none' ? 0 : batch * targetLength * sourceLength * 4 * 3;
  const activationBytes = logits + states + attention;
  return { parameters, parameterBytes, activationBytes, totalBytes: parameterBytes + activationBytes };
}

function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

/** The memory a backend can give one run: the wasm heap's limit (wasm, cpu, auto), else the machine's. */
export function memoryLimit(backend: RunConfig['backend'], machineBytes: number): number {
  return backend === 'tensorflow' ? machineBytes : WASM_HEAP_MAX_BYTES;
}

/** Refuse a config whose estimated training memory is over `limitBytes`, with the numbers. */
export function checkTrainingMemory(config: RunConfig, data: DataShape, limitBytes: number): MemoryEstimate {
  const estimate = estimateTrainingMemory(config, data);
  if (estimate.totalBytes <= limitBytes) return estimate;
  const m = config.model;
  const targetVocab = vocabSize(data.targetTypes, config.data.maxVocab);
  const millions = (estimate.parameters / 1e6).toFixed(estimate.parameters < 1e7 ? 1 : 0);
  throw new LabError(
    'invalid-config',
    `this model cannot fit: model.hiddenSize ${m.hiddenSize}, model.embeddingSize ${m.embeddingSize}, ` +
      `${m.layers} layer${m.layers === 1 ? '' : 's'} and a ${targetVocab.toLocaleString('en-US')}-token target vocabulary ` +
      `make ${millions} M parameters (${formatBytes(estimate.parameterBytes)} to train with gradients and Adam's ` +
      `state) and about ${formatBytes(estimate.activationBytes)} of activations at train.batchSize ${config.train.batchSize}: ` +
      `${formatBytes(estimate.totalBytes)} in all, over the ${formatBytes(limitBytes)} the ${config.backend === 'tensorflow' ? 'machine has' : 'wasm heap can hold'}. ` +
      'Make model.hiddenSize, data.maxVocab or train.batchSize smaller.',
    { field: 'model.hiddenSize', estimatedBytes: estimate.totalBytes, limitBytes, parameters: estimate.parameters },
  );
}
