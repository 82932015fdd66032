/**
 * mtlab's encoder-decoder as two ONNX graphs, computing what engine/model/ computes, with ONNX's own recurrent
 * operators for the cells and plain operators for everything else:
 *
 *   encoder.onnx       source_ids [batch, source_length] (int64, each row ends with <eos>, padded with <pad>),
 *                      source_lengths [batch] (int32, <eos> included)
 *                      → the decoder's first state (state_h, and state_c for LSTMs, state_feed with Luong input
 *                        feeding) and, with attention, the memory every step reads: encoder_outputs, attention_keys
 *                        (U h_j + b for Bahdanau, W_a h_j for Luong general, h_j for Luong dot) and attention_bias
 *                        (0 on real source positions, −1e9 on padding).
 *   decoder_step.onnx  previous_tokens [batch] (int64), the state, the memory
 *                      → log_probs [batch, target vocabulary], next_state_h (…), attention [batch, source_length].
 *
 * States are batch-major ([batch, layers, hidden]) so a beam search reorders every state and memory tensor along
 * its first axis alike.
 *
 * Cells (engine/model/cells.ts keeps PyTorch's layout: W_ih [input, gates·hidden], gate blocks r z n for the GRU
 * and i f g o for the LSTM, two biases b_ih and b_hh). ONNX's RNN, GRU and LSTM take W [directions, gates·hidden,
 * input], R [directions, gates·hidden, hidden] and B [directions, 2·gates·hidden] (Wb then Rb), with gate blocks
 * z r h for the GRU and i o f c for the LSTM, so the blocks are transposed and reordered here. mtlab's GRU applies
 * the reset gate after the hidden projection (n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))), which is ONNX's
 * linear_before_reset = 1; its LSTM has no peepholes and no coupled input-forget gate (ONNX's defaults). A padded
 * position keeps the state in mtlab; ONNX's sequence_lens gives the same final states and the same outputs on the
 * real positions (its outputs on padding are zeros, which attention never weighs). The reverse direction of a
 * bidirectional layer starts at each sentence's own last token in both.
 *
 * The decoder's first layer reads [E y_{i−1}; c_i] (Bahdanau) or [E y_{i−1}; õ_{i−1}] (Luong input feeding):
 * mtlab projects the parts with separate matrices and sums them, which is one matrix over the concatenation.
 */
import type { ModelConfig } from '../../contract/api.js';
import { GATES } from '../../model/cells.js';
import { GraphBuilder, type ValueDescription } from './graph.js';

export interface Weight {
  shape: number[];
  values: Float32Array;
}

/** The run's parameters by their names in engine/model/ (`encoder.l0.fwd.W_hh`, `decoder.W_out`, ...). */
export type Weights = ReadonlyMap<string, Weight>;

/** ONNX gate block g comes from mtlab's block ORDER[g]. */
const ONNX_GATE_ORDER: Record<ModelConfig['cell'], number[]> = {
  rnn: [0],
  gru: [1, 0, 2], // mtlab r z n → ONNX z r n
  lstm: [0, 3, 1, 2], // mtlab i f g o → ONNX i o f c
};

const OPERATOR: Record<ModelConfig['cell'], string> = { rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' };

/** Every operator the graphs use (a reader refuses a graph with any other: it was not written by mtlab). */
export const OPERATORS: ReadonlySet<string> = new Set([
  ...Object.values(OPERATOR),
  ...['Add', 'Cast', 'Concat', 'ConstantOfShape', 'Gather', 'Identity', 'Less', 'LogSoftmax', 'MatMul', 'Mul'],
  ...['Range', 'Reshape', 'Shape', 'Softmax', 'Split', 'Squeeze', 'Sub', 'Tanh', 'Transpose', 'Unsqueeze'],
]);

/** The value the attention bias gives padded source positions (as engine/model/attention.ts). */
export const MASKED = -1e9;

/** The names of the graphs' inputs and outputs (the model card and the sidecar JSON list them too). */
export const NAMES = {
  sourceIds: 'source_ids',
  sourceLengths: 'source_lengths',
  previousTokens: 'previous_tokens',
  logProbs: 'log_probs',
  attention: 'attention',
  encoderOutputs: 'encoder_outputs',
  attentionKeys: 'attention_keys',
  attentionBias: 'attention_bias',
  /** A state tensor `x` goes in as `x` and comes out of a step as `next_x`. */
  next: (state: string) => `next_${state}`,
} as const;

/** The parts of the decoder state, in order: what the encoder outputs first and each step reads and writes. */
export function stateNames(config: ModelConfig): string[] {
  return [
    'state_h',
    ...(config.cell === 'lstm' ? ['state_c'] : []),
    ...(config.attention === 'luong' && config.inputFeeding ? ['state_feed'] : []),
  ];
}

/** The encoder's outputs each decoder step reads unchanged (none without attention). */
export function memoryNames(config: ModelConfig): string[] {
  return config.attention === 'none' ? [] : [NAMES.encoderOutputs, NAMES.attentionKeys, NAMES.attentionBias];
}

function get(weights: Weights, name: string): Weight {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`the checkpoint has no parameter ${name}`);
  return w;
}

