#!/usr/bin/env node
// Check ONNX exports of trained runs against mtlab (issue 22): for each RUN, export it with --format onnx, translate
// a split with mtlab and with ONNX Runtime (greedy and beam 5) and compare every candidate token for token; run the
// model card's Python example on the first 10 sentences and compare with mtlab's greedy translations; have Python's
// onnx.checker check both graphs. Needs a build (npm run build), onnxruntime-node, and for the Python part a Python
// with onnx, onnxruntime and numpy (--python PATH; skipped, saying so, without one).
//
//   node scripts/check-onnx-export.mjs --db experiments.db [--split test] [--python .venv/bin/python] RUN ...
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const engine = (file) => import(pathToFileURL(path.join(root, 'dist', 'engine', file)).href);
const { values: options, positionals } = parseArgs({
  options: { db: { type: 'string' }, split: { type: 'string', default: 'test' }, python: { type: 'string' } },
  allowPositionals: true,
});
if (options.db === undefined || positionals.length === 0) {
  console.error('usage: node scripts/check-onnx-export.mjs --db FILE [--split test] [--python PATH] RUN ...');
  process.exit(2);
}
const { Store } = await engine('store/store.js');
const { exportRun } = await engine('export/bundle.js');
const { loadRunModel, translateTextsAsync } = await engine('translate.js');
const { loadOnnxExport } = await engine('decode/onnx-runtime.js');

const store = Store.open(options.db);
const out = mkdtempSync(path.join(os.tmpdir(), 'mtlab-onnx-check-'));
const key = (t) => JSON.stringify(t.candidates.map((c) => c.tokens));
let failures = 0;
for (const runId of positionals.map(Number)) {
  const run = store.getRun(runId);
  const texts = store.datasetPairs(run.summary.dataset, options.split, 1_000_000, 0).map((p) => p.source);
  const dir = path.join(out, `run-${runId}`);
  await exportRun(store, { runId, outDir: dir, format: 'onnx' });
  const mtlab = await loadRunModel(store, runId);
  const onnx = await loadOnnxExport(dir);
  let greedy = [];
  for (const request of [
    { texts, strategy: 'greedy' },
    { texts, strategy: 'beam', beamSize: 5 },
  ]) {
    const want = await translateTextsAsync(mtlab, request);
    const got = await translateTextsAsync(onnx, request);
    const equal = got.filter((t, i) => key(t) === key(want[i])).length;
    let worst = 0;
    got.forEach((t, i) =>
      t.candidates.forEach((c, j) => (worst = Math.max(worst, Math.abs(c.score - want[i].candidates[j].score)))),
    );
    if (equal !== texts.length) failures++;
    const what = request.strategy === 'beam' ? `beam ${request.beamSize}` : 'greedy';
    console.log(
      `run ${runId} (${run.summary.architecture}), ${what}: ${equal}/${texts.length} ${options.split} sentences ` +
        `with every candidate equal token for token; largest score difference ${worst.toExponential(1)}`,
    );
    if (request.strategy === 'greedy') greedy = want.map((t) => t.candidates[0].text);
  }
  await onnx.dispose();
  mtlab.model.dispose();
  if (options.python === undefined) {
    console.log(`run ${runId}: no --python: the Python example and onnx.checker are not run`);
    continue;
  }
  const card = readFileSync(path.join(dir, 'README.md'), 'utf8');
  const script = path.join(dir, 'readme_example.py');
  writeFileSync(script, /```python\n([\s\S]*?)```/.exec(card)[1]);
  const example = spawnSync(options.python, [script, ...texts.slice(0, 10)], { encoding: 'utf8' });
  const lines = example.stdout.split('\n').slice(0, 10);
  const same = lines.filter((line, i) => line === greedy[i]).length;
  if (example.status !== 0 || same !== Math.min(10, texts.length)) failures++;
  console.log(
    `run ${runId}: the model card's Python example (exit ${example.status}): ${same}/10 equal to mtlab's greedy`,
  );
  const check = spawnSync(
    options.python,
    [
      '-c',
      'import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(p, full_check=True)',
      path.join(dir, 'encoder.onnx'),
      path.join(dir, 'decoder_step.onnx'),
    ],
    { encoding: 'utf8' },
  );
  if (check.status !== 0) failures++;
  console.log(`run ${runId}: onnx.checker ${check.status === 0 ? 'accepts both graphs' : `refuses: ${check.stderr}`}`);
}
store.close();
rmSync(out, { recursive: true, force: true });
console.log(failures === 0 ? 'onnx check: all equal' : `onnx check: ${failures} check(s) differ`);
process.exit(failures === 0 ? 0 : 1);
