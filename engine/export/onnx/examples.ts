/**
 * The two programs an ONNX export carries (translate.py and translate.mjs) and its model card shows: greedy
 * translation with nothing but an ONNX runtime, reading mtlab-onnx.json for the vocabularies, the tokenizer, the
 * input normalisation, the decoding limits and the names of the graphs' state and memory tensors.
 *
 * Each reproduces mtlab's own text handling (engine/data/normalize.ts, word-tokenizer.ts, bpe.ts, char-tokenizer.ts,
 * tutorial-preset.ts) and greedy search (engine/decode/search.ts: <pad> and <sos> are never output, ⌈ratio·n⌉ +
 * offset tokens at most), so their translations are mtlab's (test/engine/export/onnx-python.test.ts runs the
 * Python one, test/engine/export/onnx.test.ts the Node one).
 */

export const PYTHON_EXAMPLE = String.raw`#!/usr/bin/env python3
"""Translate with an mtlab ONNX export: onnxruntime and numpy, greedy search.

    pip install onnxruntime numpy
    python translate.py "a sentence to translate" "another one"
    python translate.py < sentences.txt          # one sentence per line
"""
import json
import math
import os
import re
import sys
import unicodedata

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "mtlab-onnx.json"), encoding="utf-8") as f:
    MANIFEST = json.load(f)
SEARCH, DECODE = MANIFEST["search"], MANIFEST["decode"]
PAD, UNK, SOS, EOS = (SEARCH["specials"][k] for k in ("pad", "unk", "sos", "eos"))
SOURCE_IDS = {t: i for i, t in enumerate(MANIFEST["vocabularies"]["source"]["tokens"])}
TARGET_TOKENS = MANIFEST["vocabularies"]["target"]["tokens"]
JOINER, WORD_START = "\uffed", "\u2581"

# Text in: normalised as the training data was, then cut by the dataset's tokenizer.
FOLDS = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
         "đ": "d", "Đ": "D", "ı": "i", "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"',
         "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-",
         "\u2010": "-", "\u2011": "-", "\u2026": "..."}
INVISIBLE = set(map(chr, [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, 0x200B, 0x2060, 0xFEFF, 0xAD]))
SPACES = set("\t\n\v\f\r\x85\u2028\u2029\uffed\u2581")


def strip_accents(text):
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def normalize(text, how):
    if how["preset"] == "pytorch-tutorial":
        text = "".join(c for c in unicodedata.normalize("NFD", text.lower().strip()) if unicodedata.category(c) != "Mn")
        return re.sub(r"[^a-zA-Z!?]+", " ", re.sub(r"([.!?])", r" \1", text)).strip()
    text = "".join(c for c in unicodedata.normalize("NFC", text) if c not in INVISIBLE)
    text = re.sub(" +", " ", "".join(" " if c in SPACES or unicodedata.category(c) == "Zs" else c for c in text))
    text = text.strip(" ")
    if how["lowercase"]:
        text = text.lower()
    if how["asciiFold"]:
        text = "".join(FOLDS.get(c, c) for c in strip_accents(text))
    return text


def is_word(c):
    return unicodedata.category(c)[0] in "LNM"


def words(text):
    """The word tokenizer: punctuation split off, the joiner marking where two tokens touched."""
    tokens = []
    for chunk in text.split(" "):
        pieces, i = [], 0
        while i < len(chunk):
            j = i + 1
            if is_word(chunk[i]):
                while j < len(chunk) and is_word(chunk[j]):
                    j += 1
                if j + 1 < len(chunk) and chunk[j] in "'\u2019" and unicodedata.category(chunk[j + 1])[0] in "LN":
                    j += 1
            pieces.append(chunk[i:j])
            i = j
        for k, piece in enumerate(pieces):
            if k == 0:
                tokens.append(piece)
            elif not is_word(piece[0]):
                tokens.append(JOINER + piece)
            else:
                tokens[-1] += JOINER
                tokens.append(piece)
    return tokens


def strip_joiners(token):
    if len(token) <= 1:
        return token
    start, end = (1 if token.startswith(JOINER) else 0), len(token)
    if end - start > 1 and token.endswith(JOINER):
        end -= 1
    return token[start:end]


def join_words(tokens):
    text, glue_next = "", True
    for token in tokens:
        leading = len(token) > 1 and token.startswith(JOINER)
        trailing = len(token) > 1 and token.endswith(JOINER) and not (leading and len(token) == 2)
        if not glue_next and not leading:
            text += " "
        text += strip_joiners(token)
        glue_next = trailing
    return text


def bpe(word, ranks):
    symbols = [WORD_START, *word]
    while True:
        pairs = [(ranks[p], i) for i, p in enumerate(zip(symbols, symbols[1:])) if p in ranks]
        if not pairs:
            return symbols
        i = min(pairs)[1]
        left, right, merged, k = symbols[i], symbols[i + 1], [], 0
        while k < len(symbols):
            if k + 1 < len(symbols) and symbols[k] == left and symbols[k + 1] == right:
                merged.append(left + right)
                k += 2
            else:
                merged.append(symbols[k])
                k += 1
        symbols = merged


def tokenizer(side):
    spec = MANIFEST["tokenizers"][side]
    if spec["kind"] == "char":
        return list, "".join
    if spec["kind"] == "word":
        return words, join_words
    ranks = {tuple(pair): rank for rank, pair in enumerate(spec["merges"])}
    return (lambda text: [piece for w in words(text) for piece in bpe(w, ranks)],
            lambda tokens: join_words([w for w in "".join(tokens).split(WORD_START) if w]))


tokenize, _ = tokenizer("source")
_, detokenize = tokenizer("target")
options = ort.SessionOptions()
options.log_severity_level = 3
encoder = ort.InferenceSession(os.path.join(HERE, "encoder.onnx"), options, providers=["CPUExecutionProvider"])
decoder = ort.InferenceSession(os.path.join(HERE, "decoder_step.onnx"), options, providers=["CPUExecutionProvider"])
ENCODER_OUT = [o.name for o in encoder.get_outputs()]
DECODER_OUT = [o.name for o in decoder.get_outputs()]


def translate(text):
    tokens = tokenize(normalize(text, MANIFEST["normalization"]))
    if not tokens:
        return ""
    ids = [SOURCE_IDS.get(t, UNK) for t in tokens] + [EOS]
    encoded = dict(zip(ENCODER_OUT, encoder.run(None, {
        "source_ids": np.array([ids], dtype=np.int64),
        "source_lengths": np.array([len(ids)], dtype=np.int32),
    })))
    state = {name: encoded[name] for name in SEARCH["state"]}
    memory = {name: encoded[name] for name in SEARCH["memory"]}
    longest = max(1, math.ceil(DECODE["maxLengthRatio"] * len(tokens)) + DECODE["maxLengthOffset"])
    previous, output = np.array([SOS], dtype=np.int64), []
    for _ in range(longest):
        step = dict(zip(DECODER_OUT, decoder.run(None, {"previous_tokens": previous, **state, **memory})))
        log_probs = step["log_probs"][0].copy()
        log_probs[[PAD, SOS]] = -np.inf  # never an output token
        best = int(np.argmax(log_probs))
        if best == EOS:
            break
        output.append(best)
        state = {name: step["next_" + name] for name in SEARCH["state"]}
        previous = np.array([best], dtype=np.int64)
    return detokenize([TARGET_TOKENS[i] for i in output])


if __name__ == "__main__":
    for line in sys.argv[1:] or sys.stdin.read().splitlines():
        print(translate(line))
`;

