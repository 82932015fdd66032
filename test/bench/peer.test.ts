import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../engine/contract/api.js';
import { useBackend } from '../../engine/backend/select.js';
import type { Batch } from '../../engine/data/batch.js';
import { beamSearch, greedySearch } from '../../engine/decode/search.js';
import { Dropout } from '../../engine/model/dropout.js';
import { Seq2Seq } from '../../engine/model/seq2seq.js';
import { Rng } from '../../engine/random.js';
import { countPytorchParameters, INSTALL_HINT, parsePeerOutput, runPytorchPeer } from '../../bench/peer.js';
import { repoRoot, tempDir } from '../helpers/paths.js';

const figures = (threads: number, msPerStep: number) => ({
  threads,
  msPerStep,
  tokensPerSecond: (64 * 10 * 1000) / msPerStep,
  greedySentencesPerSecond: 4000,
  beamSentencesPerSecond: 1200,
  stepMs: { min: msPerStep - 5, median: msPerStep, max: msPerStep + 9 },
});

const report = {
  torch: '1.13.0a0',
  blas: 'OpenBLAS 0.3.21 (pthread)',
  python: '/usr/bin/python3',
  parameters: 2078416,
  config: { batch: 64, targetLength: 10 },
  loadAverage: { before: 0.2, after: 1.1, cores: 2 },
  threads: { '1': figures(1, 110), '2': figures(2, 150) },
  best: figures(1, 110),
};

