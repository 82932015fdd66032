/**
 * Decoding: greedy search and beam search, batched over sentences, returning tokens, scores and the attention
 * weights of every output step.
 *
 * Beam search keeps the k best partial translations per sentence. Finished hypotheses are ranked by
 * log P(Y|X) / lp(Y) with the length penalty of Wu et al. (2016): lp(Y) = ((5 + |Y|) / 6)^α, where |Y| counts the
 * output tokens including `<eos>` (α = 0: raw log-probability).
 *
 * Neither search ever emits `<pad>` or `<sos>` (an untrained model may rank them first): they are no output token.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EOS_ID, PAD_ID, SOS_ID, UNK_ID } from '../data/vocab.js';
import type { Batch } from '../data/batch.js';
import type { AttentionMemory } from '../model/attention.js';
import { gatherRows, logSoftmaxRows } from '../backend/ops.js';
import { type DecoderState, selectStateRows } from '../model/decoder.js';
import { Dropout } from '../model/dropout.js';
import { Seq2Seq } from '../model/seq2seq.js';

export interface Hypothesis {
  /** Output ids, without `<eos>`. */
  tokens: number[];
  /** Sum of log-probabilities of the tokens and of `<eos>` (if it was produced). */
  logProb: number;
  /** The ranking score: logProb / lp(|Y|). */
  score: number;
  /** One row per output step (tokens, then `<eos>` if produced), one column per source token and its `<eos>`. */
  attention: Float32Array[];
  /** Whether the hypothesis ended with `<eos>` (false: cut at the length limit). */
  finished: boolean;
}

export interface SearchOptions {
  /** Longest output for a source of n tokens (without `<eos>`): ⌈ratio · n⌉ + offset. */
  maxLengthRatio: number;
  maxLengthOffset: number;
  /** Sentences decoded together. */
  chunkSize?: number;
}

export interface BeamOptions extends SearchOptions {
  beamSize: number;
  lengthPenalty: number;
  /** Hypotheses returned per sentence (≤ beamSize). */
  nBest?: number;
}

export function lengthPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : ((5 + length) / 6) ** alpha;
}

/** A source-only batch: rows end with `<eos>`, padded with `<pad>`. */
export function sourceBatch(sources: readonly number[][]): Batch {
  const size = sources.length;
  const sourceLength = Math.max(1, ...sources.map((s) => s.length + 1));
  const source = new Int32Array(size * sourceLength).fill(PAD_ID);
  const sourceMask = new Float32Array(size * sourceLength);
  const sourceLengths = new Int32Array(size);
  sources.forEach((ids, b) => {
    ids.forEach((id, t) => {
      source[b * sourceLength + t] = id;
      sourceMask[b * sourceLength + t] = 1;
    });
    source[b * sourceLength + ids.length] = EOS_ID;
    sourceMask[b * sourceLength + ids.length] = 1;
    sourceLengths[b] = ids.length + 1;
  });
  return {
    size,
    sourceLength,
    targetLength: 0,
    source,
    sourceMask,
    sourceLengths,
    targetIn: new Int32Array(0),
    targetOut: new Int32Array(0),
    targetMask: new Float32Array(0),
    indices: sources.map((_, i) => i),
  };
}

function maxOutputLength(sourceTokens: number, options: SearchOptions): number {
  return Math.max(1, Math.ceil(options.maxLengthRatio * sourceTokens) + options.maxLengthOffset);
}

/** A value a search waits for: read now (cpu, wasm), or awaited (webgpu, ONNX Runtime). */
export interface Pending<T> {
  /** The value now; absent where it can only be awaited. */
  readonly now?: () => T;
  readonly later: () => Promise<T>;
}

export interface StepResult<S> {
  state: S;
  /** [rows · vocab]. */
  logProbs: Float32Array;
  /** [rows · sourceLength], or null without attention. */
  attention: Float32Array | null;
}

/**
 * What a search needs of a model: mtlab's own (a Seq2Seq, on TensorFlow.js) or an exported one run by another
 * runtime (engine/decode/onnx-runtime.ts). The state S (decoder state and attention memory) stays the model's; the
 * search only hands it back, so both run exactly the same search.
 */
