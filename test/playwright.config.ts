// Browser tests (test/e2e) drive the real app served by `mtlab serve` in Debian's Chromium; desktop tests
// (test/desktop) drive the Electron app. One worker: the tests start servers and share the machine's two cores.
import { defineConfig } from '@playwright/test';

const chromium = process.env.MTLAB_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
  },
  projects: [
    // Separate output folders: a run of one project never deletes the other's traces.
    { name: 'browser', testDir: './e2e', outputDir: '../test-results/browser' },
    { name: 'desktop', testDir: './desktop', outputDir: '../test-results/desktop' },
  ],
});
