// Greedy and beam search (engine/decode/search.ts) on tiny random models, against an exhaustive search that scores
// every possible output with the teacher-forced (training) path of the model: a different code path, so a search
// that mis-tracks its beams, prunes wrongly, or ranks by the wrong length penalty disagrees with it.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../../engine/contract/api.js';
import { useBackend } from '../../../engine/backend/select.js';
import type { Batch } from '../../../engine/data/batch.js';
import { EOS_ID, PAD_ID, SOS_ID, UNK_ID } from '../../../engine/data/vocab.js';
import { beamSearch, greedySearch, type Hypothesis, lengthPenalty } from '../../../engine/decode/search.js';
import { Dropout } from '../../../engine/model/dropout.js';
import { Seq2Seq, timeMajor } from '../../../engine/model/seq2seq.js';
import { Rng } from '../../../engine/random.js';

const TARGET_VOCAB = 6; // <pad> <unk> <sos> <eos> and two words
const SOURCE = [4, 5];
const LIMITS = { maxLengthRatio: 1, maxLengthOffset: 1 }; // ⌈1 · 2⌉ + 1 = 3 output tokens at most
const MAX_TOKENS = 3;
/** What an output token can be: never <pad> or <sos>. */
const EMITTABLE = [UNK_ID, 4, 5];

function config(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    cell: 'gru',
    attention: 'bahdanau',
    luongScore: 'general',
    inputFeeding: false,
    embeddingSize: 4,
    hiddenSize: 6,
    attentionSize: 4,
    layers: 1,
    bidirectional: false,
    dropout: 0,
    ...overrides,
  };
}

/** A random model with peaked output distributions (the default initialisation is nearly uniform). */
function randomModel(seed: number, overrides: Partial<ModelConfig> = {}): Seq2Seq {
  const model = new Seq2Seq(config(overrides), 6, TARGET_VOCAB, seed);
  const rng = new Rng(seed + 100);
  for (const name of ['decoder.W_out', 'decoder.b_out']) {
    const variable = model.params.get(name);
    variable.assign(
      tf.tensor(
        Float32Array.from({ length: variable.size }, () => 2 * rng.normal()),
        variable.shape,
      ),
    );
  }
  return model;
}

/** A model whose output bias says `bias[id]` (weights zeroed): the same distribution at every step. */
function biasedModel(bias: Record<number, number>): Seq2Seq {
  const model = new Seq2Seq(config(), 6, TARGET_VOCAB, 1);
  const w = model.params.get('decoder.W_out');
  w.assign(tf.zerosLike(w));
  const b = Float32Array.from({ length: TARGET_VOCAB }, (_, id) => bias[id] ?? 0);
  model.params.get('decoder.b_out').assign(tf.tensor1d(b));
  return model;
}

interface Candidate {
  tokens: number[];
  finished: boolean;
  logProb: number;
}

/** Every output of at most MAX_TOKENS tokens (finished with <eos> earlier, or cut at the limit), scored exactly. */
function exhaustive(model: Seq2Seq): Candidate[] {
  const outputs: { tokens: number[]; finished: boolean }[] = [];
  const grow = (prefix: number[]): void => {
    if (prefix.length === MAX_TOKENS) {
      outputs.push({ tokens: prefix, finished: false });
      return;
    }
    outputs.push({ tokens: prefix, finished: true });
    for (const token of EMITTABLE) grow([...prefix, token]);
  };
  grow([]);
  // One teacher-forced batch: row r feeds <sos> + tokens and must predict tokens (+ <eos> when finished).
  const size = outputs.length;
  const length = MAX_TOKENS + 1;
  const batch: Batch = {
    size,
    sourceLength: SOURCE.length + 1,
    targetLength: length,
    source: Int32Array.from(outputs.flatMap(() => [...SOURCE, EOS_ID])),
    sourceMask: new Float32Array(size * (SOURCE.length + 1)).fill(1),
    sourceLengths: new Int32Array(size).fill(SOURCE.length + 1),
    targetIn: new Int32Array(size * length).fill(PAD_ID),
    targetOut: new Int32Array(size * length).fill(PAD_ID),
    targetMask: new Float32Array(size * length),
    indices: outputs.map((_, i) => i),
  };
  outputs.forEach(({ tokens, finished }, r) => {
    const out = finished ? [...tokens, EOS_ID] : tokens;
    [SOS_ID, ...out.slice(0, -1)].forEach((id, t) => (batch.targetIn[r * length + t] = id));
    out.forEach((id, t) => {
      batch.targetOut[r * length + t] = id;
      batch.targetMask[r * length + t] = 1;
    });
  });
  const logProbs = tf.tidy(
    () => tf.logSoftmax(model.teacherForced(batch, Dropout.none).logits).dataSync() as Float32Array,
  );
  const targets = timeMajor(batch.targetOut, size, length);
  const mask = timeMajor(batch.targetMask, size, length);
  return outputs.map((output, r) => {
    let logProb = 0;
    for (let t = 0; t < length; t++) {
      const i = t * size + r;
      if (mask[i] !== 0) logProb += logProbs[i * TARGET_VOCAB + targets[i]!]!;
    }
    return { ...output, logProb };
  });
}