export interface StepModel<S> {
  readonly targetVocabSize: number;
  /** Encode a batch: the decoder's first state, each sentence's row repeated `copies` times (row r: ⌊r / copies⌋). */
  start(batch: Batch, copies: number): Pending<S>;
  /** One decoder step for the tokens `previous`, one per row. `state` stays valid until released. */
  step(state: S, previous: Int32Array): Pending<StepResult<S>>;
  /** The state's rows `rows` (each row's replacement comes from the same sentence: the memory stays). */
  select(state: S, rows: Int32Array): S;
  /** Free what `state` holds that `keep` does not (all of it when `keep` is null). */
  release(state: S, keep: S | null): void;
}

/** tf.tidy for results that hold tensors in typed objects (tidy keeps every tensor it finds in the result). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

interface TfState {
  decoder: DecoderState;
  memory: AttentionMemory | null;
}

/** mtlab's model as a StepModel: TensorFlow.js tensors, read synchronously where the backend can. */
class Seq2SeqSteps implements StepModel<TfState> {
  constructor(private readonly model: Seq2Seq) {}

  get targetVocabSize(): number {
    return this.model.targetVocabSize;
  }

  start(batch: Batch, copies: number): Pending<TfState> {
    const encoded = tidy(() => {
      const out = this.model.encode(batch, Dropout.none);
      return { decoder: this.model.decoder.initialState(out), memory: this.model.decoder.prepareMemory(out) };
    });
    let state: TfState = encoded;
    if (copies > 1) {
      const repeat = Int32Array.from({ length: batch.size * copies }, (_, r) => Math.floor(r / copies));
      state = tidy(() => ({
        decoder: selectStateRows(encoded.decoder, repeat),
        memory:
          encoded.memory === null
            ? null
            : {
                keys: gatherRows(encoded.memory.keys, repeat),
                values: gatherRows(encoded.memory.values, repeat),
                maskBias: gatherRows(encoded.memory.maskBias, repeat),
              },
      }));
      this.release(encoded, null);
    }
    return { now: () => state, later: () => Promise.resolve(state) };
  }

  step(state: TfState, previous: Int32Array): Pending<StepResult<TfState>> {
    const out = decoderStep(this.model, previous, state.decoder, state.memory);
    const next: TfState = { decoder: out.state, memory: state.memory };
    const reads = out.attention === null ? [out.logProbs] : [out.logProbs, out.attention];
    const finish = (values: Float32Array[]): StepResult<TfState> => ({
      state: next,
      logProbs: values[0]!,
      attention: values[1] ?? null,
    });
    // The read tensors go once read; the new state goes too where reading fails (the search keeps the old one).
    const failed = (error: unknown): never => {
      this.release(next, state);
      throw error;
    };
    return {
      now: () => {
        try {
          return finish(reads.map((t) => t.dataSync() as Float32Array));
        } catch (error) {
          return failed(error);
        } finally {
          reads.forEach((r) => r.dispose());
        }
      },
      later: async () => {
        try {
          return finish((await Promise.all(reads.map((t) => t.data()))) as Float32Array[]);
        } catch (error) {
          return failed(error);
        } finally {
          reads.forEach((r) => r.dispose());
        }
      },
    };
  }

  select(state: TfState, rows: Int32Array): TfState {
    return { decoder: tidy(() => selectStateRows(state.decoder, rows)), memory: state.memory };
  }

  release(state: TfState, keep: TfState | null): void {
    release(tensorsOf(state.decoder, state.memory), keep === null ? [] : tensorsOf(keep.decoder, keep.memory));
  }
}

/** A model the searches take: mtlab's own, or any StepModel. */
export type SearchModel = Seq2Seq | StepModel<unknown>;

/** The StepModel a search drives: the model itself, or mtlab's own wrapped (tests compare the two step by step). */
export function stepsOf(model: SearchModel): StepModel<unknown> {
  return model instanceof Seq2Seq ? (new Seq2SeqSteps(model) as StepModel<unknown>) : model;
}