export const NODE_EXAMPLE = String.raw`// Translate with an mtlab ONNX export in Node.js: onnxruntime-node, greedy search.
//
//   npm install onnxruntime-node
//   node translate.mjs "a sentence to translate" "another one"
//   node translate.mjs < sentences.txt          # one sentence per line
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const manifest = JSON.parse(readFileSync(here('mtlab-onnx.json'), 'utf8'));
const { search, decode } = manifest;
const { pad: PAD, unk: UNK, sos: SOS, eos: EOS } = search.specials;
const sourceIds = new Map(manifest.vocabularies.source.tokens.map((t, i) => [t, i]));
const targetTokens = manifest.vocabularies.target.tokens;
const JOINER = '\uFFED';
const WORD_START = '\u2581';

// Text in: normalised as the training data was, then cut by the dataset's tokenizer.
const FOLDS = { œ: 'oe', Œ: 'OE', æ: 'ae', Æ: 'AE', ß: 'ss', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ı: 'i',
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u00AB': '"',
  '\u00BB': '"', '\u2013': '-', '\u2014': '-', '\u2010': '-', '\u2011': '-', '\u2026': '...' };
const FOLDABLE = new RegExp('[' + Object.keys(FOLDS).join('') + ']', 'gu');

function normalize(text, how) {
  if (how.preset === 'pytorch-tutorial') {
    const ascii = text.toLowerCase().trim().normalize('NFD').replace(/\p{Mn}/gu, '');
    return ascii.replace(/([.!?])/g, ' $1').replace(/[^a-zA-Z!?]+/g, ' ').trim();
  }
  let out = text
    .normalize('NFC')
    .replace(/[\u0000-\u0008\u000E-\u001F\u007F\u200B\u2060\uFEFF\u00AD]/gu, '')
    .replace(/[\p{Zs}\t\n\v\f\r\u0085\u2028\u2029\uFFED\u2581]+/gu, ' ')
    .trim();
  if (how.lowercase) out = out.toLowerCase();
  if (how.asciiFold) {
    out = out.normalize('NFD').replace(/\p{Mn}/gu, '').normalize('NFC').replace(FOLDABLE, (c) => FOLDS[c]);
  }
  return out;
}

/** The word tokenizer: punctuation split off, the joiner marking where two tokens touched. */
function words(text) {
  const tokens = [];
  for (const chunk of text.split(' ')) {
    const pieces = chunk.match(/[\p{L}\p{N}\p{M}]+(?:['\u2019](?=[\p{L}\p{N}]))?|[^\p{L}\p{N}\p{M}]/gu) ?? [];
    pieces.forEach((piece, k) => {
      if (k === 0) tokens.push(piece);
      else if (!/^[\p{L}\p{N}\p{M}]/u.test(piece)) tokens.push(JOINER + piece);
      else {
        tokens[tokens.length - 1] += JOINER;
        tokens.push(piece);
      }
    });
  }
  return tokens;
}

function stripJoiners(token) {
  if (token.length <= 1) return token;
  const start = token.startsWith(JOINER) ? 1 : 0;
  const end = token.length - start > 1 && token.endsWith(JOINER) ? token.length - 1 : token.length;
  return token.slice(start, end);
}

function joinWords(tokens) {
  let text = '';
  let glueNext = true;
  for (const token of tokens) {
    const leading = token.length > 1 && token.startsWith(JOINER);
    const trailing = token.length > 1 && token.endsWith(JOINER) && !(leading && token.length === 2);
    if (!glueNext && !leading) text += ' ';
    text += stripJoiners(token);
    glueNext = trailing;
  }
  return text;
}

function bpe(word, ranks) {
  let symbols = [WORD_START, ...word];
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(symbols[i] + '\u0000' + symbols[i + 1]);
      if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
    }
    if (best < 0) return symbols;
    const [left, right] = [symbols[best], symbols[best + 1]];
    const merged = [];
    for (let k = 0; k < symbols.length; k++) {
      if (k + 1 < symbols.length && symbols[k] === left && symbols[k + 1] === right) {
        merged.push(left + right);
        k++;
      } else merged.push(symbols[k]);
    }
    symbols = merged;
  }
}

function tokenizer(side) {
  const spec = manifest.tokenizers[side];
  if (spec.kind === 'char') return [(text) => Array.from(text), (tokens) => tokens.join('')];
  if (spec.kind === 'word') return [words, joinWords];
  const ranks = new Map(spec.merges.map(([a, b], rank) => [a + '\u0000' + b, rank]));
  return [
    (text) => words(text).flatMap((w) => bpe(w, ranks)),
    (tokens) => joinWords(tokens.join('').split(WORD_START).filter((w) => w !== '')),
  ];
}

const [tokenize] = tokenizer('source');
const [, detokenize] = tokenizer('target');
const options = { executionProviders: ['cpu'], logSeverityLevel: 3 };
const encoder = await ort.InferenceSession.create(here('encoder.onnx'), options);
const decoder = await ort.InferenceSession.create(here('decoder_step.onnx'), options);

async function translate(text) {
  const tokens = tokenize(normalize(text, manifest.normalization));
  if (tokens.length === 0) return '';
  const ids = [...tokens.map((t) => sourceIds.get(t) ?? UNK), EOS];
  const encoded = await encoder.run({
    source_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
    source_lengths: new ort.Tensor('int32', Int32Array.of(ids.length), [1]),
  });
  let state = Object.fromEntries(search.state.map((name) => [name, encoded[name]]));
  const memory = Object.fromEntries(search.memory.map((name) => [name, encoded[name]]));
  const longest = Math.max(1, Math.ceil(decode.maxLengthRatio * tokens.length) + decode.maxLengthOffset);
  const output = [];
  let previous = SOS;
  for (let t = 0; t < longest; t++) {
    const step = await decoder.run({
      previous_tokens: new ort.Tensor('int64', BigInt64Array.of(BigInt(previous)), [1]),
      ...state,
      ...memory,
    });
    const logProbs = step.log_probs.data;
    let best = UNK;
    for (let v = 0; v < logProbs.length; v++) {
      if (v !== PAD && v !== SOS && logProbs[v] > logProbs[best]) best = v; // <pad> and <sos> are never output
    }
    if (best === EOS) break;
    output.push(best);
    state = Object.fromEntries(search.state.map((name) => [name, step['next_' + name]]));
    previous = best;
  }
  return detokenize(output.map((id) => targetTokens[id]));
}

const args = process.argv.slice(2);
const texts = args.length > 0 ? args : readFileSync(0, 'utf8').replace(/\n$/, '').split('\n');
for (const text of texts) console.log(await translate(text));
`;
