import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { AttentionType, CellType, ExportResult, Translation } from '../../engine/contract/api.js';
import { exportRun } from '../../engine/export/bundle.js';
import type { Store } from '../../engine/store/store.js';
import { loadRunModel, translateTexts } from '../../engine/translate.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { tinyRunConfig, tinyStore, trainTinyRun } from '../engine/export/tiny-runs.js';

const CELLS: CellType[] = ['rnn', 'gru', 'lstm'];
const ATTENTIONS: AttentionType[] = ['none', 'bahdanau', 'luong'];
const TEXTS = ['a b c d e', 'f a', 'c c b a d f e a'];

const distModule = (file: string): string => pathToFileURL(path.join(repoRoot, 'dist', file)).href;

/** Run an ES module's source in a fresh Node process. */
function runNode(source: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function parsed(result: CliResult): unknown {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as unknown;
}

describe('mtlab export and translate --model', () => {
  let store: Store;
  let file: string;
  let experimentId: number;
  const runs = new Map<string, number>();

  before(async () => {
    ({ store, file } = tinyStore());
    experimentId = store.createExperiment({
      name: 'cells',
      description: '',
      datasetName: 'copy',
      preset: null,
      seed: null,
    });
    for (const cell of CELLS) {
      for (const attention of ATTENTIONS) {
        const config = tinyRunConfig('copy', { cell, attention, luongScore: cell === 'gru' ? 'dot' : 'general' });
        runs.set(`${cell}/${attention}`, await trainTinyRun(store, config, `${cell}-${attention}`, experimentId));
      }
    }
  });

  after(() => store.close());

  it('gives, in a fresh process, exactly what the run gives: every cell and attention, greedy and beam', async () => {
    const root = tempDir('mtlab-bundles-');
    const cases = [...runs.entries()].map(([name, runId]) => ({ name, runId, dir: path.join(root, name) }));
    const expected: Record<string, { greedy: Translation[]; beam: Translation[] }> = {};
    for (const c of cases) {
      await exportRun(store, { runId: c.runId, outDir: c.dir });
      const loaded = await loadRunModel(store, c.runId);
      expected[c.name] = {
        greedy: translateTexts(loaded, { texts: TEXTS, strategy: 'greedy' }),
        beam: translateTexts(loaded, { texts: TEXTS, strategy: 'beam', beamSize: 3 }),
      };
      loaded.model.dispose();
    }
    const want = JSON.parse(JSON.stringify(expected)) as typeof expected;
    for (const c of cases) {
      assert.equal(want[c.name]!.greedy[0]!.candidates[0]!.attention.length > 0, !c.name.endsWith('/none'), c.name);
    }
    // Every bundle in one fresh process (each process loads TensorFlow.js, which takes seconds) ...
    const fresh = await runNode(
      `import { loadBundle } from ${JSON.stringify(distModule('engine/export/bundle.js'))};
       import { translateTexts } from ${JSON.stringify(distModule('engine/translate.js'))};
       const texts = ${JSON.stringify(TEXTS)};
       const out = {};
       for (const [name, dir] of ${JSON.stringify(cases.map((c) => [c.name, c.dir]))}) {
         const loaded = await loadBundle(dir);
         out[name] = {
           greedy: translateTexts(loaded, { texts, strategy: 'greedy' }),
           beam: translateTexts(loaded, { texts, strategy: 'beam', beamSize: 3 }),
         };
       }
       process.stdout.write(JSON.stringify(out));`,
    );
    assert.deepEqual(parsed(fresh), want);
    // ... and the CLI on one bundle of each cell and attention type.
    const input = TEXTS.join('\n') + '\n';
    const dir = (name: string): string => cases.find((c) => c.name === name)!.dir;
    const [rnn, gru, lstmGreedy, lstmBeam] = await Promise.all([
      runCli(['translate', '--model', dir('rnn/none'), '--json'], { input }),
      runCli(['translate', '--model', dir('gru/bahdanau'), '--beam', '3', '--json'], { input }),
      runCli(['translate', '--model', dir('lstm/luong'), '--json'], { input }),
      runCli(['translate', '--model', dir('lstm/luong'), '--beam', '3', '--json'], { input }),
    ]);
    assert.deepEqual(parsed(rnn), want['rnn/none']!.greedy);
    assert.deepEqual(parsed(gru), want['gru/bahdanau']!.beam);
    assert.deepEqual(parsed(lstmGreedy), want['lstm/luong']!.greedy);
    assert.deepEqual(parsed(lstmBeam), want['lstm/luong']!.beam);
  });

  it('exports from the command line, refuses a non-empty folder without --force', async () => {
    const runId = runs.get('gru/bahdanau')!;
    const out = path.join(tempDir(), 'bundle');
    const human = await runCli(['export', String(runId), '--out', out, '--db', file]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`Exported run ${runId} \\(best checkpoint, step 2\\) to ${out}`));
    assert.match(human.stdout, /model\.json, group1-shard1of1\.bin, README\.md: [\d,]+ bytes/);
    assert.match(human.stdout, /mtlab translate --model/);

    const again = await runCli(['export', String(runId), '--out', out, '--db', file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not empty .*--force/);
    const forced = await runCli([
      'export',
      `#${runId}`,
      '--out',
      out,
      '--checkpoint',
      'last',
      '--db',
      file,
      '--force',
      '--json',
    ]);
    const result = parsed(forced) as ExportResult;
    assert.equal(result.path, out);
    assert.deepEqual([...result.files].sort(), readdirSync(out).sort());
    assert.ok(result.bytes > 0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as { checkpoint: { tag: string } };
    assert.equal(manifest.checkpoint.tag, 'last');
  });

  it('reports usage mistakes and unknown runs', async () => {
    const usage = await Promise.all([
      runCli(['export', '--db', file, '--out', tempDir()]),
      runCli(['export', '1', '--db', file]),
      runCli(['export', '1', '--out', tempDir(), '--checkpoint', 'newest', '--db', file]),
      runCli(['export', '1', '2', '--out', tempDir(), '--db', file]),
    ]);
    for (const r of usage) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Usage: mtlab export RUN --out DIR/);
    }
    assert.match(usage[0]!.stderr, /missing RUN/);
    assert.match(usage[1]!.stderr, /missing --out DIR/);
    assert.match(usage[2]!.stderr, /--checkpoint is best or last/);
    const unknown = await runCli(['export', '999', '--out', tempDir(), '--db', file]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /run 999 does not exist/);
  });

  it('refuses a damaged bundle with an error naming the file, and prints no translation', async () => {
    const good = path.join(tempDir(), 'good');
    await exportRun(store, { runId: runs.get('lstm/luong')!, outDir: good });
    const tampered = path.join(tempDir(), 'tampered');
    cpSync(good, tampered, { recursive: true });
    const shard = path.join(tampered, 'group1-shard1of1.bin');
    const bytes = readFileSync(shard);
    bytes[12] ^= 0x01;
    writeFileSync(shard, bytes);
    const newer = path.join(tempDir(), 'newer');
    cpSync(good, newer, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(newer, 'model.json'), 'utf8')) as { formatVersion: number };
    manifest.formatVersion = 99;
    writeFileSync(path.join(newer, 'model.json'), JSON.stringify(manifest));
    const [modified, future, missing] = await Promise.all([
      runCli(['translate', '--model', tampered, 'a b']),
      runCli(['translate', '--model', newer, 'a b']),
      runCli(['translate', '--model', tempDir(), 'a b']),
    ]);
    for (const r of [modified, future, missing]) {
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
    }
    assert.match(modified.stderr, new RegExp(`mtlab: weights file ${shard} has been modified: its SHA-256 is`));
    assert.match(future.stderr, /model\.json was written by mtlab .* in bundle format version 99; .*update mtlab/);
    assert.match(missing.stderr, /model\.json does not exist: .* is not an mtlab model bundle/);
  });
});

