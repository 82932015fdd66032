/**
 * The README.md model card of an ONNX export: what every mtlab model card says (engine/export/model-card.ts), then
 * how to run the graphs: with mtlab, in Python and in Node (the examples in full), the graphs' inputs and outputs,
 * and the search loop that drives them.
 */
import { modelCardBody } from '../model-card.js';
import { NODE_EXAMPLE, PYTHON_EXAMPLE } from './examples.js';
import {
  type GraphDescription,
  NODE_EXAMPLE_FILE,
  ONNX_MANIFEST_FILE,
  type OnnxManifest,
  PYTHON_EXAMPLE_FILE,
} from './format.js';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`),
  ];
}

function values(graph: GraphDescription): string[] {
  const row = (direction: string) => (v: GraphDescription['inputs'][number]) => [
    direction,
    `\`${v.name}\``,
    v.type,
    `[${v.dims.join(', ')}]`,
    // Special tokens in backticks: a Markdown viewer would take a bare <eos> for an HTML tag.
    v.doc.replaceAll(/<(pad|unk|sos|eos)>/g, '`<$1>`'),
  ];
  return table(
    ['', 'Name', 'Type', 'Shape', 'What it is'],
    [...graph.inputs.map(row('in')), ...graph.outputs.map(row('out'))],
  );
}

export function onnxModelCard(manifest: OnnxManifest): string {
  const { search, decode, model } = manifest;
  const state = search.state.map((s) => `\`${s}\``).join(', ');
  const lines = [
    ...modelCardBody(manifest),
    '## How to use it',
    '',
    `This folder holds the model as two ONNX graphs (IR version ${manifest.onnx.irVersion}, operator set ` +
      `${manifest.onnx.opset}), which run in any ONNX runtime: \`encoder.onnx\` reads a sentence once, ` +
      '`decoder_step.onnx` gives the next token’s log-probabilities. Tokenizing text and the search loop are not ' +
      `in the graphs: \`${ONNX_MANIFEST_FILE}\` has what they need, and the two programs below do both.`,
    '',
    'With mtlab (greedy or beam search, run by ONNX Runtime where `onnxruntime-node` is installed):',
    '',
    '```sh',
    'mtlab translate --model path/to/this-folder "a sentence to translate"',
    'mtlab translate --model path/to/this-folder --beam 5 --json "a sentence"   # candidates, scores, attention',
    '```',
    '',
    `In Python, with \`${PYTHON_EXAMPLE_FILE}\` from this folder (\`pip install onnxruntime numpy\`):`,
    '',
    '```sh',
    `python ${PYTHON_EXAMPLE_FILE} "a sentence to translate"`,
    '```',
    '',
    '```python',
    PYTHON_EXAMPLE.trimEnd(),
    '```',
    '',
    `In Node.js, with \`${NODE_EXAMPLE_FILE}\` from this folder (\`npm install onnxruntime-node\`):`,
    '',
    '```sh',
    `node ${NODE_EXAMPLE_FILE} "a sentence to translate"`,
    '```',
    '',
    '```js',
    NODE_EXAMPLE.trimEnd(),
    '```',
    '',
    'Both translate with greedy search, as mtlab does: normalise the text as the training data was ' +
      '(`normalization`), tokenize (`tokenizers.source`), map tokens to ids (`vocabularies.source`; unknown ' +
      'tokens are `<unk>`), append `<eos>`, and decode until `<eos>` or ' +
      `⌈${decode.maxLengthRatio} · source tokens⌉ + ${decode.maxLengthOffset} tokens, never choosing \`<pad>\` or ` +
      '`<sos>`. Beam search is the same loop over k rows per sentence (the run decodes with ' +
      `${decode.strategy === 'beam' ? `beam search, k = ${decode.beamSize}, length penalty α = ${decode.lengthPenalty}` : 'greedy search'}).`,
    '',
    '## The graphs',
    '',
    `\`encoder.onnx\` reads a batch of sentences, each row ending with \`<eos>\` (id ${search.specials.eos}) and ` +
      `padded with \`<pad>\` (id ${search.specials.pad}). Its outputs named ${state} are the decoder's first state` +
      (search.memory.length > 0
        ? `; ${search.memory.map((m) => `\`${m}\``).join(', ')} are the attention memory every step reads unchanged.`
        : '.'),
    '',
    ...values(manifest.graphs.encoder),
    '',
    `\`decoder_step.onnx\` takes the previous token of each row (\`<sos>\`, id ${search.specials.sos}, at the ` +
      `first step), the state and the memory, and gives \`log_probs\` and the next state (\`next_\` + each state ` +
      'name), which the next step reads as its state' +
      (search.attention === null ? '.' : `, and \`${search.attention}\`, this step's attention over the source.`),
    '',
    ...values(manifest.graphs.decoderStep),
    '',
    `The recurrent layers are ONNX's own \`${{ rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' }[model.cell]}\` operator` +
      (model.cell === 'gru' ? ' (`linear_before_reset = 1`, as PyTorch’s GRU)' : '') +
      (model.bidirectional ? ', bidirectional in the encoder' : '') +
      '; embeddings, attention and the output layers are plain operators. Every tensor is batch-major, so a beam ' +
      'search reorders the state by indexing its first axis. ONNX Runtime computes the same numbers as mtlab up ' +
      'to float32 rounding (log-probabilities within 1e-4; mtlab’s tests compare both on every cell and attention).',
    '',
    '## Files',
    '',
    ...table(
      ['File', 'Bytes', 'SHA-256'],
      manifest.onnx.files.map((f) => [`\`${f.path}\``, f.bytes.toLocaleString('en-US'), `\`${f.sha256}\``]),
    ),
    '',
    `\`${ONNX_MANIFEST_FILE}\` (format \`${manifest.format}\` version ${manifest.formatVersion}) has the model ` +
      'config, tokenizers (a BPE tokenizer with its merges), vocabularies, input normalisation, decoding settings, the graphs’ ' +
      'inputs and outputs, and where the model came from.',
    '',
    `Made with mtlab ${manifest.mtlabVersion}.`,
    '',
  ];
  return lines.join('\n');
}
