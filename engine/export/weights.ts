/**
 * Weights in TensorFlow.js's layout: the parameters' float32 values (little-endian), concatenated in order and cut
 * into shards of at most 4 MB, each listed with its size and SHA-256. Reading checks every shard before a single
 * value is used: a missing, truncated or modified file is an error that names it, never a wrong translation.
 *
 * Pure (Web Crypto for SHA-256, available in Node and in browsers), shared by the Node loader and the runtime.
 */
import { LabError } from '../errors.js';
import type { ParameterBlob } from '../model/params.js';
import { SHARD_BYTES, type WeightFile, type WeightsGroup } from './format.js';

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // A copy (at most one 4 MB shard) gives Web Crypto the plain ArrayBuffer-backed view its types ask for.
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface PackedWeights {
  group: WeightsGroup;
  files: WeightFile[];
  /** The shards' bytes, in `files` order. */
  shards: Uint8Array[];
}

/** One weights group over shards named as TensorFlow.js names them (`group1-shard1of2.bin`, ...). */
export async function packWeights(blob: ParameterBlob, shardBytes = SHARD_BYTES): Promise<PackedWeights> {
  const bytes = new Uint8Array(blob.values.buffer, blob.values.byteOffset, blob.values.byteLength);
  const count = Math.max(1, Math.ceil(bytes.length / shardBytes));
  const shards = Array.from({ length: count }, (_, i) => bytes.slice(i * shardBytes, (i + 1) * shardBytes));
  const paths = shards.map((_, i) => `group1-shard${i + 1}of${count}.bin`);
  const files = await Promise.all(
    shards.map(async (shard, i) => ({ path: paths[i]!, bytes: shard.length, sha256: await sha256Hex(shard) })),
  );
  const weights = blob.names.map((name, i) => ({ name, shape: blob.shapes[i]!.slice(), dtype: 'float32' as const }));
  return { group: { paths, weights }, files, shards };
}

/** Where the bundle's files come from: a folder, URLs, or files a person picked. */
export interface BundleSource {
  /** How to name a file of the bundle in a message (a path or URL). */
  describe(file: string): string;
  /** The file's bytes, or null when it does not exist. */
  read(file: string): Promise<Uint8Array | null>;
}

/** Read and verify every shard, then cut each group's bytes into its tensors. */
export async function readWeights(
  groups: readonly WeightsGroup[],
  files: readonly WeightFile[],
  source: BundleSource,
  manifestName: string,
): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const group of groups) {
    const shards: Uint8Array[] = [];
    for (const path of group.paths) {
      const expected = byPath.get(path)!;
      const where = source.describe(path);
      const bytes = await source.read(path);
      if (bytes === null) {
        throw new LabError('bundle', `missing weights file ${where} (listed in ${manifestName})`, { file: where });
      }
      if (bytes.length !== expected.bytes) {
        const how = bytes.length < expected.bytes ? 'truncated' : 'longer than written';
        throw new LabError(
          'bundle',
          `weights file ${where} is ${how}: it has ${bytes.length} bytes, ${manifestName} says ${expected.bytes}`,
          { file: where },
        );
      }
      const actual = await sha256Hex(bytes);
      if (actual !== expected.sha256) {
        throw new LabError(
          'bundle',
          `weights file ${where} has been modified: its SHA-256 is ${actual}, ${manifestName} says ${expected.sha256}`,
          { file: where },
        );
      }
      shards.push(bytes);
    }
    const total = shards.reduce((n, s) => n + s.length, 0);
    const needed = group.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (total !== needed) {
      throw new LabError(
        'bundle',
        `${manifestName}: the weights listed for ${group.paths.join(', ')} need ${needed} bytes, the files hold ${total}`,
        { file: manifestName, field: 'weightsManifest' },
      );
    }
    // One aligned copy, so every tensor is a Float32Array view at a multiple of 4 bytes.
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const shard of shards) {
      joined.set(shard, offset);
      offset += shard.length;
    }
    offset = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (tensors.has(w.name)) {
        throw new LabError('bundle', `${manifestName}: weight ${w.name} is listed twice`, {
          file: manifestName,
          field: 'weightsManifest',
        });
      }
      tensors.set(w.name, { shape: w.shape, values: new Float32Array(joined.buffer, offset, size) });
      offset += size * 4;
    }
  }
  return tensors;
}

/** Order the tensors as the model's parameters, checking that names and shapes match exactly. */
export function parametersFor(
  expected: readonly { name: string; shape: readonly number[] }[],
  tensors: ReadonlyMap<string, { shape: number[]; values: Float32Array }>,
  manifestName: string,
): ParameterBlob {
  const fail = (message: string): never => {
    throw new LabError('bundle', `${manifestName}: ${message}`, { file: manifestName, field: 'weightsManifest' });
  };
  const missing = expected.filter((p) => !tensors.has(p.name)).map((p) => p.name);
  if (missing.length > 0) fail(`the model needs weights the bundle lacks: ${missing.join(', ')}`);
  const known = new Set(expected.map((p) => p.name));
  const extra = [...tensors.keys()].filter((name) => !known.has(name));
  if (extra.length > 0) fail(`the bundle has weights this model does not use: ${extra.join(', ')}`);
  let total = 0;
  for (const p of expected) {
    const t = tensors.get(p.name)!;
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      fail(`weight ${p.name} has shape [${t.shape.join(', ')}], but the model config needs [${p.shape.join(', ')}]`);
    }
    total += t.values.length;
  }
  const values = new Float32Array(total);
  let offset = 0;
  for (const p of expected) {
    const t = tensors.get(p.name)!;
    values.set(t.values, offset);
    offset += t.values.length;
  }
  return { names: expected.map((p) => p.name), shapes: expected.map((p) => p.shape.slice()), values };
}
