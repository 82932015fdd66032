// The real-data case of the benchmark (bench/real-data.ts): batches of the trainer's own batching with realistic
// lengths and padding, written for the PyTorch peer, which builds the same model from them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { countPytorchParameters } from '../../bench/peer.js';
import { batchesJson, REAL_DATA, REAL_DATA_MODEL, realDataBatches, realDataPairs } from '../../bench/real-data.js';
import { useBackend } from '../../engine/backend/select.js';
import { paddingShare, targetTokens } from '../../engine/data/batching.js';
import { Seq2Seq } from '../../engine/model/seq2seq.js';
import { tempDir } from '../helpers/paths.js';

describe('real-data benchmark batches', () => {
  it('have realistic lengths up to 40 tokens, batches of 64, and the padding of length-pooled batching', () => {
    const pairs = realDataPairs(1, 4000);
    const lengths = pairs.map((p) => p.source.length).sort((a, b) => a - b);
    const median = lengths[lengths.length >> 1]!;
    assert.ok(median >= 9 && median <= 13, `median source length ${median}`);
    assert.ok(lengths[lengths.length - 1]! <= REAL_DATA.maxLength - 1 && lengths[0]! >= 1);
    assert.ok(lengths.filter((n) => n >= 25).length > 20, 'a long tail');
    const batches = realDataBatches(1);
    assert.equal(batches.length, REAL_DATA.batches);
    for (const b of batches) {
      assert.equal(b.size, REAL_DATA.batch);
      assert.ok(b.sourceLength <= REAL_DATA.maxLength && b.targetLength <= REAL_DATA.maxLength);
      assert.ok(targetTokens(b) > 0 && targetTokens(b) <= b.size * b.targetLength);
    }
    const padding = paddingShare(batches);
    assert.ok(padding > 0.01 && padding < 0.4, `padding ${padding}`);
    assert.deepEqual(realDataBatches(1)[3]!.source, batches[3]!.source, 'the same from the same seed');
  });

  it('are written for the peer row by row, and the peer builds the same model from them (where torch is installed)', async (t) => {
    const batches = realDataBatches(1);
    const json = JSON.parse(batchesJson(batches)) as {
      sourceVocab: number;
      batches: { source: number[][]; sourceLengths: number[]; targetOut: number[][] }[];
    };
    assert.equal(json.sourceVocab, REAL_DATA.sourceVocab);
    const first = json.batches[0]!;
    assert.equal(first.source.length, REAL_DATA.batch);
    assert.deepEqual(
      first.source[2],
      Array.from(batches[0]!.source.subarray(2 * batches[0]!.sourceLength, 3 * batches[0]!.sourceLength)),
    );
    assert.equal(first.sourceLengths[2], batches[0]!.sourceLengths[2]);

    await useBackend('cpu');
    const model = new Seq2Seq(REAL_DATA_MODEL, REAL_DATA.sourceVocab, REAL_DATA.targetVocab, 1);
    const mtlab = model.params.count;
    model.dispose();
    const file = path.join(tempDir(), 'batches.json');
    writeFileSync(file, batchesJson(batches));
    const peer = await countPytorchParameters({ timeoutMs: 60_000, batchesFile: file });
    if (!peer.available) {
      t.skip(peer.reason);
      return;
    }
    assert.equal(peer.parameters, mtlab);
  });
});
