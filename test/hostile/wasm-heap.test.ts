/**
 * Hostile inputs: a request big enough to exhaust the wasm heap (4 GiB at most).
 *
 * tfjs-backend-wasm takes whatever `malloc` returns as a tensor's address, and `malloc` returns 0 when the heap
 * cannot grow. Every output allocated after that point lived at address 0, over the heap's static data and the
 * tensors already there: the native fused kernels caught it as "additiveAttentionForward: an output overlaps an
 * input" (a 10,000-character text at beam 25), the JavaScript kernels wrote over live memory. The lab now refuses
 * the allocation with an out-of-memory error naming the sizes, and the heap stays usable.
 *
 * The heap is filled cheaply: one allocation of nearly 4 GiB that nothing writes into reserves address space but
 * (on Linux) no resident memory. Each test file runs in its own process, so the grown heap does not outlive it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { runFused } from '../../engine/backend/fused-kernels.js';
import { useBackend } from '../../engine/backend/select.js';
import type { WasmBackendLike } from '../../engine/backend/memory.js';
import { LabError } from '../../engine/errors.js';

const MiB = 1024 ** 2;

describe('hostile: an exhausted wasm heap', () => {
  let backend: WasmBackendLike & { getMemoryOffset(dataId: object): number };

  before(async () => {
    await useBackend('wasm');
    backend = tf.backend() as unknown as typeof backend;
  });

  /** A block of `bytes` nothing writes into, or null where the heap has no room (guarded or not). */
  const tryAllocate = (bytes: number): TensorInfo | null => {
    let info: TensorInfo;
    try {
      info = backend.makeOutput([bytes / 4], 'float32');
    } catch {
      return null;
    }
    if (backend.getMemoryOffset(info.dataId) !== 0) return info;
    backend.disposeData(info.dataId);
    return null;
  };

  it('refuses a fused attention step whose outputs no longer fit, instead of placing them at address 0', () => {
    const [batch, source, size, valueSize] = [64, 40, 32, 32];
    const keys = tf.randomNormal([batch, source, size]);
    const query = tf.randomNormal([batch, size]);
    const energy = tf.randomNormal([size]);
    const maskBias = tf.zeros([batch, source]);
    const values = tf.randomNormal([batch, source, valueSize]);
    const before = Float32Array.from(keys.dataSync());
    // Fill the heap: one big block, then smaller ones, until less is left than the step's outputs (~330 KB).
    const filler: TensorInfo[] = [];
    for (const block of [256 * MiB, 16 * MiB, MiB, 64 * 1024]) {
      for (;;) {
        const info = tryAllocate(block);
        if (info === null) break;
        filler.push(info);
      }
    }
    try {
      assert.throws(
        () => runFused('MtlabAdditiveAttention', { keys, query, energy, maskBias, values }),
        (error: unknown) => {
          assert.ok(error instanceof LabError, `expected a LabError, got ${String(error)}`);
          assert.equal(error.code, 'out-of-memory');
          assert.match(error.message, /wasm heap/);
          assert.match(error.message, /\d+(\.\d+)? [KMG]B/);
          assert.doesNotMatch(error.message, /overlap/);
          return true;
        },
      );
    } finally {
      for (const f of filler) backend.disposeData(f.dataId);
    }
    // Nothing was written over: the inputs are intact and the heap works again.
    assert.deepEqual(Float32Array.from(keys.dataSync()), before);
    const [context] = runFused('MtlabAdditiveAttention', { keys, query, energy, maskBias, values }) as tf.Tensor[];
    assert.deepEqual(context!.shape, [batch, valueSize]);
    assert.ok(context!.dataSync().every(Number.isFinite));
    tf.dispose([keys, query, energy, maskBias, values]);
  });
});
