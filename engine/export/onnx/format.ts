/**
 * The ONNX export format: a folder with the two graphs, this manifest beside them, examples and a model card.
 *
 *   encoder.onnx        source ids → the decoder's first state and the attention memory (onnx/seq2seq.ts)
 *   decoder_step.onnx   previous tokens, state, memory → log-probabilities, next state, attention weights
 *   mtlab-onnx.json     this manifest: vocabularies, tokenizers, input normalisation, decoding settings, the graphs'
 *                       inputs and outputs, each graph's size and SHA-256, and where the model came from
 *   translate.py        a greedy translator in Python (onnxruntime and numpy), translate.mjs the same in Node
 *   README.md           the model card
 *
 * Everything the graphs do not do (normalising and tokenizing text, the search loop) is described here, so a
 * program in any language with an ONNX runtime and a JSON parser can translate.
 *
 * Parsing is pure (no Node, no DOM).
 */
import type { BundleManifest, WeightFile } from '../format.js';
import { checkFiles, parseDescription } from '../format.js';

export const ONNX_FORMAT = 'mtlab-onnx';
/** Bumped when a reader of the previous version would misread a new export. */
export const ONNX_FORMAT_VERSION = 1;
export const ONNX_MANIFEST_FILE = 'mtlab-onnx.json';
export const ENCODER_FILE = 'encoder.onnx';
export const DECODER_FILE = 'decoder_step.onnx';
export const PYTHON_EXAMPLE_FILE = 'translate.py';
export const NODE_EXAMPLE_FILE = 'translate.mjs';

export interface GraphValue {
  name: string;
  /** ONNX element type. */
  type: 'float32' | 'int64' | 'int32';
  /** Sizes, or names of sizes known at run time ("batch", "source_length"). */
  dims: (number | string)[];
  doc: string;
}

export interface GraphDescription {
  file: string;
  inputs: GraphValue[];
  outputs: GraphValue[];
}

export interface OnnxManifest extends Omit<
  BundleManifest,
  'format' | 'tfjsVersion' | 'weightsManifest' | 'weightFiles'
> {
  format: typeof ONNX_FORMAT;
  onnx: {
    irVersion: number;
    opset: number;
    /** The graphs with their sizes and SHA-256, checked before a runtime is given them. */
    files: WeightFile[];
  };
  graphs: { encoder: GraphDescription; decoderStep: GraphDescription };
  /** How a search loop drives the graphs (see the model card). */
  search: {
    /** The decoder state: the encoder's outputs of these names are the first state; a step reads `x`, writes `next_x`. */
    state: string[];
    /** Encoder outputs every step reads unchanged; empty without attention. */
    memory: string[];
    specials: { pad: number; unk: number; sos: number; eos: number };
    /** The output of a step with the attention weights, or null without attention. */
    attention: string | null;
  };
}

/** Parse and check an ONNX export's manifest (the fields a translator relies on strictly; the rest as written). */
export function parseOnnxManifest(text: string, where: string): OnnxManifest {
  const {
    value,
    reader: r,
    fields,
  } = parseDescription(text, where, {
    format: ONNX_FORMAT,
    version: ONNX_FORMAT_VERSION,
    label: 'ONNX export format',
    what: 'an mtlab ONNX export manifest',
  });
  const onnx = r.object(value.onnx, 'onnx');
  const files = checkFiles(r, onnx.files, 'onnx.files');
  for (const needed of [ENCODER_FILE, DECODER_FILE]) {
    if (!files.some((f) => f.path === needed)) r.fail('onnx.files', `does not list ${needed}`);
  }
  const search = r.object(value.search, 'search');
  const names = (field: string): string[] => {
    const list = r.array(search[field], `search.${field}`);
    if (list.some((n) => typeof n !== 'string' || !/^[a-z_]+$/.test(n)))
      r.fail(`search.${field}`, 'must be a list of graph value names');
    return list as string[];
  };
  const attention = search.attention === null ? null : r.string(search.attention, 'search.attention');
  return {
    ...(value as unknown as OnnxManifest),
    ...fields,
    onnx: { irVersion: r.integer(onnx.irVersion, 'onnx.irVersion'), opset: r.integer(onnx.opset, 'onnx.opset'), files },
    search: {
      state: names('state'),
      memory: names('memory'),
      specials: { pad: 0, unk: 1, sos: 2, eos: 3 },
      attention,
    },
  };
}