/**
 * A search is written once, as a generator that yields what it waits for (a step's log-probabilities and
 * attention, an encoding) and receives it; a driver reads synchronously (wasm, cpu: `dataSync`) or awaits
 * (webgpu, which cannot read synchronously in Node; ONNX Runtime). The model owns the state; the search releases
 * each state it replaces.
 */
type Search<T> = Generator<Pending<unknown>, T, unknown>;

function* wait<T>(pending: Pending<T>): Generator<Pending<unknown>, T, unknown> {
  return (yield pending as Pending<unknown>) as T;
}

function runSync<T>(search: Search<T>): T {
  let next = search.next();
  while (!next.done) {
    const now = next.value.now;
    let value: unknown;
    try {
      if (now === undefined) throw new Error('this model is read asynchronously: use the async search');
      value = now();
    } catch (error) {
      search.return(undefined as T);
      throw error;
    }
    next = search.next(value);
  }
  return next.value;
}

async function runAsync<T>(search: Search<T>): Promise<T> {
  let next = search.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = await next.value.later();
    } catch (error) {
      search.return(undefined as T);
      throw error;
    }
    next = search.next(value);
  }
  return next.value;
}

/** Every tensor of `kept`, so that a step can dispose what it replaces. */
function tensorsOf(...kept: (DecoderState | AttentionMemory | tf.Tensor | null)[]): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (const item of kept) {
    if (item === null) continue;
    if (item instanceof tf.Tensor) out.push(item);
    else if ('layers' in item) {
      for (const layer of item.layers) out.push(layer.h, ...(layer.c === undefined ? [] : [layer.c]));
      if (item.feed !== null) out.push(item.feed);
    } else out.push(item.keys, item.values, item.maskBias);
  }
  return out;
}

