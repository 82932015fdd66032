/**
 * Translation with a loaded model, in plain TensorFlow.js: normalise the input as the dataset's text was normalised,
 * tokenize, decode with greedy or beam search, and hand back tokens, text, scores and the attention of every
 * candidate. Nothing here touches Node, the store or a backend choice, so the browser runtime of exported bundles
 * (engine/export/runtime.ts) uses this same code; engine/translate.ts loads models from runs.
 */
import type { DecodeConfig, Translation, TranslationCandidate, TranslateRequest } from '../contract/api.js';
import type { Vocabularies } from '../data/encode.js';
import { normalizeText } from '../data/normalize.js';
import type { Tokenizer, TokenizerPair } from '../data/tokenizer.js';
import { tutorialNormalize } from '../data/tutorial-preset.js';
import { EOS } from '../data/vocab.js';
import type { Seq2Seq } from '../model/seq2seq.js';
import { checkBeamSize, checkInputLengths } from './limits.js';
import {
  beamSearch,
  beamSearchAsync,
  greedySearch,
  greedySearchAsync,
  type Hypothesis,
  type SearchModel,
} from './search.js';
import { replaceUnknowns } from './unk-replace.js';

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

/** A model ready to translate: mtlab's own (`LoadedModel`), or an export another runtime runs (onnx-runtime.ts). */
export interface Translator {
  model: SearchModel;
  vocabularies: Vocabularies;
  tokenizers: TokenizerPair;
  normalization: InputNormalization;
  decode: DecodeConfig;
  /** Where it came from, for messages: "run 3 (best checkpoint, step 1200)". */
  origin: string;
}

export interface LoadedModel extends Translator {
  model: Seq2Seq;
}

function candidate(loaded: Translator, h: Hypothesis, sourceTokens: readonly string[]): TranslationCandidate {
  // Unknown-word replacement: each <unk> becomes the source token it attended to most (where there is attention and
  // both sides have the same kind of tokens, so a copied token detokenizes as the target's own would).
  const copyable = loaded.tokenizers.source.kind === loaded.tokenizers.target.kind;
  const { tokens, replaced } = replaceUnknowns(
    h.tokens,
    loaded.vocabularies.target.decode(h.tokens),
    h.attention,
    copyable ? sourceTokens : [],
  );
  const attention: number[] = [];
  for (const row of h.attention) attention.push(...row);
  return {
    // One token per attention row, even the specials an undertrained model may emit.
    tokens: [...tokens.map((token) => loaded.tokenizers.target.display(token)), ...(h.finished ? [EOS] : [])],
    text: loaded.tokenizers.target.detokenize(tokens),
    score: h.score,
    logProb: h.logProb,
    attention,
    ...(replaced.length > 0 ? { replaced } : {}),
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
  return normalizeForTranslation(texts, normalization, tokenizer).map((n) => n.tokens);
}

function normalizeForTranslation(
  texts: readonly string[],
  normalization: InputNormalization,
  tokenizer: Tokenizer,
): { normalized: string; tokens: string[] }[] {
  const prepared = texts.map((text) => {
    const normalized = normalizeInput(text, normalization);
    return { normalized, tokens: normalized.trim() === '' ? [] : tokenizer.tokenize(normalized) };
  });
  checkInputLengths(prepared.map((p) => p.tokens.length));
  return prepared;
}

/** Translate texts with greedy or beam search (the request's choice, else the run's decoding config). */
export function translateTexts(loaded: Translator, request: TextsRequest): Translation[] {
  const plan = planTranslation(loaded, request);
  if (plan.sources.length === 0) return plan.finish([]);
  const results: Hypothesis[][] =
    plan.strategy === 'greedy'
      ? greedySearch(loaded.model, plan.sources, plan.limits).map((h) => [h])
      : beamSearch(loaded.model, plan.sources, plan.beam);
  return plan.finish(results);
}

/** `translateTexts` on any backend, webgpu included (its reads do not block), and with ONNX exports. */
export async function translateTextsAsync(loaded: Translator, request: TextsRequest): Promise<Translation[]> {
  const plan = planTranslation(loaded, request);
  if (plan.sources.length === 0) return plan.finish([]);
  const results: Hypothesis[][] =
    plan.strategy === 'greedy'
      ? (await greedySearchAsync(loaded.model, plan.sources, plan.limits)).map((h) => [h])
      : await beamSearchAsync(loaded.model, plan.sources, plan.beam);
  return plan.finish(results);
}

export type TextsRequest = Omit<TranslateRequest, 'runId' | 'bundlePath' | 'checkpoint'>;

function planTranslation(loaded: Translator, request: TextsRequest) {
  const strategy = request.strategy ?? loaded.decode.strategy;
  const beamSize = request.beamSize ?? loaded.decode.beamSize;
  if (strategy === 'beam') checkBeamSize(beamSize);
  const normalized = normalizeForTranslation(request.texts, loaded.normalization, loaded.tokenizers.source);
  const prepared = request.texts.map((text, i) => {
    const { tokens } = normalized[i]!;
    const ids = loaded.vocabularies.source.encode(tokens);
    const unknownTokens = tokens.flatMap((token, at) => (loaded.vocabularies.source.has(token) ? [] : [at]));
    return { text, normalized: normalized[i]!.normalized, tokens, ids, unknownTokens };
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
              normalized: p.normalized,
              sourceTokens: [],
              unknownTokens: [],
              candidates: [{ tokens: [], text: '', score: 0, logProb: 0, attention: [] }],
            }
          : {
              source: p.text,
              normalized: p.normalized,
              sourceTokens: [...p.tokens.map((t) => loaded.tokenizers.source.display(t)), EOS],
              unknownTokens: p.unknownTokens,
              candidates: results[next++]!.map((h) => candidate(loaded, h, p.tokens)),
            },
      );
    },
  };
}
