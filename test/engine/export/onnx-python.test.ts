/**
 * ONNX exports in Python: `onnx.checker` (with shape inference) accepts both graphs, and the Python example of the
 * model card, taken from the README as a user would copy it, translates as mtlab does. Python is
 * $MTLAB_PYTHON_ONNX (.ci/run makes a virtual environment with onnx, onnxruntime and numpy from the machine's
 * local package folder), else python3; each test skips, saying why, where its packages are missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ModelConfig } from '../../../engine/contract/api.js';
import { exportRun } from '../../../engine/export/bundle.js';
import type { Store } from '../../../engine/store/store.js';
import { loadRunModel, translateTexts } from '../../../engine/translate.js';
import { tempDir } from '../../helpers/paths.js';
import { addEngFra, tinyRunConfig, tinyStore, trainTinyRun } from './tiny-runs.js';

const python = process.env.MTLAB_PYTHON_ONNX ?? 'python3';

function runPython(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(python, args, { encoding: 'utf8', input, timeout: 120_000 });
  return {
    code: result.error === undefined ? result.status : -1,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
  };
}

function missing(modules: string): string | false {
  const probe = runPython(['-c', `import ${modules}`]);
  return probe.code === 0 ? false : `${python} cannot import ${modules}: this test skips (see .ci/run for the venv)`;
}

const noChecker = missing('onnx');
const noRuntime = missing('onnxruntime, numpy');
for (const reason of new Set([noChecker, noRuntime])) if (reason !== false) console.log(`# ${reason}`);

const VARIANTS: Record<string, { dataset: string; model: Partial<ModelConfig>; texts: string[] }> = {
  'gru-bahdanau': {
    dataset: 'copy',
    model: { cell: 'gru', attention: 'bahdanau' },
    texts: ['a b c d e', 'f a', 'c c b a d f e a', 'b', ''],
  },
  'lstm-luong-feeding-bidirectional': {
    dataset: 'copy',
    model: {
      cell: 'lstm',
      attention: 'luong',
      luongScore: 'general',
      inputFeeding: true,
      bidirectional: true,
      layers: 2,
    },
    texts: ['a b c d e', 'f a', 'c c b a d f e a'],
  },
  'rnn-none-bpe': {
    dataset: 'engfra-bpe',
    model: { cell: 'rnn', attention: 'none' },
    texts: ['I am cold.', 'Tom is à l’école!', 'we are here', 'Where are you?'],
  },
};

describe('ONNX exports in Python', () => {
  let store: Store;
  const dirs = new Map<string, string>();
  const runs = new Map<string, number>();

  before(async () => {
    ({ store } = tinyStore());
    addEngFra(store);
    const root = tempDir('mtlab-onnx-python-');
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const runId = await trainTinyRun(store, tinyRunConfig(variant.dataset, variant.model, 3), name);
      const dir = path.join(root, name);
      await exportRun(store, { runId, outDir: dir, format: 'onnx' });
      runs.set(name, runId);
      dirs.set(name, dir);
    }
  });

  after(() => store.close());

  it('onnx.checker accepts both graphs (full check, with shape inference)', { skip: noChecker }, () => {
    const graphs = [...dirs.values()].flatMap((dir) =>
      ['encoder.onnx', 'decoder_step.onnx'].map((f) => path.join(dir, f)),
    );
    const check = runPython([
      '-c',
      'import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(p, full_check=True)\n    print("ok", p)',
      ...graphs,
    ]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.stdout.split('\n').filter((l) => l.startsWith('ok ')).length, graphs.length);
  });

  it('runs the model card’s Python example, which translates as mtlab does (greedy)', { skip: noRuntime }, async () => {
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const dir = dirs.get(name)!;
      const card = readFileSync(path.join(dir, 'README.md'), 'utf8');
      const block = /```python\n([\s\S]*?)```/.exec(card);
      assert.ok(block !== null, 'the model card has a Python example');
      assert.equal(block[1], readFileSync(path.join(dir, 'translate.py'), 'utf8'));
      // Run from the export folder, as the README's copy.
      const script = path.join(dir, 'readme_example.py');
      writeFileSync(script, block[1]!);
      const mtlab = await loadRunModel(store, runs.get(name)!);
      try {
        const want = translateTexts(mtlab, { texts: variant.texts, strategy: 'greedy' }).map(
          (t) => t.candidates[0]!.text,
        );
        const fromArgs = runPython([script, ...variant.texts]);
        assert.equal(fromArgs.code, 0, fromArgs.stderr);
        assert.deepEqual(fromArgs.stdout.split('\n').slice(0, -1), want, name);
        const fromStdin = runPython([script], variant.texts.join('\n') + '\n');
        assert.equal(fromStdin.code, 0, fromStdin.stderr);
        assert.deepEqual(fromStdin.stdout.split('\n').slice(0, -1), want, `${name}, standard input`);
      } finally {
        mtlab.model.dispose();
      }
    }
  });
});