/** Dispose the tensors of `old` that `keep` does not hold. */
function release(old: tf.Tensor[], keep: tf.Tensor[]): void {
  const kept = new Set(keep);
  for (const t of old) if (!kept.has(t)) t.dispose();
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Greedy search: at each step the most probable token. One hypothesis per source. */
export function greedySearch(model: SearchModel, sources: readonly number[][], options: SearchOptions): Hypothesis[] {
  return runSync(greedy(stepsOf(model), sources, options));
}

/** `greedySearch` on any backend, webgpu included, and for models read asynchronously (ONNX Runtime). */
export function greedySearchAsync(
  model: SearchModel,
  sources: readonly number[][],
  options: SearchOptions,
): Promise<Hypothesis[]> {
  return runAsync(greedy(stepsOf(model), sources, options));
}

function* greedy<S>(model: StepModel<S>, sources: readonly number[][], options: SearchOptions): Search<Hypothesis[]> {
  const results: Hypothesis[] = [];
  for (const chunk of chunks(sources, options.chunkSize ?? 128)) {
    {
      const batch = sourceBatch(chunk);
      const n = chunk.length;
      const limits = chunk.map((s) => maxOutputLength(s.length, options));
      const hyps: Hypothesis[] = chunk.map(() => ({
        tokens: [],
        logProb: 0,
        score: 0,
        attention: [],
        finished: false,
      }));
      let state = yield* wait(model.start(batch, 1));
      let previous: Int32Array = new Int32Array(n).fill(SOS_ID);
      const longest = Math.max(...limits);
      try {
        for (let t = 0; t < longest && hyps.some((h) => !h.finished); t++) {
          const step = yield* wait(model.step(state, previous));
          model.release(state, step.state);
          state = step.state;
          const { logProbs, attention } = step;
          const vocab = model.targetVocabSize;
          const best = new Int32Array(n);
          const bestLogProb = new Float32Array(n);
          for (let b = 0; b < n; b++) {
            // The first of equal maxima, as argMax, over the tokens an output can be.
            let arg = UNK_ID;
            for (let v = 0; v < vocab; v++) {
              if (v !== PAD_ID && v !== SOS_ID && logProbs[b * vocab + v]! > logProbs[b * vocab + arg]!) arg = v;
            }
            best[b] = arg;
            bestLogProb[b] = logProbs[b * vocab + arg]!;
          }
          for (let b = 0; b < n; b++) {
            const h = hyps[b]!;
            if (h.finished || h.tokens.length >= limits[b]!) continue;
            h.logProb += bestLogProb[b]!;
            if (attention !== null)
              h.attention.push(
                attention.slice(b * batch.sourceLength, b * batch.sourceLength + batch.sourceLengths[b]!),
              );
            if (best[b] === EOS_ID) h.finished = true;
            else h.tokens.push(best[b]!);
          }
          previous = best;
        }
      } finally {
        model.release(state, null);
      }
      for (const h of hyps) h.score = h.logProb;
      results.push(...hyps);
    }
  }
  return results;
}

interface Beam {
  tokens: number[];
  logProb: number;
  attention: Float32Array[];
}

/**
 * For each sentence, the `width` best continuations over its k beams and the whole vocabulary: score = beam
 * log-probability + token log-probability, ties to the lower (beam · vocab + token) index; `<pad>` and `<sos>`
 * never take part. Dead beams (−∞) take part with −1e30, so they rank last.
 */
function topCandidates(
  logProbs: Float32Array,
  beams: Beam[][],
  n: number,
  k: number,
  vocab: number,
  width: number,
): { values: Float64Array; indices: Int32Array } {
  const values = new Float64Array(n * width).fill(-Infinity);
  const indices = new Int32Array(n * width);
  for (let s = 0; s < n; s++) {
    const top = s * width;
    let filled = 0;
    for (let j = 0; j < k; j++) {
      const beamScore = Number.isFinite(beams[s]![j]!.logProb) ? beams[s]![j]!.logProb : -1e30;
      const row = (s * k + j) * vocab;
      for (let v = 0; v < vocab; v++) {
        if (v === PAD_ID || v === SOS_ID) continue;
        const value = beamScore + logProbs[row + v]!;
        if (filled === width && value <= values[top + width - 1]!) continue;
        let at = filled === width ? width - 1 : filled++;
        while (at > 0 && values[top + at - 1]! < value) {
          values[top + at] = values[top + at - 1]!;
          indices[top + at] = indices[top + at - 1]!;
          at--;
        }
        values[top + at] = value;
        indices[top + at] = j * vocab + v;
      }
    }
  }
  return { values, indices };
}

/** Beam search with a length penalty; returns the n best hypotheses per source, best first. */
export function beamSearch(model: SearchModel, sources: readonly number[][], options: BeamOptions): Hypothesis[][] {
  return runSync(beam(stepsOf(model), sources, options));
}

/** `beamSearch` on any backend, webgpu included, and for models read asynchronously (ONNX Runtime). */
export function beamSearchAsync(
  model: SearchModel,
  sources: readonly number[][],
  options: BeamOptions,
): Promise<Hypothesis[][]> {
  return runAsync(beam(stepsOf(model), sources, options));
}

function* beam<S>(model: StepModel<S>, sources: readonly number[][], options: BeamOptions): Search<Hypothesis[][]> {
  const k = Math.max(1, options.beamSize);
  const nBest = Math.min(k, Math.max(1, options.nBest ?? k));
  const results: Hypothesis[][] = [];
  const vocab = model.targetVocabSize;
  for (const chunk of chunks(sources, Math.max(1, Math.floor((options.chunkSize ?? 128) / k)))) {
    {
      const batch = sourceBatch(chunk);
      const n = chunk.length;
      const limits = chunk.map((s) => maxOutputLength(s.length, options));
      // Every sentence's encoding repeated k times: row n·k + j is beam j of sentence n.
      let state = yield* wait(model.start(batch, k));
      let beams: Beam[][] = chunk.map(() =>
        Array.from({ length: k }, (_, j) => ({ tokens: [], logProb: j === 0 ? 0 : -Infinity, attention: [] })),
      );
      const finished: Hypothesis[][] = chunk.map(() => []);
      const done = chunk.map(() => false);
      let previous: Int32Array = new Int32Array(n * k).fill(SOS_ID);
      const longest = Math.max(...limits);
      try {
        for (let t = 0; t < longest && done.some((d) => !d); t++) {
          const step = yield* wait(model.step(state, previous));
          model.release(state, step.state);
          state = step.state;
          const { logProbs, attention } = step;
          const width = Math.min(2 * k, k * (vocab - 2));
          const { values, indices } = topCandidates(logProbs, beams, n, k, vocab, width);
          const rows = new Int32Array(n * k);
          const nextTokens = new Int32Array(n * k).fill(PAD_ID);
          const nextBeams: Beam[][] = [];
          for (let s = 0; s < n; s++) {
            const alive: Beam[] = [];
            for (let c = 0; c < width && alive.length < k && !done[s]; c++) {
              const value = values[s * width + c]!;
              if (value <= -1e29) break;
              const flat = indices[s * width + c]!;
              const from = Math.floor(flat / vocab);
              const token = flat % vocab;
              const parent = beams[s]![from]!;
              const row = s * k + from;
              const weights =
                attention === null
                  ? null
                  : attention.slice(row * batch.sourceLength, row * batch.sourceLength + batch.sourceLengths[s]!);
              const history = weights === null ? parent.attention : [...parent.attention, weights];
              if (token === EOS_ID) {
                const length = parent.tokens.length + 1;
                finished[s]!.push({
                  tokens: parent.tokens,
                  logProb: value,
                  score: value / lengthPenalty(length, options.lengthPenalty),
                  attention: history,
                  finished: true,
                });
              } else {
                rows[s * k + alive.length] = row;
                nextTokens[s * k + alive.length] = token;
                alive.push({ tokens: [...parent.tokens, token], logProb: value, attention: history });
              }
            }
            // Done once k hypotheses have finished and none still growing can beat them: a growing hypothesis can at
            // best keep its log-probability and reach the longest length, whose penalty flatters it most.
            if (finished[s]!.length >= k && alive.length > 0) {
              const kthBest = finished[s]!.map((h) => h.score).sort((a, b) => b - a)[k - 1]!;
              const bound = Math.max(...alive.map((b) => b.logProb)) / lengthPenalty(limits[s]!, options.lengthPenalty);
              if (kthBest >= bound) done[s] = true;
            } else if (finished[s]!.length >= k) {
              done[s] = true;
            }
            // Cut at the length limit: the alive beams end here, unfinished.
            if (!done[s] && t + 1 >= limits[s]!) {
              for (const b of alive) {
                if (!Number.isFinite(b.logProb)) continue;
                finished[s]!.push({
                  tokens: b.tokens,
                  logProb: b.logProb,
                  score: b.logProb / lengthPenalty(b.tokens.length, options.lengthPenalty),
                  attention: b.attention,
                  finished: false,
                });
              }
              done[s] = true;
            }
            while (alive.length < k) {
              rows[s * k + alive.length] = s * k;
              alive.push({ tokens: [], logProb: -Infinity, attention: [] });
            }
            nextBeams.push(alive);
          }
          beams = nextBeams;
          previous = nextTokens;
          const selected = model.select(state, rows);
          model.release(state, selected);
          state = selected;
        }
      } finally {
        model.release(state, null);
      }
      for (let s = 0; s < n; s++) {
        const ranked = finished[s]!.sort((a, b) => b.score - a.score).slice(0, nBest);
        results.push(ranked);
      }
    }
  }
  return results;
}

/** One decoder step for the tokens `previous`: the new state, the log-probabilities and the attention weights. */
function decoderStep(
  model: Seq2Seq,
  previous: Int32Array,
  state: Parameters<Seq2Seq['decoder']['step']>[1],
  memory: Parameters<Seq2Seq['decoder']['step']>[2],
) {
  return tidy(() => {
    const out = model.decoder.step(model.decoder.projectTokens(previous, Dropout.none), state, memory, Dropout.none);
    return {
      state: out.state,
      logProbs: logSoftmaxRows(model.decoder.logits(out.output)),
      attention: out.attention,
    };
  });
}
