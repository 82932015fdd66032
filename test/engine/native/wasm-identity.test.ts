import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../../engine/backend/select.js';

describe('wasm Identity shares data instead of copying', () => {
  before(async () => {
    assert.equal(await useBackend('wasm'), 'wasm');
  });

  it('a clone outlives its original, keeps its values and frees the memory with the last reference', () => {
    const buffersBefore = tf.memory().numDataBuffers;
    const original = tf.tensor([1, 2, 3, 4], [2, 2]);
    const copy = tf.clone(original);
    assert.equal(copy.dataId, original.dataId);
    assert.equal(tf.memory().numDataBuffers, buffersBefore + 1, 'one buffer for both');
    original.dispose();
    assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3, 4]);
    copy.dispose();
    assert.equal(tf.memory().numDataBuffers, buffersBefore);
  });

  it('saved tensors of a gradient stay valid after the forward tensors are gone, and nothing leaks', () => {
    const x = tf.variable(tf.tensor([0.5, -1, 2]));
    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      // tanh saves its output and exp its input, through Identity; tidy disposes the forward tensors first.
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.tanh(x), tf.exp(x))) as tf.Scalar, [x]);
      const got = Array.from(grads[x.name]!.dataSync());
      const want = [0.5, -1, 2].map((v) => {
        const t = Math.tanh(v);
        return (1 - t * t) * Math.exp(v) + t * Math.exp(v);
      });
      got.forEach((g, k) => assert.ok(Math.abs(g - want[k]!) < 1e-5, `${g} vs ${want[k]}`));
      value.dispose();
      tf.dispose(grads);
    }
    assert.equal(tf.memory().numTensors, tensorsBefore);
    // A variable assigned a new value does not change a clone taken before.
    const snapshot = tf.clone(x);
    x.assign(tf.tensor([7, 8, 9]));
    assert.deepEqual(Array.from(snapshot.dataSync()), [0.5, -1, 2]);
    snapshot.dispose();
    x.dispose();
  });
});
