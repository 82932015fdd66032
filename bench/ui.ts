/**
 * The app's compare view with 10 long runs, timed in Chromium: from opening the view until every chart has drawn
 * (the view records it on the page as `data-drawn-ms`). Goal: under 200 ms.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../engine/lab.js';
import { startServer } from '../engine/serve.js';
import { seedDemoStore } from '../test/helpers/demo-store.js';

export interface UiFigures {
  runs: number;
  stepsPerRun: number;
  /** First opening (cold caches) and the median of later openings. */
  firstDrawMs: number;
  drawMs: number;
  browser: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function timeCompareView(
  log: (line: string) => void,
): Promise<UiFigures | { available: false; reason: string }> {
  const executable =
    process.env.MTLAB_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (executable === undefined)
    return { available: false, reason: 'no Chromium found (apt-get install chromium, or set MTLAB_CHROMIUM)' };
  const staticDir = path.join(root, 'dist', 'renderer');
  if (!existsSync(path.join(staticDir, 'index.html')))
    return { available: false, reason: 'the app is not built (npm run build)' };
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtlab-bench-ui-'));
  const runs = 10;
  const steps = 20_000;
  try {
    const demo = seedDemoStore(path.join(dir, 'experiments.db'), { compareRuns: runs, compareSteps: steps });
    const lab = Lab.open(demo.file);
    const server = await startServer({ lab, port: 0, staticDir, log: () => {} });
    const browser = await chromium.launch({
      executablePath: executable,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      const experiment = demo.experiments.find((e) => e.runIds.length === runs)!;
      await page.goto(server.tokenUrl);
      await page.waitForSelector('[data-testid=runs-view], main', { timeout: 30_000 });
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        await page.evaluate("window.location.hash = '#/runs'");
        await page.waitForTimeout(200);
        await page.evaluate(`window.location.hash = '#/compare?runs=${experiment.runIds.join(',')}'`);
        const view = page.getByTestId('compare-view');
        await view.locator('xpath=self::*[@data-drawn-ms]').waitFor({ timeout: 60_000 });
        times.push(Number(await view.getAttribute('data-drawn-ms')));
      }
      const later = times.slice(1).sort((a, b) => a - b);
      log(
        `  compare view, ${runs} runs × ${steps.toLocaleString('en-US')} steps: first ${times[0]} ms, then ${later.join(' / ')} ms`,
      );
      return { runs, stepsPerRun: steps, firstDrawMs: times[0]!, drawMs: later[1]!, browser: browser.version() };
    } finally {
      await browser.close();
      await server.close();
      await lab.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
