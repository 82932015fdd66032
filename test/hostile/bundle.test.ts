/**
 * Hostile model bundles (see README.md here): a `model.json` that claims sizes no run could have (they would exhaust
 * memory or abort the wasm module before any weight is checked), carries reserved keys, or nests without end is
 * refused with the file and field named, before a model is built.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LabError } from '../../engine/errors.js';
import { loadBundle } from '../../engine/export/bundle.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, parseManifest } from '../../engine/export/format.js';
import { tempDir } from '../helpers/paths.js';
import { RESERVED_KEYS, watchPrototypes } from './prototype.js';

/** The smallest manifest the parser accepts (its weights are not read by these tests). */
function manifest(): Record<string, unknown> {
  const vocab = { tokens: ['<pad>', '<unk>', '<sos>', '<eos>', 'a'] };
  return {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    backend: 'cpu',
    run: { id: 1, name: 'gru', experimentId: null, architecture: 'GRU', config: {} },
    checkpoint: { tag: 'best', step: 1, epoch: 0, tokensSeen: 0, trainSeconds: 0, metrics: {} },
    model: {
      cell: 'gru',
      attention: 'bahdanau',
      luongScore: 'general',
      inputFeeding: false,
      embeddingSize: 8,
      hiddenSize: 8,
      attentionSize: 8,
      layers: 1,
      bidirectional: false,
      dropout: 0,
    },
    decode: { strategy: 'greedy', beamSize: 4, lengthPenalty: 0.6, maxLengthRatio: 2, maxLengthOffset: 5 },
    normalization: { preset: 'none', lowercase: false, asciiFold: false },
    tokenizers: { source: { kind: 'word' }, target: { kind: 'word' } },
    vocabularies: { source: vocab, target: vocab },
    weightsManifest: [],
    weightFiles: [],
  };
}

function edited(edit: (m: Record<string, Record<string, unknown>>) => void): string {
  const m = manifest() as Record<string, Record<string, unknown>>;
  edit(m);
  return JSON.stringify(m);
}

function refused(text: string, pattern: RegExp, field?: string): void {
  const untouched = watchPrototypes();
  assert.throws(
    () => parseManifest(text, 'bundle/model.json'),
    (error: unknown) => {
      assert.ok(error instanceof LabError, `not a LabError: ${String(error)}`);
      assert.equal(error.code, 'bundle');
      assert.match(error.message, /^bundle\/model\.json: /);
      assert.match(error.message, pattern);
      if (field !== undefined) assert.equal((error.detail as { field?: string }).field, field);
      return true;
    },
  );
  untouched();
}

describe('hostile: bundle manifests', () => {
  it('accepts the base manifest the cases below change', () => {
    assert.equal(parseManifest(JSON.stringify(manifest()), 'bundle/model.json').model.hiddenSize, 8);
  });

  it('refuses sizes outside what a run config allows, naming the field and the range', () => {
    const cases: [string, string, number, RegExp][] = [
      ['model', 'hiddenSize', 4_096_000, /model\.hiddenSize is 4096000; it must be from 1 to 4096/],
      ['model', 'layers', 1e6, /model\.layers is 1000000; it must be from 1 to 4/],
      ['model', 'embeddingSize', 5000, /model\.embeddingSize is 5000; it must be from 1 to 4096/],
      ['model', 'attentionSize', 1e9, /model\.attentionSize is 1000000000/],
      ['model', 'dropout', 1, /model\.dropout is 1; it must be from 0 to 0\.9/],
      ['decode', 'beamSize', 1e6, /decode\.beamSize is 1000000; it must be from 1 to 64/],
      ['decode', 'maxLengthRatio', 1e9, /decode\.maxLengthRatio is 1000000000; it must be from 0 to 100/],
      ['decode', 'maxLengthOffset', 1e9, /decode\.maxLengthOffset is 1000000000; it must be from 0 to 1000/],
    ];
    for (const [part, field, value, pattern] of cases) {
      refused(
        edited((m) => (m[part]![field] = value)),
        pattern,
        `${part}.${field}`,
      );
    }
  });

  it('refuses reserved keys anywhere, naming where', () => {
    for (const key of RESERVED_KEYS) {
      refused(`{"${key}":{"polluted":true},"format":"${BUNDLE_FORMAT}"}`, new RegExp(`${key} is a reserved name`));
      const nested = edited((m) => (m.checkpoint!.metrics = { placeholder: 1 })).replace(
        '"placeholder"',
        JSON.stringify(key),
      );
      refused(nested, new RegExp(`checkpoint\\.metrics\\.${key} is a reserved name`), `checkpoint.metrics.${key}`);
    }
  });

  it('refuses a manifest nested without end', () => {
    refused(`{"format":"${BUNDLE_FORMAT}","run":${'['.repeat(50_000)}${']'.repeat(50_000)}}`, /nested more than 64/);
  });

  it('loadBundle refuses such a folder before building a model', async () => {
    const dir = path.join(tempDir(), 'bundle');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'model.json'),
      edited((m) => (m.model!.hiddenSize = 4_096_000)),
    );
    await assert.rejects(loadBundle(dir), /model\.json: model\.hiddenSize is 4096000; it must be from 1 to 4096/);
  });
});