/** The ranking score of beam search: log P / lp(|Y|), |Y| counting <eos> when produced. */
function score(candidate: Candidate, alpha: number): number {
  return candidate.logProb / lengthPenalty(candidate.tokens.length + (candidate.finished ? 1 : 0), alpha);
}

const ranked = (candidates: Candidate[], alpha: number): Candidate[] =>
  [...candidates].sort((a, b) => score(b, alpha) - score(a, alpha));

const same = (h: Hypothesis, c: Candidate): boolean =>
  h.finished === c.finished && h.tokens.length === c.tokens.length && h.tokens.every((t, i) => t === c.tokens[i]);

describe('greedy and beam search', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('beam 1 is greedy search: the same tokens, log-probability and attention', () => {
    for (const seed of [1, 2, 3, 4]) {
      const model = randomModel(seed);
      try {
        const sources = [SOURCE, [5], [4, 4, 5, 4]];
        const greedy = greedySearch(model, sources, LIMITS);
        const beam = beamSearch(model, sources, { ...LIMITS, beamSize: 1, lengthPenalty: 0 });
        greedy.forEach((g, i) => {
          const b = beam[i]![0]!;
          assert.deepEqual(b.tokens, g.tokens, `seed ${seed}, source ${i}`);
          assert.equal(b.finished, g.finished);
          assert.ok(Math.abs(b.logProb - g.logProb) < 1e-9, `${b.logProb} vs ${g.logProb}`);
          assert.deepEqual(b.attention, g.attention);
        });
      } finally {
        model.dispose();
      }
    }
  });

  it('a beam wide enough to keep every hypothesis finds the exhaustive search’s n best, in order, for several length penalties', () => {
    let greedyWasBeaten = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const model = randomModel(seed);
      try {
        const all = exhaustive(model);
        assert.equal(all.length, 13 + 27);
        for (const alpha of [0, 0.6, 1, 2]) {
          const want = ranked(all, alpha);
          const got = beamSearch(model, [SOURCE], {
            ...LIMITS,
            beamSize: 27,
            lengthPenalty: alpha,
            nBest: 10,
          })[0]!;
          assert.equal(got.length, 10);
          got.forEach((h, i) => {
            assert.ok(
              same(h, want[i]!),
              `seed ${seed}, α=${alpha}, rank ${i}: [${h.tokens}]${h.finished ? ' <eos>' : ''}, ` +
                `want [${want[i]!.tokens}]${want[i]!.finished ? ' <eos>' : ''}`,
            );
            assert.ok(Math.abs(h.logProb - want[i]!.logProb) < 1e-4, `${h.logProb} vs ${want[i]!.logProb}`);
            assert.ok(Math.abs(h.score - score(want[i]!, alpha)) < 1e-4);
            if (i > 0) assert.ok(got[i - 1]!.score >= h.score, 'n-best list in descending score');
          });
          const greedy = greedySearch(model, [SOURCE], LIMITS)[0]!;
          const greedyCandidate = all.find((c) => same(greedy, c))!;
          if (score(want[0]!, alpha) > score(greedyCandidate, alpha) + 1e-6) greedyWasBeaten++;
        }
      } finally {
        model.dispose();
      }
    }
    // The test means something only if greedy search is not already optimal on these models.
    assert.ok(greedyWasBeaten >= 3, `greedy was optimal on nearly every model (beaten ${greedyWasBeaten} times)`);
  });

  it('a narrower beam returns distinct real outputs, in descending score', () => {
    for (const seed of [7, 8, 9]) {
      const model = randomModel(seed, { attention: 'luong' });
      try {
        const all = exhaustive(model);
        const beam = beamSearch(model, [SOURCE], { ...LIMITS, beamSize: 3, lengthPenalty: 0 })[0]!;
        assert.equal(beam.length, 3);
        for (let i = 1; i < beam.length; i++) assert.ok(beam[i - 1]!.score >= beam[i]!.score);
        // Every returned hypothesis is a real output with the log-probability the model gives it.
        for (const h of beam) {
          const c = all.find((candidate) => same(h, candidate));
          assert.ok(c !== undefined && Math.abs(c.logProb - h.logProb) < 1e-4);
        }
        const distinct = new Set(beam.map((h) => `${h.tokens.join(' ')}|${h.finished}`));
        assert.equal(distinct.size, beam.length, 'no hypothesis twice');
      } finally {
        model.dispose();
      }
    }
  });

  it('stops a hypothesis at <eos>: tokens without it, one attention row per step including it', () => {
    const model = biasedModel({ [EOS_ID]: 10 });
    try {
      const [greedy] = greedySearch(model, [SOURCE], LIMITS);
      assert.deepEqual(greedy!.tokens, []);
      assert.equal(greedy!.finished, true);
      assert.equal(greedy!.attention.length, 1);
      assert.equal(greedy!.attention[0]!.length, SOURCE.length + 1);
      const beam = beamSearch(model, [SOURCE], { ...LIMITS, beamSize: 2, lengthPenalty: 0.6 })[0]!;
      assert.deepEqual(beam[0]!.tokens, []);
      assert.equal(beam[0]!.finished, true);
      assert.ok(beam.every((h) => h.finished));
    } finally {
      model.dispose();
    }
  });

  it('cuts a hypothesis that never ends at ⌈ratio · n⌉ + offset tokens, unfinished', () => {
    const model = biasedModel({ 4: 10, [EOS_ID]: -10 });
    try {
      for (const [source, limit] of [
        [SOURCE, 3],
        [[4, 5, 4, 5, 4], 6],
      ] as const) {
        const [greedy] = greedySearch(model, [[...source]], LIMITS);
        assert.deepEqual(greedy!.tokens, new Array(limit).fill(4));
        assert.equal(greedy!.finished, false);
        assert.equal(greedy!.attention.length, limit);
        const beam = beamSearch(model, [[...source]], { ...LIMITS, beamSize: 3, lengthPenalty: 1 })[0]!;
        assert.deepEqual(beam[0]!.tokens, new Array(limit).fill(4));
        assert.equal(beam[0]!.finished, false);
        assert.ok(Math.abs(beam[0]!.score - beam[0]!.logProb / lengthPenalty(limit, 1)) < 1e-9);
        assert.ok(beam.every((h) => h.tokens.length <= limit));
      }
    } finally {
      model.dispose();
    }
  });

  it('never emits <pad> or <sos>, even from a model that prefers them', () => {
    const model = biasedModel({ [PAD_ID]: 8, [SOS_ID]: 7, 5: 1 });
    try {
      const [greedy] = greedySearch(model, [SOURCE, [4]], LIMITS);
      assert.deepEqual(greedy!.tokens, [5, 5, 5]);
      for (const list of beamSearch(model, [SOURCE, [4]], { ...LIMITS, beamSize: 4, lengthPenalty: 0.6, nBest: 4 })) {
        assert.equal(list.length, 4);
        for (const h of list) assert.ok(!h.tokens.includes(PAD_ID) && !h.tokens.includes(SOS_ID), `[${h.tokens}]`);
      }
    } finally {
      model.dispose();
    }
  });
});
