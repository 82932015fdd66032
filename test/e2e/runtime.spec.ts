/**
 * The bundle runtime in a web page: a tiny model trained and exported here (Node API), a static page that imports
 * dist/runtime/mtlab-runtime.js, and the same sentences translated in Chromium and by `mtlab translate --model`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Translation } from '../../engine/contract/api.js';
import type * as ConfigModule from '../../engine/config.js';
import type * as GenerateModule from '../../engine/data/generate.js';
import type * as BundleModule from '../../engine/export/bundle.js';
import type * as RuntimeModule from '../../engine/export/runtime.js';
import type * as StoreModule from '../../engine/store/store.js';
import type * as TrainerModule from '../../engine/train/trainer.js';
import { expect, test } from './fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (file: string): string => pathToFileURL(path.join(repoRoot, 'dist', file)).href;
const runtimeFile = path.join(repoRoot, 'dist', 'runtime', 'mtlab-runtime.js');

const TEXTS = ['a b c d', 'f e a', 'b b c a f e d a'];
const TOLERANCE = 1e-5;

interface Both {
  greedy: Translation[];
  beam: Translation[];
}

/** Train a GRU + Bahdanau model for a few steps on the cpu backend and export it. */
async function exportTinyModel(dir: string): Promise<string> {
  const { Store } = (await import(dist('engine/store/store.js'))) as typeof StoreModule;
  const { generateDataset } = (await import(dist('engine/data/generate.js'))) as typeof GenerateModule;
  const { requireValidConfig } = (await import(dist('engine/config.js'))) as typeof ConfigModule;
  const { Trainer } = (await import(dist('engine/train/trainer.js'))) as typeof TrainerModule;
  const { exportRun } = (await import(dist('engine/export/bundle.js'))) as typeof BundleModule;
  const store = Store.open(path.join(dir, 'experiments.db'));
  try {
    generateDataset(store, { generator: 'copy', name: 'copy', pairs: 60, seed: 1 });
    const config = requireValidConfig({
      data: { dataset: 'copy' },
      model: { cell: 'gru', attention: 'bahdanau', embeddingSize: 8, hiddenSize: 12, attentionSize: 6, dropout: 0 },
      train: { steps: 3, validateEvery: 3, validationPairs: 6, batchSize: 8, learningRate: 0.01, seed: 5 },
      decode: { beamSize: 3 },
      backend: 'cpu',
    });
    const runId = store.createRun({ name: 'browser', config, experimentId: null, totalSteps: 0 });
    const trainer = await Trainer.open(store, runId);
    try {
      await trainer.run();
    } finally {
      trainer.dispose();
    }
    const bundle = path.join(dir, 'bundle');
    await exportRun(store, { runId, outDir: bundle });
    return bundle;
  } finally {
    store.close();
  }
}

function cliTranslate(bundle: string, extra: string[]): Translation[] {
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'mtlab.js'), 'translate', '--model', bundle, '--json', ...extra],
    {
      input: TEXTS.join('\n') + '\n',
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`mtlab translate failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Translation[];
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>mtlab runtime</title>
<input type="file" multiple data-testid="files">
<script type="module">
  import * as runtime from '/runtime/mtlab-runtime.js';
  window.mtlab = runtime;
  document.body.dataset.ready = 'yes';
</script>`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
};

/** Serves the page at /, the runtime at /runtime/, and each folder of `bundles` at /NAME/. */
function serveStatic(bundles: Record<string, string>): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const [, first = '', ...rest] = url.pathname.split('/');
    const file =
      url.pathname === '/'
        ? null
        : first === 'runtime'
          ? path.join(repoRoot, 'dist', 'runtime', rest.join('/'))
          : bundles[first] === undefined
            ? ''
            : path.join(bundles[first]!, rest.join('/'));
    if (file === null) {
      response.writeHead(200, { 'content-type': TYPES['.html']! }).end(PAGE);
    } else if (file !== '' && !rest.includes('..') && existsSync(file)) {
      response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(readFileSync(file));
    } else {
      response.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
    }),
  );
}

