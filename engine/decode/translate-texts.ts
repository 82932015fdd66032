/**
 * Translation with a loaded model, in plain TensorFlow.js: normalise the input as the dataset's text was normalised,
 * tokenize, decode with greedy or beam search, and hand back tokens, text, scores and the attention of every
 * candidate. Nothing here touches Node, the store or a backend choice, so the browser runtime of exported bundles
 * (engine/export/runtime.ts) uses this same code; engine/translate.ts loads models from runs.
 */
import type { DecodeConfig, Translation, TranslateRequest } from '../api.js';
import type { Vocabularies } from '../data/encode.js';
import { normalizeText } from '../data/normalize.js';
import type { TokenizerPair } from '../data/tokenizer.js';
import { tutorialNormalize } from '../data/tutorial-preset.js';
import { EOS } from '../data/vocab.js';
import { LabError } from '../errors.js';
import type { Seq2Seq } from '../model/seq2seq.js';
import { beamSearch, beamSearchAsync, greedySearch, greedySearchAsync, type Hypothesis } from './search.js';

/** How input text is normalised before tokenization (what the dataset's import did to its sentences). */
export interface InputNormalization {
  preset: 'none' | 'pytorch-tutorial';
  lowercase: boolean;
  asciiFold: boolean;
}

export function normalizeInput(text: string, how: InputNormalization): string {
  if (how.preset === 'pytorch-tutorial') return tutorialNormalize(text);
  return normalizeText(text, { lowercase: how.lowercase, asciiFold: how.asciiFold });
}

/** The normalisation a stored dataset used (generated datasets are lower-case). */
export function datasetNormalization(
  kind: 'generated' | 'imported',
  options: Record<string, unknown>,
): InputNormalization {
  if (kind === 'generated') return { preset: 'none', lowercase: true, asciiFold: false };
  return {
    preset: options.preset === 'pytorch-tutorial' ? 'pytorch-tutorial' : 'none',
    lowercase: options.lowercase === true,
    asciiFold: options.asciiFold === true,
  };
}

export interface LoadedModel {
  model: Seq2Seq;
  vocabularies: Vocabularies;
  tokenizers: TokenizerPair;
  normalization: InputNormalization;
  decode: DecodeConfig;
  /** Where it came from, for messages: "run 3 (best checkpoint, step 1200)". */
  origin: string;
}

function candidate(loaded: LoadedModel, h: Hypothesis): Translation['candidates'][number] {
  const tokens = loaded.vocabularies.target.decode(h.tokens);
  const attention: number[] = [];
  for (const row of h.attention) attention.push(...row);
  return {
    // One token per attention row, even the specials an undertrained model may emit.
    tokens: [
      ...h.tokens.map((id) => loaded.tokenizers.target.display(loaded.vocabularies.target.token(id))),
      ...(h.finished ? [EOS] : []),
    ],
    text: loaded.tokenizers.target.detokenize(tokens),
    score: h.score,
    logProb: h.logProb,
    attention,
  };
}

/** Translate texts with greedy or beam search (the request's choice, else the run's decoding config). */
export function translateTexts(loaded: LoadedModel, request: TextsRequest): Translation[] {
  const plan = planTranslation(loaded, request);
  const results: Hypothesis[][] =
    plan.strategy === 'greedy'
      ? greedySearch(loaded.model, plan.sources, plan.limits).map((h) => [h])
      : beamSearch(loaded.model, plan.sources, plan.beam);
  return plan.finish(results);
}

/** `translateTexts` on any backend, webgpu included (its reads do not block). */
export async function translateTextsAsync(loaded: LoadedModel, request: TextsRequest): Promise<Translation[]> {
  const plan = planTranslation(loaded, request);
  const results: Hypothesis[][] =
    plan.strategy === 'greedy'
      ? (await greedySearchAsync(loaded.model, plan.sources, plan.limits)).map((h) => [h])
      : await beamSearchAsync(loaded.model, plan.sources, plan.beam);
  return plan.finish(results);
}

type TextsRequest = Omit<TranslateRequest, 'runId' | 'bundlePath' | 'checkpoint'>;

function planTranslation(loaded: LoadedModel, request: TextsRequest) {
  const strategy = request.strategy ?? loaded.decode.strategy;
  const beamSize = request.beamSize ?? loaded.decode.beamSize;
  if (strategy === 'beam' && (!Number.isInteger(beamSize) || beamSize < 1 || beamSize > 64)) {
    throw new LabError('invalid-request', `beamSize must be a whole number from 1 to 64, got ${beamSize}`, {
      field: 'beamSize',
    });
  }
  const prepared = request.texts.map((text) => {
    const normalized = normalizeInput(text, loaded.normalization);
    const tokens = loaded.tokenizers.source.tokenize(normalized);
    return { text, tokens, ids: loaded.vocabularies.source.encode(tokens) };
  });
  const limits = { maxLengthRatio: loaded.decode.maxLengthRatio, maxLengthOffset: loaded.decode.maxLengthOffset };
  return {
    strategy,
    limits,
    sources: prepared.map((p) => p.ids),
    beam: {
      ...limits,
      beamSize,
      lengthPenalty: request.lengthPenalty ?? loaded.decode.lengthPenalty,
      nBest: request.nBest ?? beamSize,
    },
    finish: (results: Hypothesis[][]): Translation[] =>
      prepared.map((p, i) => ({
        source: p.text,
        sourceTokens: [...p.tokens.map((t) => loaded.tokenizers.source.display(t)), EOS],
        candidates: results[i]!.map((h) => candidate(loaded, h)),
      })),
  };
}
