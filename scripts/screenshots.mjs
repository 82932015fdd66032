#!/usr/bin/env node
// Screenshots of each view of the app, for the README: `node scripts/screenshots.mjs [--db PATH] [--out DIR]`.
//
// Serves the app like `mtlab serve` and drives Debian's Chromium (/usr/bin/chromium, or $MTLAB_CHROMIUM) through
// the views. Without --db it shows the demo store (scripts/seed-demo.mjs: made-up curves, no training); with --db
// it shows that store, picking its runs by what they recorded; views the store has nothing for are skipped, and
// say so.
// Needs `npm run build` first. Writes docs/screenshots/*.png.
/* global window, document -- these run in the page */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (file) => import(pathToFileURL(path.join(root, 'dist', file)).href);

const { values } = parseArgs({ options: { db: { type: 'string' }, out: { type: 'string' } } });
const outDir = path.resolve(values.out ?? path.join(root, 'docs', 'screenshots'));
mkdirSync(outDir, { recursive: true });

const { seedDemoStore } = await load('test/helpers/demo-store.js');
const { DemoLab } = await load('test/helpers/demo-lab.js');
const { Store } = await load('engine/store/store.js');
const { startServer } = await load('engine/serve.js');

const scratch = mkdtempSync(path.join(os.tmpdir(), 'mtlab-screenshots-'));
const storePath = values.db ? path.resolve(values.db) : path.join(scratch, 'demo.db');
if (!values.db) seedDemoStore(storePath);
const emptyPath = path.join(scratch, 'empty.db');
seedDemoStore(emptyPath, { empty: true });

async function serve(file) {
  const lab = new DemoLab(Store.open(file));
  const server = await startServer({
    lab,
    port: 0,
    staticDir: path.join(root, 'dist/renderer'),
    log: console.error,
  });
  return { lab, server, close: async () => (await server.close(), await lab.close()) };
}

const main = await serve(storePath);
const empty = await serve(emptyPath);

// Pick what to show from what the store holds.
const runs = await main.lab.listRuns({});
const experiments = await main.lab.listExperiments();
const byBleu = [...runs].sort((a, b) => (b.bestBleu ?? -1) - (a.bestBleu ?? -1));
const attentionRun = byBleu.find((r) => r.attention !== 'none');
const comparison = experiments.find((e) => e.runIds.length >= 2);
let sample = 0;
if (attentionRun) {
  // The longest validation sentence shows alignment best.
  const samples = await main.lab.getSamples({ runId: attentionRun.id });
  sample = samples.reduce(
    (best, s) =>
      s.source.split(' ').length > best.length ? { index: s.index, length: s.source.split(' ').length } : best,
    { index: 0, length: 0 },
  ).index;
}

const browser = await chromium.launch({
  executablePath: process.env.MTLAB_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

async function shoot(name, server, hash, { theme = 'light', ready, act, height } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: theme,
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(server.tokenUrl);
  await page.waitForSelector('nav[aria-label="Views"]');
  await page.evaluate((h) => (window.location.hash = h), hash);
  if (ready) await page.waitForSelector(ready, { timeout: 20_000 });
  if (act) await act(page);
  await page.waitForTimeout(600);
  // The content scrolls inside <main>: grow the window to show all of it (up to a sensible height).
  const contentHeight = await page.evaluate(() => document.querySelector('main')?.scrollHeight ?? 900);
  await page.setViewportSize({ width: 1440, height: height ?? Math.min(2000, Math.max(900, contentHeight)) });
  await page.waitForTimeout(300);
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(
    `screenshots: ${path.relative(root, file)}${problems.length ? ` (page errors: ${problems.join('; ')})` : ''}`,
  );
  await context.close();
}

try {
  await shoot('runs', main.server, '#/runs', { ready: '[data-testid=runs-table]', height: 900 });
  const focus = attentionRun ?? byBleu[0];
  if (focus) await shoot('run', main.server, `#/runs/${focus.id}`, { ready: '[data-testid=metric-charts] canvas' });
  if (focus)
    await shoot('run-samples', main.server, `#/runs/${focus.id}?tab=samples`, { ready: '[data-testid=samples-table]' });
  const compareHash = comparison
    ? `#/compare?experiment=${comparison.id}`
    : `#/compare?runs=${byBleu
        .slice(0, 3)
        .map((r) => r.id)
        .join(',')}`;
  if (runs.length >= 2) {
    await shoot('compare', main.server, compareHash, { ready: '[data-testid=compare-view][data-drawn-ms]' });
    await shoot('compare-dark', main.server, compareHash, {
      theme: 'dark',
      ready: '[data-testid=compare-view][data-drawn-ms]',
      height: 900,
    });
  }
  if (attentionRun) {
    const attentionRuns = runs.filter((r) => r.attention !== 'none' && r.dataset === attentionRun.dataset).slice(0, 1);
    await shoot(
      'attention',
      main.server,
      `#/attention?runs=${attentionRuns.map((r) => r.id).join(',')}&sample=${sample}`,
      {
        ready: '[data-testid=attention-canvas]',
      },
    );
    const sideBySide = comparison ? comparison.runIds : [attentionRun.id];
    // Side by side, on the sentence the app opens on by itself (one whose translation reorders words).
    await shoot('attention-dark', main.server, `#/attention?runs=${sideBySide.join(',')}`, {
      theme: 'dark',
      ready: '[data-testid=attention-canvas]',
    });
  }
  // Translating needs a trained checkpoint (the demo store's made-up runs have none that load).
  const trained =
    focus !== undefined &&
    (await main.lab.translate({ runId: focus.id, texts: ['a'] }).then(
      () => true,
      () => false,
    ));
  if (trained) {
    await shoot('translate', main.server, `#/translate?run=${focus.id}`, {
      ready: '[data-testid=translate-text]',
      height: 1250,
      act: async (page) => {
        // The view offers sentences from the run's dataset; translate them with beam search.
        await page.waitForFunction(() => document.querySelector('[data-testid=translate-text]')?.value !== '');
        await page.getByRole('button', { name: 'Translate', exact: true }).click();
        await page.waitForSelector('[data-testid=translation] canvas', { timeout: 60_000 });
      },
    });
  } else console.log('screenshots: translate skipped (no trained checkpoint in this store)');
  await shoot('datasets', main.server, '#/datasets', { ready: '[data-testid=dataset-detail]' });
  await shoot('import', main.server, '#/datasets?action=import', { ready: '[data-testid=import-form]', height: 900 });
  await shoot('new-experiment', main.server, '#/new', { ready: '[data-testid=config-form]' });
  await shoot('first-run', empty.server, '', { ready: '[data-testid=first-run]', height: 800 });
} finally {
  await browser.close();
  await main.close();
  await empty.close();
  rmSync(scratch, { recursive: true, force: true });
}
