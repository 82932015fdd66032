/**
 * The sizes a model and its decoding may have: one table for run configs (engine/config.ts) and for the manifests
 * of model bundles (engine/export/format.ts), so a bundle cannot ask for a model no run could have trained (a
 * hidden size of 4,096,000, a million layers, a beam of a million). Pure: the browser runtime reads bundles too.
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
