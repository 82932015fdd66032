/**
 * The limits the contract sets. The sizes a model and its decoding may have: one table for run configs
 * (engine/config.ts) and for the manifests of model bundles (engine/export/format.ts), so a bundle cannot ask for a
 * model no run could have trained (a hidden size of 4,096,000, a million layers, a beam of a million). And the
 * limits on one translation request (checked in engine/decode/limits.ts): decoding keeps, for every beam, one
 * attention row per output token over every source token, and the output may be ~1.5× the input: a 2,000-token
 * sentence at beam 25 needed gigabytes. Pure: the browser runtime and the renderer read them too.
 */
export interface Range {
  min: number;
  max: number;
}

export const MODEL_LIMITS = {
  embeddingSize: { min: 1, max: 4096 },
  hiddenSize: { min: 1, max: 4096 },
  attentionSize: { min: 1, max: 4096 },
  layers: { min: 1, max: 4 },
  dropout: { min: 0, max: 0.9 },
} as const satisfies Record<string, Range>;

export const DECODE_LIMITS = {
  beamSize: { min: 1, max: 64 },
  lengthPenalty: { min: 0, max: 5 },
  maxLengthRatio: { min: 0, max: 100 },
  maxLengthOffset: { min: 0, max: 1000 },
} as const satisfies Record<string, Range>;

/** The most tokens one text (sentence) of a translation request may have after tokenization. */
export const MAX_INPUT_TOKENS = 400;
/** The most tokens all the texts of one request may have together. */
export const MAX_REQUEST_TOKENS = 20_000;
/** The widest beam a translation request may ask for. */
export const MAX_BEAM_SIZE = 32;

/** Tags and notes on a run (engine/store/labels.ts tidies and checks them). */
export const MAX_TAGS = 32;
export const MAX_TAG_LENGTH = 40;
export const MAX_NOTES_LENGTH = 10_000;
