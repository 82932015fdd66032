/**
 * The webgpu backend. Where this machine has an adapter (CI: SwiftShader, a CPU emulation of a Vulkan GPU, with
 * VK_ICD_FILENAMES set to chromium's vk_swiftshader_icd.json, as .ci/run does) the model must train and decode on
 * it as on wasm. SwiftShader takes about a second per training step of even a tiny model, so everything here is
 * tiny. Where there is no adapter, those tests skip, saying why once; the selection tests run everywhere.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../../engine/backend/select.js';
import { describeAdapter, probeWebgpu } from '../../../engine/backend/webgpu.js';
import { Seq2Seq } from '../../../engine/model/seq2seq.js';
import type { Store } from '../../../engine/store/store.js';
import { decodeCheckpoint } from '../../../engine/train/checkpoint.js';
import { Trainer } from '../../../engine/train/trainer.js';
import { loadRunModel, translateTextsAsync } from '../../../engine/translate.js';
import { storeWithDataset, tinyConfig } from '../../helpers/training.js';

const backendDir = fileURLToPath(new URL('../../../engine/backend/', import.meta.url));

/** `mtlab info`'s view of the backends, and the one auto picks, in a fresh process under `env`. */
function selection(env: Record<string, string>): { chosen: string; webgpu: { available: boolean; detail: string } } {
  const script = `
    const { describeBackends, useBackend } = await import(${JSON.stringify(backendDir + 'select.js')});
    const webgpu = (await describeBackends()).find((b) => b.name === 'webgpu');
    const chosen = await useBackend('auto');
    process.stdout.write(JSON.stringify({ chosen, webgpu }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, MTLAB_TENSORFLOW: '0', ...env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { chosen: string; webgpu: { available: boolean; detail: string } };
}

describe('webgpu selection', () => {
  it('without any adapter, info says why webgpu was not chosen and auto trains on wasm', () => {
    const none = selection({ VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' });
    assert.equal(none.chosen, 'wasm');
    assert.equal(none.webgpu.available, false);
    assert.match(none.webgpu.detail, /no WebGPU adapter|not installed|failed to start/);
  });

  it('MTLAB_WEBGPU=0 turns it off', () => {
    const off = selection({ MTLAB_WEBGPU: '0' });
    assert.equal(off.webgpu.detail, 'turned off by MTLAB_WEBGPU=0');
    assert.notEqual(off.chosen, 'webgpu');
  });
});

const probe = probeWebgpu();
const skip =
  probe.adapter === null
    ? `no WebGPU adapter here (${probe.reason}); on Debian, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json runs these on SwiftShader`
    : false;

describe('webgpu backend', { skip }, () => {
  it('auto leaves a software adapter alone unless asked, and info lists the adapter with its limits', () => {
    if (!probe.adapter!.software) return;
    const plain = selection({});
    assert.equal(plain.chosen, 'wasm');
    assert.match(plain.webgpu.detail, /software/);
    assert.match(plain.webgpu.detail, /storage buffers per stage/);
    assert.match(plain.webgpu.detail, /not taken by auto: only a software adapter/);
    assert.equal(selection({ MTLAB_WEBGPU: 'software' }).chosen, 'webgpu');
  });

  describe('kernels that tfjs-backend-webgpu 4.22 gets wrong or refuses', () => {
    before(async () => {
      assert.equal(await useBackend('webgpu'), 'webgpu');
    });

    /** `f` on webgpu and on cpu, the largest absolute difference. */
    async function against(f: () => tf.Tensor): Promise<number> {
      await useBackend('webgpu');
      const gpu = await f().data();
      await useBackend('cpu');
      const cpu = await f().data();
      await useBackend('webgpu');
      let worst = 0;
      for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(cpu[i]! - gpu[i]!));
      return worst;
    }

    const values = (n: number, seed: number): Float32Array =>
      Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);

    it('a product with a transposed B and an inner size of 2000 (dy·W_outᵀ of a 2,000-word vocabulary)', async () => {
      const difference = await against(() =>
        tf.matMul(
          tf.tensor(values(16 * 2000, 1), [16, 2000]),
          tf.tensor(values(32 * 2000, 2), [32, 2000]),
          false,
          true,
        ),
      );
      assert.ok(difference < 1e-3, `max difference ${difference}`);
    });

    it('AddN over more inputs than a shader stage has storage buffers (gradients summed over time steps)', async () => {
      const difference = await against(() => tf.addN(Array.from({ length: 30 }, (_, k) => tf.tensor(values(64, k)))));
      assert.ok(difference < 1e-5, `max difference ${difference}`);
    });
  });

  describe('training and decoding on toy-fr match wasm', () => {
    let store: Store;
    // Short sentences, few steps, short outputs: every time step is a few dozen dispatches, each slow on SwiftShader.
    const steps = 2;
    const config = (backend: 'webgpu' | 'wasm') =>
      tinyConfig('toy-fr', {
        data: { maxLength: 5 },
        model: { embeddingSize: 8, hiddenSize: 8, attentionSize: 8 },
        train: { steps, validateEvery: 1, validationPairs: 2, batchSize: 4, learningRate: 0.01 },
        decode: { maxLengthRatio: 1, maxLengthOffset: 1 },
        backend,
      });
    const losses = (runId: number): number[] => [...store.metrics.points(runId, 'train/loss')].map((p) => p.value);
    const train = async (backend: 'webgpu' | 'wasm', options: { resume?: boolean; stopAfterStep?: number } = {}) => {
      const runId = store.createRun({ name: backend, config: config(backend), experimentId: null, totalSteps: 0 });
      const trainer = await Trainer.open(store, runId);
      try {
        await trainer.run({}, options);
      } finally {
        trainer.dispose();
      }
      return runId;
    };
    /** A new run on `backend` that continues `from`'s last checkpoint. */
    const resumeOn = async (backend: 'webgpu' | 'wasm', from: number) => {
      const saved = store.loadCheckpoint(from, 'last')!;
      const runId = store.createRun({ name: backend, config: config(backend), experimentId: null, totalSteps: 0 });
      store.saveCheckpoint(runId, 'last', saved.step, {}, saved.state);
      const trainer = await Trainer.open(store, runId, { resume: true });
      try {
        await trainer.run();
      } finally {
        trainer.dispose();
      }
      return runId;
    };
    const close = (a: number[], b: number[], what: string) => {
      assert.equal(a.length, b.length, what);
      // Same arithmetic in a different order (fused C++ kernels on wasm, tfjs ops on the GPU): float rounding only.
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-4 * Math.max(1, Math.abs(v)), `${what}: ${a} vs ${b}`));
    };
    let onGpu = 0;
    let onWasm = 0;

    before(async () => {
      ({ store } = storeWithDataset('toy-fr', 120));
      onGpu = await train('webgpu');
      onWasm = await train('wasm');
    });
    after(() => store.close());

    // Two steps: the second loss is the first after an Adam update (where tfjs-backend-webgpu's transposed
    // split-K product made it part from cpu's).
    it('records the backend and adapter, and its loss curve is the wasm one within 1e-4', () => {
      assert.equal(store.getRun(onGpu).summary.backend, 'webgpu');
      assert.equal(store.runAdapter(onGpu), describeAdapter(probe.adapter!));
      assert.equal(store.runAdapter(onWasm), null);
      // What `mtlab show` and the app read (RunDetail.adapter).
      assert.equal(store.getRun(onGpu).adapter, describeAdapter(probe.adapter!));
      assert.equal(store.getRun(onWasm).adapter, null);
      close(losses(onGpu), losses(onWasm), 'train/loss');
      assert.equal(losses(onGpu).length, steps);
    });

    it('greedy and beam search give the same translations on a trained checkpoint', async () => {
      const sentences = store
        .datasetPairs('toy-fr', 'test')
        .map((p) => p.source)
        .sort((a, b) => a.length - b.length)
        .slice(0, 2);
      const base = await loadRunModel(store, onGpu, 'last');
      base.model.dispose();
      const checkpoint = decodeCheckpoint(store.loadCheckpoint(onGpu, 'last')!.state);
      const results: Record<string, string[][]> = {};
      for (const backend of ['webgpu', 'wasm'] as const) {
        await useBackend(backend);
        const model = new Seq2Seq(checkpoint.model, base.model.sourceVocabSize, base.model.targetVocabSize, 0);
        model.params.load(checkpoint.parameters);
        const loaded = { ...base, model };
        const greedy = await translateTextsAsync(loaded, { texts: sentences, strategy: 'greedy' });
        const beam = await translateTextsAsync(loaded, { texts: sentences, strategy: 'beam', beamSize: 3 });
        results[backend] = [...greedy, ...beam].map((t) => t.candidates.map((c) => `${c.text} ${c.score.toFixed(3)}`));
        model.dispose();
      }
      assert.deepEqual(results.webgpu, results.wasm);
    });

    it('a checkpoint trained on webgpu resumes on wasm, and one trained on wasm resumes on webgpu', async () => {
      const gpuHalf = await train('webgpu', { stopAfterStep: 1 });
      const onWasmAfterGpu = await resumeOn('wasm', gpuHalf);
      close(losses(onWasmAfterGpu), losses(onWasm).slice(1), 'webgpu → wasm');
      const wasmHalf = await train('wasm', { stopAfterStep: 1 });
      const onGpuAfterWasm = await resumeOn('webgpu', wasmHalf);
      close(losses(onGpuAfterWasm), losses(onGpu).slice(1), 'wasm → webgpu');
    });
  });
});