/** mtlab's [input, gates·hidden] (row blocks concatenated, in order) as ONNX's [gates·hidden, input]. */
function gateMatrix(cell: ModelConfig['cell'], parts: Weight[], hidden: number): Float32Array {
  const order = ONNX_GATE_ORDER[cell];
  const width = order.length * hidden;
  const input = parts.reduce((n, p) => n + p.shape[0]!, 0);
  const out = new Float32Array(width * input);
  let row = 0;
  for (const part of parts) {
    if (part.shape[1] !== width) throw new Error(`a ${cell} weight has ${part.shape[1]} columns, expected ${width}`);
    for (let i = 0; i < part.shape[0]!; i++, row++) {
      for (let g = 0; g < order.length; g++) {
        const from = i * width + order[g]! * hidden;
        for (let j = 0; j < hidden; j++) out[(g * hidden + j) * input + row] = part.values[from + j]!;
      }
    }
  }
  return out;
}

function gateVector(cell: ModelConfig['cell'], bias: Weight, hidden: number): Float32Array {
  const order = ONNX_GATE_ORDER[cell];
  const out = new Float32Array(order.length * hidden);
  order.forEach((from, g) => out.set(bias.values.subarray(from * hidden, (from + 1) * hidden), g * hidden));
  return out;
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/**
 * One ONNX recurrent layer (one or two directions) from mtlab cells named `prefixes` (forward, then backward),
 * whose input parts are read in `parts` order. Returns W, R and B initializers.
 */
function recurrentWeights(
  g: GraphBuilder,
  config: ModelConfig,
  weights: Weights,
  prefixes: string[],
  parts: string[],
  label: string,
): { W: string; R: string; B: string; input: number } {
  const H = config.hiddenSize;
  const gates = GATES[config.cell] * H;
  const w = prefixes.map((p) =>
    gateMatrix(
      config.cell,
      parts.map((part) => get(weights, `${p}.W_ih.${part}`)),
      H,
    ),
  );
  const r = prefixes.map((p) => gateMatrix(config.cell, [get(weights, `${p}.W_hh`)], H));
  const b = prefixes.map((p) =>
    concat([
      gateVector(config.cell, get(weights, `${p}.b_ih`), H),
      gateVector(config.cell, get(weights, `${p}.b_hh`), H),
    ]),
  );
  const input = w[0]!.length / gates;
  const D = prefixes.length;
  return {
    W: g.weight(`${label}.W`, [D, gates, input], concat(w)),
    R: g.weight(`${label}.R`, [D, gates, H], concat(r)),
    B: g.weight(`${label}.B`, [D, 2 * gates], concat(b)),
    input,
  };
}

function recurrentAttributes(config: ModelConfig, direction: string): Record<string, number | string> {
  return {
    hidden_size: config.hiddenSize,
    direction,
    ...(config.cell === 'gru' ? { linear_before_reset: 1 } : {}),
  };
}

/** x @ W (+ b) for a weight of engine/model/ ([in, out], bias [out]). */
function linear(g: GraphBuilder, weights: Weights, x: string, weight: string, bias?: string): string {
  const w = get(weights, weight);
  const product = g.op('MatMul', [x, g.weight(weight, w.shape, w.values)]);
  if (bias === undefined) return product;
  const b = get(weights, bias);
  return g.op('Add', [product, g.weight(bias, b.shape, b.values)]);
}

export interface GraphSizes {
  sourceVocab: number;
  targetVocab: number;
}

function describeState(config: ModelConfig, name: string, prefix = ''): ValueDescription {
  const what: Record<string, string> = {
    state_h: "the decoder's hidden state, one row per layer",
    state_c: "the decoder's LSTM memory cells, one row per layer",
    state_feed: 'Luong input feeding: the previous attentional vector õ',
  };
  const dims = name === 'state_feed' ? ['batch', config.hiddenSize] : ['batch', config.layers, config.hiddenSize];
  return { name: prefix + name, type: 'float32', dims, doc: what[name]! };
}

function memoryDescriptions(config: ModelConfig): ValueDescription[] {
  const valueSize = config.hiddenSize * (config.bidirectional ? 2 : 1);
  const keySize =
    config.attention === 'bahdanau'
      ? config.attentionSize
      : config.luongScore === 'general'
        ? config.hiddenSize
        : valueSize;
  return [
    {
      name: NAMES.encoderOutputs,
      type: 'float32',
      dims: ['batch', 'source_length', valueSize],
      doc: 'the encoder outputs h_j (the annotations attention averages)',
    },
    {
      name: NAMES.attentionKeys,
      type: 'float32',
      dims: ['batch', 'source_length', keySize],
      doc:
        config.attention === 'bahdanau'
          ? 'U h_j + b: the key side of additive attention, computed once per sentence'
          : config.luongScore === 'general'
            ? 'W_a h_j: the key side of the general score, computed once per sentence'
            : 'h_j (the dot score compares the decoder state with the encoder outputs themselves)',
    },
    {
      name: NAMES.attentionBias,
      type: 'float32',
      dims: ['batch', 'source_length'],
      doc: '0 on real source positions (<eos> included), -1e9 on padding',
    },
  ];
}

/** The encoder graph: source ids and lengths → the decoder's first state and the attention memory. */
export function encoderGraph(config: ModelConfig, weights: Weights, sizes: GraphSizes): GraphBuilder {
  const g = new GraphBuilder();
  const ids = g.input({
    name: NAMES.sourceIds,
    type: 'int64',
    dims: ['batch', 'source_length'],
    doc: `source token ids (vocabulary of ${sizes.sourceVocab}); each row ends with <eos> (3), padded with <pad> (0)`,
  });
  const lengths = g.input({
    name: NAMES.sourceLengths,
    type: 'int32',
    dims: ['batch'],
    doc: 'the number of real tokens of each row, <eos> included',
  });
  const embedding = get(weights, 'encoder.embedding');
  // Time-major for the recurrent operators: [source_length, batch, embedding].
  let x = g.op('Gather', [
    g.weight('encoder.embedding', embedding.shape, embedding.values),
    g.op('Transpose', [ids], { perm: [1, 0] }),
  ]);
  const D = config.bidirectional ? 2 : 1;
  const H = config.hiddenSize;
  const finals: { h: string; c: string | null }[] = [];
  for (let l = 0; l < config.layers; l++) {
    const prefixes = [`encoder.l${l}.fwd`, ...(config.bidirectional ? [`encoder.l${l}.bwd`] : [])];
    const { W, R, B } = recurrentWeights(g, config, weights, prefixes, ['x'], `encoder.l${l}`);
    const outputs = g.node(
      OPERATOR[config.cell],
      [x, W, R, B, lengths],
      recurrentAttributes(config, config.bidirectional ? 'bidirectional' : 'forward'),
      config.cell === 'lstm' ? 3 : 2,
    );
    const [Y, Yh, Yc] = outputs as [string, string, string | undefined];
    // Y [time, directions, batch, hidden] → [time, batch, directions·hidden]: forward then backward, as mtlab concatenates.
    x = g.op('Reshape', [g.op('Transpose', [Y], { perm: [0, 2, 1, 3] }), g.int64s('shape_time_batch', [0, 0, D * H])]);
    // Final states [directions, batch, hidden] → [batch, directions·hidden].
    const final = (state: string): string =>
      g.op('Reshape', [g.op('Transpose', [state], { perm: [1, 0, 2] }), g.int64s('shape_batch', [0, D * H])]);
    finals.push({ h: final(Yh), c: Yc === undefined ? null : final(Yc) });
  }
  // The bridge (engine/model/decoder.ts): h = tanh(W_h h + b_h), c = W_c c + b_c, where encoder and decoder sizes differ.
  const bridged = finals.map((state, l) => {
    if (D * H === H) return state;
    const h = g.op('Tanh', [linear(g, weights, state.h, `bridge.l${l}.W_h`, `bridge.l${l}.b_h`)]);
    const c = state.c === null ? null : linear(g, weights, state.c, `bridge.l${l}.W_c`, `bridge.l${l}.b_c`);
    return { h, c };
  });
  const stack = (parts: string[]): string => {
    const rows = parts.map((p) => g.op('Unsqueeze', [p, g.int64s('axis1', [1])]));
    return rows.length === 1 ? rows[0]! : g.op('Concat', rows, { axis: 1 });
  };
  const batchZeros = (): string => {
    // [batch, hidden] zeros: the first õ of Luong input feeding.
    const batch = g.op('Gather', [g.op('Shape', [ids]), g.int64s('index0', [0], [])]);
    const shape = g.op('Concat', [g.op('Unsqueeze', [batch, g.int64s('axis0', [0])]), g.int64s('hidden', [H])], {
      axis: 0,
    });
    return g.op('ConstantOfShape', [shape]);
  };
  const state: Record<string, string> = {
    state_h: stack(bridged.map((s) => s.h)),
    ...(config.cell === 'lstm' ? { state_c: stack(bridged.map((s) => s.c!)) } : {}),
    ...(config.attention === 'luong' && config.inputFeeding ? { state_feed: batchZeros() } : {}),
  };
  for (const name of stateNames(config)) g.output(describeState(config, name), state[name]!);
  if (config.attention !== 'none') {
    const values = g.op('Transpose', [x], { perm: [1, 0, 2] });
    const keys =
      config.attention === 'bahdanau'
        ? linear(g, weights, values, 'attention.W', 'attention.b')
        : config.luongScore === 'general'
          ? linear(g, weights, values, 'attention.W_a')
          : values;
    // 0 where position < length, −1e9 elsewhere.
    const sourceLength = g.op('Gather', [g.op('Shape', [ids]), g.int64s('index1', [1], [])]);
    const positions = g.op('Range', [g.int64s('zero', [0], []), sourceLength, g.int64s('one', [1], [])]);
    const limit = g.op('Unsqueeze', [g.op('Cast', [lengths], { to: 7 }), g.int64s('axis1', [1])]);
    const real = g.op('Cast', [g.op('Less', [positions, limit])], { to: 1 });
    const bias = g.op('Mul', [g.op('Sub', [real, g.scalar('one_f', 1)]), g.scalar('masked', -MASKED)]);
    const [outputs, keyInfo, biasInfo] = memoryDescriptions(config) as [
      ValueDescription,
      ValueDescription,
      ValueDescription,
    ];
    g.output(outputs, values);
    g.output(keyInfo, keys);
    g.output(biasInfo, bias);
  }
  return g;
}

/** α = softmax(scores + bias) over the source, context = Σ_j α_j h_j: [batch, source] and [batch, valueSize]. */
function weightedContext(
  g: GraphBuilder,
  scores: string,
  bias: string,
  values: string,
): { weights: string; context: string } {
  const weights = g.op('Softmax', [g.op('Add', [scores, bias])], { axis: -1 });
  const context = g.op('Squeeze', [
    g.op('MatMul', [g.op('Unsqueeze', [weights, g.int64s('axis1', [1])]), values]),
    g.int64s('axis1', [1]),
  ]);
  return { weights, context };
}

/** The decoder-step graph: one token per row, the state and the memory → log-probabilities, next state, α. */
export function decoderStepGraph(config: ModelConfig, weights: Weights, sizes: GraphSizes): GraphBuilder {
  const g = new GraphBuilder();
  const L = config.layers;
  const previous = g.input({
    name: NAMES.previousTokens,
    type: 'int64',
    dims: ['batch'],
    doc: `the previous target token of each row (vocabulary of ${sizes.targetVocab}; <sos> = 2 at the first step)`,
  });
  const state: Record<string, string> = {};
  for (const name of stateNames(config)) state[name] = g.input(describeState(config, name));
  const memory: Record<string, string> = {};
  for (const info of config.attention === 'none' ? [] : memoryDescriptions(config)) memory[info.name] = g.input(info);

  const embedding = get(weights, 'decoder.embedding');
  const embedded = g.op('Gather', [g.weight('decoder.embedding', embedding.shape, embedding.values), previous]);
  // [batch, layers, hidden] → one [1, batch, hidden] initial state per layer.
  const perLayer = (name: string): string[] => {
    const t = g.op('Transpose', [state[name]!], { perm: [1, 0, 2] });
    return L === 1 ? [t] : g.node('Split', [t, g.int64s('ones', Array(L).fill(1))], { axis: 0 }, L);
  };
  const h = perLayer('state_h');
  const c = config.cell === 'lstm' ? perLayer('state_c') : [];
  const squeeze0 = (x: string): string => g.op('Squeeze', [x, g.int64s('axis0', [0])]);

  let input = embedded;
  let parts = ['emb'];
  let attended: { weights: string; context: string } | null = null;
  if (config.attention === 'bahdanau') {
    // e_ij = vᵀ tanh(W s_{i−1} + U h_j + b), with s_{i−1} the top layer's previous state.
    const query = g.op('Unsqueeze', [linear(g, weights, squeeze0(h[L - 1]!), 'attention.U'), g.int64s('axis1', [1])]);
    const hidden = g.op('Tanh', [g.op('Add', [memory[NAMES.attentionKeys]!, query])]);
    const v = get(weights, 'attention.v');
    const scores = g.op('Squeeze', [
      g.op('MatMul', [hidden, g.weight('attention.v', v.shape, v.values)]),
      g.int64s('axis2', [2]),
    ]);
    attended = weightedContext(g, scores, memory[NAMES.attentionBias]!, memory[NAMES.encoderOutputs]!);
    input = g.op('Concat', [embedded, attended.context], { axis: 1 });
    parts = ['emb', 'ctx'];
  } else if (config.attention === 'luong' && config.inputFeeding) {
    input = g.op('Concat', [embedded, state.state_feed!], { axis: 1 });
    parts = ['emb', 'feed'];
  }
  const nextH: string[] = [];
  const nextC: string[] = [];
  for (let l = 0; l < L; l++) {
    const { W, R, B } = recurrentWeights(
      g,
      config,
      weights,
      [`decoder.l${l}`],
      l === 0 ? parts : ['x'],
      `decoder.l${l}`,
    );
    const X = g.op('Unsqueeze', [input, g.int64s('axis0', [0])]);
    const inputs = [X, W, R, B, '', h[l]!, ...(config.cell === 'lstm' ? [c[l]!] : [])];
    const outputs = g.node(
      OPERATOR[config.cell],
      inputs,
      recurrentAttributes(config, 'forward'),
      config.cell === 'lstm' ? 3 : 2,
    );
    nextH.push(outputs[1]!);
    if (config.cell === 'lstm') nextC.push(outputs[2]!);
    input = squeeze0(outputs[1]!);
  }
  const top = input;
  let output = top;
  if (config.attention !== 'none') {
    let combined: string;
    if (config.attention === 'luong') {
      // e_ij = s_iᵀ keys_j, with s_i the top layer's new state; õ_i = tanh(W_o [c_i; s_i] + b_o).
      const scores = g.op('Squeeze', [
        g.op('MatMul', [memory[NAMES.attentionKeys]!, g.op('Unsqueeze', [top, g.int64s('axis2', [2])])]),
        g.int64s('axis2', [2]),
      ]);
      attended = weightedContext(g, scores, memory[NAMES.attentionBias]!, memory[NAMES.encoderOutputs]!);
      combined = g.op('Concat', [attended.context, top], { axis: 1 });
    } else {
      // o_i = tanh(W_o [s_i; c_i] + b_o).
      combined = g.op('Concat', [top, attended!.context], { axis: 1 });
    }
    output = g.op('Tanh', [linear(g, weights, combined, 'decoder.W_o', 'decoder.b_o')]);
  }
  const logProbs = g.op('LogSoftmax', [linear(g, weights, output, 'decoder.W_out', 'decoder.b_out')], { axis: -1 });
  g.output(
    {
      name: NAMES.logProbs,
      type: 'float32',
      dims: ['batch', sizes.targetVocab],
      doc: 'log p(y_i | y_<i, x) over the target vocabulary',
    },
    logProbs,
  );
  const restack = (parts: string[]): string =>
    g.op('Transpose', [parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis: 0 })], { perm: [1, 0, 2] });
  const next: Record<string, string> = {
    state_h: restack(nextH),
    ...(config.cell === 'lstm' ? { state_c: restack(nextC) } : {}),
    ...(config.attention === 'luong' && config.inputFeeding ? { state_feed: output } : {}),
  };
  for (const name of stateNames(config)) g.output(describeState(config, name, 'next_'), next[name]!);
  if (attended !== null) {
    g.output(
      {
        name: NAMES.attention,
        type: 'float32',
        dims: ['batch', 'source_length'],
        doc: 'α_i: the attention weights of this step',
      },
      attended.weights,
    );
  }
  return g;
}
