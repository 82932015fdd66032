/**
 * Checkpoint blobs: everything a run needs to continue exactly where it stopped (weights, optimiser slots, the
 * random generator, schedule and early-stopping state, the vocabularies) in one buffer:
 *
 *   "MTLBCKP1" | u32 header length | header JSON (UTF-8, padded to 4 bytes) | float32 arrays, little-endian
 */
import type { ModelConfig } from '../contract/api.js';
import type { VocabJson } from '../data/vocab.js';
import type { RngState } from '../random.js';
import type { ParameterBlob } from '../model/params.js';
import type { OptimizerState } from './optimizer.js';
import type { PlateauState } from './schedule.js';

const MAGIC = 'MTLBCKP1';

export interface TrainerState {
  step: number;
  epoch: number;
  /** Batches of the current epoch already consumed. */
  batchInEpoch: number;
  rng: RngState;
  plateau: PlateauState;
  best: { metric: string; value: number; step: number } | null;
  /** Validations since the early-stopping metric last improved. */
  staleValidations: number;
  trainSeconds: number;
  tokensSeen: number;
}

export interface Checkpoint {
  model: ModelConfig;
  vocab: { source: VocabJson; target: VocabJson };
  parameters: ParameterBlob;
  optimizer: OptimizerState;
  trainer: TrainerState;
}

interface Header {
  format: 'mtlab-checkpoint';
  version: 1;
  model: ModelConfig;
  vocab: Checkpoint['vocab'];
  parameters: { names: string[]; shapes: number[][] };
  optimizer: { kind: OptimizerState['kind']; step: number; slotsPerParameter: number; lengths: number[] };
  trainer: TrainerState;
  /** Length of every float32 array that follows, in order. */
  arrays: number[];
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const optimizerArrays = c.optimizer.slots.flat();
  const arrays = [c.parameters.values, ...optimizerArrays];
  const header: Header = {
    format: 'mtlab-checkpoint',
    version: 1,
    model: c.model,
    vocab: c.vocab,
    parameters: { names: c.parameters.names, shapes: c.parameters.shapes },
    optimizer: {
      kind: c.optimizer.kind,
      step: c.optimizer.step,
      slotsPerParameter: c.optimizer.slots[0]?.length ?? 0,
      lengths: optimizerArrays.map((a) => a.length),
    },
    trainer: c.trainer,
    arrays: arrays.map((a) => a.length),
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  if (pad > 0) json = Buffer.concat([json, Buffer.from(' '.repeat(pad))]);
  const floats = arrays.reduce((n, a) => n + a.length, 0);
  const out = Buffer.alloc(MAGIC.length + 4 + json.length + floats * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  let offset = MAGIC.length + 4 + json.length;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset);
    offset += a.byteLength;
  }
  return out;
}

export function decodeCheckpoint(buffer: Buffer): Checkpoint {
  if (buffer.length < MAGIC.length + 4 || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new Error('not an mtlab checkpoint');
  }
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  const header = JSON.parse(buffer.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as Header;
  if (header.format !== 'mtlab-checkpoint' || header.version !== 1) throw new Error('unsupported checkpoint version');
  let offset = MAGIC.length + 4 + headerLength;
  const arrays = header.arrays.map((length) => {
    const bytes = buffer.subarray(offset, offset + length * 4);
    if (bytes.length !== length * 4) throw new Error('checkpoint is truncated');
    offset += length * 4;
    return new Float32Array(new Uint8Array(bytes).buffer);
  });
  const [values, ...optimizerArrays] = arrays;
  const per = header.optimizer.slotsPerParameter;
  const slots: Float32Array[][] = [];
  for (let i = 0; i < optimizerArrays.length; i += per) slots.push(optimizerArrays.slice(i, i + per));
  return {
    model: header.model,
    vocab: header.vocab,
    parameters: { names: header.parameters.names, shapes: header.parameters.shapes, values: values! },
    optimizer: { kind: header.optimizer.kind, step: header.optimizer.step, slots },
    trainer: header.trainer,
  };
}

/**
 * What is structurally wrong with a checkpoint blob (bad magic, unreadable header, arrays that do not fill the blob
 * exactly), or null when it decodes. Cheap: the float arrays are measured, not copied.
 */
export function checkpointProblem(buffer: Buffer): string | null {
  if (buffer.length < MAGIC.length + 4 || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    return 'it is not an mtlab checkpoint';
  }
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  if (MAGIC.length + 4 + headerLength > buffer.length) return 'its header runs past the end of the blob';
  let header: Partial<Header>;
  try {
    header = JSON.parse(buffer.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as Partial<Header>;
  } catch (error) {
    return `its header is unreadable (${(error as Error).message})`;
  }
  if (header.format !== 'mtlab-checkpoint' || header.version !== 1) return 'unsupported checkpoint version';
  if (!Array.isArray(header.arrays) || !header.arrays.every((n) => Number.isInteger(n) && n >= 0)) {
    return 'its header lists no array sizes';
  }
  const floats = header.arrays.reduce((n, a) => n + a, 0);
  const expected = MAGIC.length + 4 + headerLength + floats * 4;
  if (expected !== buffer.length) {
    return `it holds ${buffer.length} bytes where its header describes ${expected}`;
  }
  return null;
}