describe('mtlab export-data', () => {
  let store: Store;
  let file: string;
  let experimentId: number;
  let runIds: number[];

  before(async () => {
    ({ store, file } = tinyStore());
    experimentId = store.createExperiment({
      name: 'pair',
      description: '',
      datasetName: 'copy',
      preset: null,
      seed: null,
    });
    runIds = [
      await trainTinyRun(store, tinyRunConfig('copy', { cell: 'gru', attention: 'bahdanau' }, 4), 'a', experimentId),
      await trainTinyRun(store, tinyRunConfig('copy', { cell: 'rnn', attention: 'none' }, 4), 'b', experimentId),
    ];
  });

  after(() => store.close());

  it('writes every metric point of the runs as CSV and JSON', async () => {
    const points = runIds.flatMap((id) =>
      store.metrics.keys([id]).flatMap((key) => [...store.metrics.points(id, key)].map((p) => ({ id, key, p }))),
    );
    const [csv, json] = await Promise.all([
      runCli(['export-data', '--what', 'metrics', '--format', 'csv', '--runs', runIds.join(','), '--db', file]),
      runCli(['export-data', '--what', 'metrics', '--format', 'json', '--runs', runIds.join(','), '--db', file]),
    ]);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'run,key,step,value,wall_time');
    assert.equal(lines.length - 1, points.length);
    assert.ok(points.length > 10);
    const first = points[0]!;
    assert.ok(lines.includes(`${first.id},${first.key},${first.p.step},${first.p.value},${first.p.wallTime}`));
    const data = parsed(json) as { runs: { runId: number; metrics: Record<string, { step: number }[]> }[] };
    assert.deepEqual(
      data.runs.map((r) => r.runId),
      runIds,
    );
    const count = data.runs.reduce((n, r) => n + Object.values(r.metrics).reduce((m, s) => m + s.length, 0), 0);
    assert.equal(count, points.length);
  });

  it('writes attention matrices as JSON and an experiment comparison as CSV, to stdout or a file', async () => {
    const out = path.join(tempDir(), 'comparison.csv');
    const [attention, comparison, toFile] = await Promise.all([
      runCli(['export-data', '--what', 'attention', '--runs', String(runIds[0]), '--db', file]),
      runCli([
        'export-data',
        '--what',
        'comparison',
        '--format',
        'csv',
        '--experiment',
        String(experimentId),
        '--db',
        file,
      ]),
      runCli([
        'export-data',
        '--what',
        'comparison',
        '--format',
        'csv',
        '--experiment',
        String(experimentId),
        '--out',
        out,
        '--db',
        file,
      ]),
    ]);
    const matrices = parsed(attention) as { runId: number; step: number; weights: number[]; sourceTokens: string[] }[];
    const stored = store.attentionSteps(runIds[0]!).flatMap((step) => store.samples(runIds[0]!, step));
    assert.equal(matrices.length, stored.length);
    assert.ok(matrices.length > 0);
    assert.equal(matrices[0]!.runId, runIds[0]);
    assert.equal(comparison.code, 0, comparison.stderr);
    const rows = comparison.stdout.trimEnd().split('\n');
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, /^run,name,architecture,dataset,status,step,/);
    assert.match(rows[1]!, new RegExp(`^${runIds[0]},a,gru \\+ bahdanau,copy,finished,`));
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.match(toFile.stdout, new RegExp(`Wrote ${out} \\([\\d,]+ bytes, text/csv\\)`));
    assert.equal(readFileSync(out, 'utf8'), comparison.stdout);
  });

  it('reports usage mistakes', async () => {
    const results = await Promise.all([
      runCli(['export-data', '--what', 'losses', '--format', 'csv', '--runs', '1', '--db', file]),
      runCli(['export-data', '--what', 'metrics', '--format', 'xml', '--runs', '1', '--db', file]),
      runCli(['export-data', '--what', 'metrics', '--format', 'csv', '--db', file]),
      runCli(['export-data', '--what', 'metrics', '--format', 'csv', '--runs', '1', '--experiment', '1', '--db', file]),
      runCli(['export-data', '--what', 'metrics', '--format', 'csv', '--runs', '1,x', '--db', file]),
      runCli(['export-data', '--what', 'attention', '--format', 'csv', '--runs', '1', '--db', file]),
    ]);
    const messages = [
      /--what is metrics, attention or comparison/,
      /--format is csv or json/,
      /give one of --runs ID,\.\.\. and --experiment ID/,
      /give one of --runs ID,\.\.\. and --experiment ID/,
      /--runs takes run ids separated by commas/,
      /attention matrices export as JSON only/,
    ];
    results.forEach((r, i) => {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, messages[i]!);
    });
    const unknown = await runCli([
      'export-data',
      '--what',
      'metrics',
      '--format',
      'csv',
      '--runs',
      '999',
      '--db',
      file,
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /run 999 does not exist/);
    assert.equal(existsSync(path.join(path.dirname(file), 'comparison.csv')), false);
  });
});
