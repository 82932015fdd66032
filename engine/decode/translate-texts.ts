/**
 * Translation with a loaded model, in plain TensorFlow.js: normalise the input as the dataset's text was normalised,
 * tokenize, decode with greedy or beam search, and hand back tokens, text, scores and the attention of every
 * candidate. Nothing here touches Node, the store or a backend choice, so the browser runtime of exported bundles
 * (engine/export/runtime.ts) uses this same code; engine/translate.ts loads models from runs.
 */
import type { DecodeConfig, Translation, TranslateRequest } from '../contract/api.js';
import type { Vocabularies } from '../data/encode.js';
import { normalizeText } from '../data/normalize.js';
import type { Tokenizer, TokenizerPair } from '../data/tokenizer.js';
import { tutorialNormalize } from '../data/tutorial-preset.js';
import { EOS } from '../data/vocab.js';
import type { Seq2Seq } from '../model/seq2seq.js';
import { checkBeamSize, checkInputLengths } from './limits.js';
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

/**
 * Normalise and tokenize texts as the model's dataset was (a blank text has no tokens), refusing them past the
 * limits of decode/limits.ts: what a host checks before it hands a request to a worker, and translateTexts again.
 */
export function tokenizeForTranslation(
  texts: readonly string[],
  normalization: InputNormalization,
  tokenizer: Tokenizer,
): string[][] {
  const tokens = texts.map((text) => {
    const normalized = normalizeInput(text, normalization);
    return normalized.trim() === '' ? [] : tokenizer.tokenize(normalized);
  });
  checkInputLengths(tokens.map((t) => t.length));
  return tokens;
}

/** Translate texts with greedy or beam search (the request's choice, else the run's decoding config). */
export function translateTexts(loaded: LoadedModel, request: TextsRequest): Translation[] {
  const plan = planTranslation(loaded, request);
  if (plan.sources.length === 0) return plan.finish([]);
  const results: Hypothesis[][] =
    plan.strategy === 'greedy'
      ? greedySearch(loaded.model, plan.sources, plan.limits).map((h) => [h])
      : beamSearch(loaded.model, plan.sources, plan.beam);
  return plan.finish(results);
}

/** `translateTexts` on any backend, webgpu included (its reads do not block). */
export async function translateTextsAsync(loaded: LoadedModel, request: TextsRequest): Promise<Translation[]> {
  const plan = planTranslation(loaded, request);
  if (plan.sources.length === 0) return plan.finish([]);
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
  if (strategy === 'beam') checkBeamSize(beamSize);
  const tokenized = tokenizeForTranslation(request.texts, loaded.normalization, loaded.tokenizers.source);
  const prepared = request.texts.map((text, i) => {
    const tokens = tokenized[i]!;
    return { text, tokens, ids: loaded.vocabularies.source.encode(tokens) };
  });
  // A blank text (or one that normalises to nothing) translates to a blank text: the model is not asked, so
  // output lines stay aligned with input lines and "" does not come back as the model's favourite first word.
  const toDecode = prepared.filter((p) => p.tokens.length > 0);
  const limits = { maxLengthRatio: loaded.decode.maxLengthRatio, maxLengthOffset: loaded.decode.maxLengthOffset };
  return {
    strategy,
    limits,
    sources: toDecode.map((p) => p.ids),
    beam: {
      ...limits,
      beamSize,
      lengthPenalty: request.lengthPenalty ?? loaded.decode.lengthPenalty,
      nBest: request.nBest ?? beamSize,
    },
    finish: (results: Hypothesis[][]): Translation[] => {
      let next = 0;
      return prepared.map((p) =>
        p.tokens.length === 0
          ? {
              source: p.text,
              sourceTokens: [],
              candidates: [{ tokens: [], text: '', score: 0, logProb: 0, attention: [] }],
            }
          : {
              source: p.text,
              sourceTokens: [...p.tokens.map((t) => loaded.tokenizers.source.display(t)), EOS],
              candidates: results[next++]!.map((h) => candidate(loaded, h)),
            },
      );
    },
  };
}
