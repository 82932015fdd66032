/**
 * What the browser tests stand on: a temporary experiment store (the demo store, or an empty one), the real `Lab`
 * on it (with a hook to fire events and simulate training), and `mtlab serve`'s server on a free port. Built modules
 * are loaded from dist/ (`npm test` builds first); their types come from the sources.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import type { LabOptions } from '../../engine/lab.js';
import type * as ServeModule from '../../engine/serve.js';
import type { RunningServer, ServedLab } from '../../engine/serve.js';
import type * as StoreModule from '../../engine/store/store.js';
import type * as DemoLabModule from '../helpers/demo-lab.js';
import type { DemoLab } from '../helpers/demo-lab.js';
import type * as DemoStoreModule from '../helpers/demo-store.js';
import type { DemoStore, DemoStoreOptions } from '../helpers/demo-store.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (file: string): string => pathToFileURL(path.join(repoRoot, 'dist', file)).href;

const modules = async () => ({
  serve: (await import(dist('engine/serve.js'))) as typeof ServeModule,
  store: (await import(dist('engine/store/store.js'))) as typeof StoreModule,
  demoStore: (await import(dist('test/helpers/demo-store.js'))) as typeof DemoStoreModule,
  demoLab: (await import(dist('test/helpers/demo-lab.js'))) as typeof DemoLabModule,
});

export interface LabServer {
  server: RunningServer;
  lab: DemoLab;
  demo: DemoStore;
  close(): Promise<void>;
}

export async function startLab(
  options: DemoStoreOptions = {},
  shape: (lab: DemoLab) => ServedLab = (lab) => lab,
  labOptions: LabOptions = {},
): Promise<LabServer> {
  const { serve, store, demoStore, demoLab } = await modules();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtlab-e2e-'));
  const demo = demoStore.seedDemoStore(path.join(dir, 'experiments.db'), options);
  const lab = new demoLab.DemoLab(store.Store.open(demo.file), labOptions);
  const served = shape(lab);
  const server = await serve.startServer({
    lab: served,
    port: 0,
    staticDir: path.join(repoRoot, 'dist', 'renderer'),
    log: () => {},
  });
  return {
    server,
    lab,
    demo,
    async close() {
      await server.close();
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Open the app as a user does: the URL `mtlab serve` printed, with its token. */
export async function openApp(page: Page, lab: LabServer, hash = ''): Promise<void> {
  await page.goto(lab.server.tokenUrl);
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
  if (hash !== '') {
    await page.evaluate((h) => (window.location.hash = h), hash);
  }
}

/** The demo store served to all tests of a file (one worker: files run one after another). */
export const test = base.extend<{ consoleErrors: string[] }, { demoLab: LabServer }>({
  demoLab: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const lab = await startLab();
      await use(lab);
      await lab.close();
    },
    { scope: 'worker' },
  ],
  // Every test fails on a console error or an uncaught exception in the page (CSP violations included).
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await use(errors);
      // Refused HTTP calls show in the page as errors of their own (the app shows their messages), and a test that
      // stops its server before the page closes leaves the event socket retrying: neither is a fault of the app.
      const ignored = /Failed to load resource|WebSocket connection to .* failed/;
      expect(errors.filter((e) => !ignored.test(e))).toEqual([]);
    },
    { auto: true },
  ],
});

/** The colour an element paints its background with (a run's swatch), as `rgb(r, g, b)`. */
export function backgroundOf(locator: Locator): Promise<string> {
  return locator.evaluate((element) => getComputedStyle(element).backgroundColor);
}

/**
 * How many pixels of a canvas are (nearly) the given CSS colour: whether a chart drew its lines, not only its axes.
 */
export function pixelsOfColour(canvas: Locator, colour: string): Promise<number> {
  return canvas.evaluate((element, wanted) => {
    const [r, g, b] = (wanted.match(/\d+/g) ?? []).map(Number);
    const canvasElement = element as HTMLCanvasElement;
    const context = canvasElement.getContext('2d');
    if (context === null) return 0;
    const { data } = context.getImageData(0, 0, canvasElement.width, canvasElement.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const near = Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 40;
      if (near && data[i + 3]! > 200) count++;
    }
    return count;
  }, colour);
}

export { expect };