/** A stand-in for Python: a shell script that prints `stdout`, `stderr` and exits with `code`. */
function fakePython(name: string, body: { stdout?: string; stderr?: string; code?: number; sleep?: number }): string {
  const file = path.join(tempDir('mtlab-peer-'), name);
  const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      body.sleep ? `exec sleep ${body.sleep}` : '',
      body.stderr ? `printf '%s\\n' ${quote(body.stderr)} >&2` : '',
      body.stdout ? `printf '%s\\n' ${quote(body.stdout)}` : '',
      `exit ${body.code ?? 0}`,
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

const torchMissing = (python: string) =>
  JSON.stringify({ error: 'torch-missing', python, pythonVersion: '3.11.7', message: `${python} cannot import torch` });

describe('PyTorch peer output', () => {
  it('reads the JSON object on the last line, after progress lines', () => {
    const result = parsePeerOutput(`pytorch: warming up\n${JSON.stringify(report)}\n\n`, 'python3');
    assert.equal(result.available, true);
    assert.equal(result.torch, '1.13.0a0');
    assert.equal(result.blas, 'OpenBLAS 0.3.21 (pthread)');
    assert.equal(result.parameters, 2078416);
    assert.deepEqual(Object.keys(result.threads), ['1', '2']);
    assert.equal(result.threads['2']!.msPerStep, 150);
    assert.deepEqual(result.best, {
      threads: 1,
      msPerStep: 110,
      tokensPerSecond: 64000 / 11,
      greedySentencesPerSecond: 4000,
      beamSentencesPerSecond: 1200,
    });
    assert.equal(result.config.batch, 64);
    assert.deepEqual(result.loadAverage, { before: 0.2, after: 1.1, cores: 2 });
  });

  it('names what is wrong with malformed output', () => {
    assert.throws(() => parsePeerOutput('Traceback (most recent call last):', 'python3'), /did not end with a JSON/);
    assert.throws(() => parsePeerOutput('[1, 2]', 'python3'), /not a JSON object/);
    assert.throws(() => parsePeerOutput(torchMissing('/usr/bin/python3'), 'python3'), /torch-missing/);
    const { best: _best, ...withoutBest } = report;
    assert.throws(() => parsePeerOutput(JSON.stringify(withoutBest), 'python3'), /no best/);
    const slow = { ...report, threads: { '1': { ...figures(1, 110), msPerStep: 'fast' } } };
    assert.throws(() => parsePeerOutput(JSON.stringify(slow), 'python3'), /threads\.1\.msPerStep/);
  });
});

describe('runPytorchPeer', () => {
  it('says how to install torch when no Python has it', async () => {
    const withoutTorch = fakePython('python3', { stdout: torchMissing('/opt/pyenv/python3'), code: 3 });
    const result = await runPytorchPeer({ pythons: ['/nonexistent/python3', withoutTorch] });
    assert.equal(result.available, false);
    assert.ok(!result.available);
    assert.match(result.reason, /^python3-torch is not installed/);
    assert.ok(result.reason.includes('/nonexistent/python3: not found'), result.reason);
    assert.ok(result.reason.includes('/opt/pyenv/python3, Python 3.11.7: no module named torch'), result.reason);
    assert.ok(result.reason.endsWith(INSTALL_HINT), result.reason);
  });

  it('goes on to the next Python and returns its figures', async () => {
    const withoutTorch = fakePython('python3', { stdout: torchMissing('/opt/pyenv/python3'), code: 3 });
    const withTorch = fakePython('python3-torch', { stdout: JSON.stringify(report), stderr: 'pytorch: 1 thread(s)' });
    const progress: string[] = [];
    const result = await runPytorchPeer({ pythons: [withoutTorch, withTorch], onProgress: (l) => progress.push(l) });
    assert.ok(result.available);
    assert.equal(result.best.threads, 1);
    assert.equal(result.parameters, 2078416);
    assert.deepEqual(progress, ['pytorch: 1 thread(s)']);
  });

  it('reports a failing script with its last error lines', async () => {
    const broken = fakePython('python3', { stderr: 'RuntimeError: out of memory', code: 1 });
    const result = await runPytorchPeer({ pythons: [broken] });
    assert.ok(!result.available);
    assert.match(result.reason, /failed with exit code 1: RuntimeError: out of memory/);
  });

  it('stops a run that takes longer than its time limit', async () => {
    const slow = fakePython('python3', { sleep: 20, stdout: JSON.stringify(report) });
    const started = Date.now();
    const result = await runPytorchPeer({ pythons: [slow], timeoutMs: 300 });
    assert.ok(!result.available);
    assert.match(result.reason, /took longer than 300 ms/);
    assert.ok(Date.now() - started < 5000);
  });
});

const referenceModel: ModelConfig = {
  cell: 'gru',
  attention: 'bahdanau',
  luongScore: 'general',
  inputFeeding: false,
  embeddingSize: 128,
  hiddenSize: 256,
  attentionSize: 256,
  layers: 1,
  bidirectional: false,
  dropout: 0,
};

interface PeerComputation {
  loss: number;
  gradNorm: number;
  /** Per PyTorch parameter: the mtlab parameters it is made of and the norm of its gradient. */
  gradNorms: { mtlab: string[]; norm: number }[];
  greedy: { tokens: number[]; logProb: number }[];
  beam: { tokens: number[]; score: number }[][];
}

describe('the PyTorch model matches mtlab', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('has the same number of parameters as mtlab for the reference model (where torch is installed)', async (t) => {
    const model = new Seq2Seq(referenceModel, 2000, 2000, 1);
    const mtlabCount = model.params.count;
    model.dispose();
    assert.equal(mtlabCount, 2078416);
    const peer = await countPytorchParameters({ timeoutMs: 60_000 });
    if (!peer.available) {
      t.skip(peer.reason);
      return;
    }
    assert.equal(peer.parameters, mtlabCount);
  });

  it('computes the same loss, gradients and translations from the same weights (where torch is installed)', async (t) => {
    const peer = await countPytorchParameters({ timeoutMs: 60_000 });
    if (!peer.available) {
      t.skip(peer.reason);
      return;
    }
    const [sourceVocab, targetVocab] = [30, 25];
    const config: ModelConfig = { ...referenceModel, embeddingSize: 8, hiddenSize: 16, attentionSize: 12 };
    const model = new Seq2Seq(config, sourceVocab, targetVocab, 7);
    // Larger weights than the initial ones, so outputs depend clearly on the inputs and a wrong wire shows.
    for (const variable of model.params.variables) variable.assign(tf.tidy(() => tf.mul(variable, 2.5)));
    const rng = new Rng(11);
    const ids = (count: number, vocab: number): number[] =>
      Array.from({ length: count }, () => rng.range(4, vocab - 1));
    const [size, sourceLength, targetLength] = [3, 5, 4];
    const source = Array.from({ length: size }, () => ids(sourceLength, sourceVocab));
    const words = Array.from({ length: size }, () => ids(targetLength - 1, targetVocab));
    const targetIn = words.map((w) => [2, ...w]);
    const targetOut = words.map((w) => [...w, 3]);
    const batch: Batch = {
      size,
      sourceLength,
      targetLength,
      source: Int32Array.from(source.flat()),
      sourceMask: new Float32Array(size * sourceLength).fill(1),
      sourceLengths: new Int32Array(size).fill(sourceLength),
      targetIn: Int32Array.from(targetIn.flat()),
      targetOut: Int32Array.from(targetOut.flat()),
      targetMask: new Float32Array(size * targetLength).fill(1),
      indices: [0, 1, 2],
    };
    const variables = model.params.variables;
    let loss = 0;
    const gradientSquares = new Map<string, number>();
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => model.loss(batch, { dropout: Dropout.none, teacherForcing: 1, rng: null, labelSmoothing: 0 }),
        variables,
      );
      loss = value.dataSync()[0]!;
      for (const name of model.params.names) {
        gradientSquares.set(name, tf.sum(tf.square(grads[model.params.get(name).name]!)).dataSync()[0]!);
      }
    });
    const gradNorm = Math.sqrt([...gradientSquares.values()].reduce((a, b) => a + b, 0));
    const sentences = Array.from({ length: 4 }, () => ids(6, sourceVocab));
    const search = { maxLengthRatio: 0, maxLengthOffset: 7 };
    const greedy = greedySearch(model, sentences, search);
    const beam = beamSearch(model, sentences, { ...search, beamSize: 3, lengthPenalty: 0.6 });

    const blob = model.params.serialize();
    model.dispose();
    const file = path.join(tempDir('mtlab-peer-'), 'weights.json');
    writeFileSync(
      file,
      JSON.stringify({
        config: { sourceVocab, targetVocab, embeddingSize: 8, hiddenSize: 16, attentionSize: 12 },
        names: blob.names,
        shapes: blob.shapes,
        values: Array.from(blob.values),
        batch: { source, targetIn, targetOut },
        sentences,
        maxLength: 7,
        beamSize: 3,
        lengthPenalty: 0.6,
      }),
    );
    const run = spawnSync(peer.python, [path.join(repoRoot, 'bench/pytorch/equivalence.py'), file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const torch = JSON.parse(run.stdout.trim().split('\n').pop()!) as PeerComputation;

    const close = (actual: number, expected: number, what: string): void =>
      assert.ok(
        Math.abs(actual - expected) <= 1e-4 * Math.max(1, Math.abs(expected)),
        `${what}: ${actual} vs ${expected}`,
      );
    close(torch.loss, loss, 'loss');
    close(torch.gradNorm, gradNorm, 'gradient norm');
    assert.deepEqual(
      torch.greedy.map((h) => h.tokens),
      greedy.map((h) => h.tokens),
    );
    torch.greedy.forEach((h, i) => close(h.logProb, greedy[i]!.logProb, `greedy log-probability ${i}`));
    assert.deepEqual(
      torch.beam.map((hyps) => hyps[0]!.tokens),
      beam.map((hyps) => hyps[0]!.tokens),
    );
    torch.beam.forEach((hyps, i) => {
      assert.equal(hyps.length, beam[i]!.length);
      hyps.forEach((h, j) => close(h.score, beam[i]![j]!.score, `beam score ${i}.${j}`));
    });
  });
});