function expectSame(actual: Translation[], expected: Translation[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((translation, i) => {
    const want = expected[i]!;
    expect(translation.source).toBe(want.source);
    expect(translation.sourceTokens).toEqual(want.sourceTokens);
    expect(translation.candidates.map((c) => c.tokens)).toEqual(want.candidates.map((c) => c.tokens));
    expect(translation.candidates.map((c) => c.text)).toEqual(want.candidates.map((c) => c.text));
    translation.candidates.forEach((c, k) => {
      const w = want.candidates[k]!;
      expect(Math.abs(c.score - w.score)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(c.logProb - w.logProb)).toBeLessThanOrEqual(TOLERANCE);
      expect(c.attention.length).toBe(w.attention.length);
      const worst = Math.max(0, ...c.attention.map((a, j) => Math.abs(a - w.attention[j]!)));
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
    });
  });
}

type Runtime = typeof RuntimeModule;

test.describe('the bundle runtime in a web page', () => {
  let dir: string;
  let bundle: string;
  let tampered: string;
  let site: { server: Server; url: string };
  let expected: Both;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    if (!existsSync(runtimeFile)) throw new Error(`${runtimeFile} is missing: run node scripts/build.mjs`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mtlab-runtime-'));
    bundle = await exportTinyModel(dir);
    tampered = path.join(dir, 'tampered');
    cpSync(bundle, tampered, { recursive: true });
    const shard = path.join(tampered, 'group1-shard1of1.bin');
    const bytes = readFileSync(shard);
    bytes[20] ^= 0x08;
    writeFileSync(shard, bytes);
    expected = { greedy: cliTranslate(bundle, []), beam: cliTranslate(bundle, ['--beam', '3']) };
    site = await serveStatic({ bundle, tampered });
  });

  test.afterAll(async () => {
    await new Promise((resolve) => site?.server.close(resolve));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('translates a bundle fetched over HTTP exactly as mtlab translate --model does', async ({ page }) => {
    await page.goto(site.url);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'yes');
    const inBrowser = await page.evaluate(async (texts) => {
      const runtime = (window as unknown as { mtlab: Runtime }).mtlab;
      const model = await runtime.loadBundleFromUrl('bundle/');
      const result = {
        greedy: runtime.translate(model, { texts, strategy: 'greedy' }),
        beam: runtime.translate(model, { texts, strategy: 'beam', beamSize: 3 }),
        origin: model.origin,
      };
      runtime.dispose(model);
      return result;
    }, TEXTS);
    expect(inBrowser.origin).toContain(`${site.url}bundle/`);
    expect(expected.greedy[0]!.candidates[0]!.attention.length).toBeGreaterThan(0);
    expectSame(inBrowser.greedy, expected.greedy);
    expectSame(inBrowser.beam, expected.beam);
  });

  test('loads the files a person picks, and refuses a tampered or missing bundle', async ({ page }) => {
    await page.goto(site.url);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'yes');
    await page.getByTestId('files').setInputFiles(readdirSync(bundle).map((name) => path.join(bundle, name)));
    const picked = await page.evaluate(async (texts) => {
      const runtime = (window as unknown as { mtlab: Runtime }).mtlab;
      const input = document.querySelector('input[type=file]') as HTMLInputElement;
      const model = await runtime.loadBundleFromFiles(input.files!);
      const greedy = runtime.translate(model, { texts, strategy: 'greedy' });
      runtime.dispose(model);
      return greedy;
    }, TEXTS);
    expectSame(picked, expected.greedy);

    const failures = await page.evaluate(async () => {
      const runtime = (window as unknown as { mtlab: Runtime }).mtlab;
      const attempt = async (url: string): Promise<{ code: string; message: string }> => {
        try {
          await runtime.loadBundleFromUrl(url);
          return { code: 'none', message: 'loaded' };
        } catch (error) {
          return { code: (error as { code: string }).code, message: (error as Error).message };
        }
      };
      return { tampered: await attempt('tampered/'), missing: await attempt('nothing-here/') };
    });
    expect(failures.tampered.code).toBe('bundle');
    expect(failures.tampered.message).toMatch(
      /weights file http:\/\/127\.0\.0\.1:\d+\/tampered\/group1-shard1of1\.bin has been modified: its SHA-256 is/,
    );
    expect(failures.missing.code).toBe('bundle');
    expect(failures.missing.message).toMatch(/nothing-here\/model\.json does not exist/);
  });
});
