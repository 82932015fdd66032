/**
 * The desktop app itself, driven by Playwright's Electron support: its security settings, a run that trains and
 * shows its progress, another store opened from the menu, the About box. Needs the Electron binary (and, on Linux,
 * a display; xvfb-run provides one); without them the tests report themselves skipped with the reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, type ElectronApplication, expect, type Page, test } from '@playwright/test';
import type { LabClient, LabEventName, RunConfig, RunSummary } from '../../engine/contract/api.js';

// What the page-side functions below use of the browser (this file is type-checked without the DOM library).
declare const window: {
  lab?: LabClient;
  desktop?: unknown;
  heard?: { event: LabEventName; payload: unknown }[];
  location: { href: string; hash: string };
  open(url: string): unknown;
};
declare const document: {
  createElement(tag: 'script'): { textContent: string };
  head: { append(node: unknown): void };
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Why the desktop app cannot run here, or null. */
function unavailable(): string | null {
  const electronDir = path.join(repoRoot, 'node_modules', 'electron');
  let executable: string;
  try {
    executable = readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
  } catch {
    return 'no Electron binary is installed (it could not be downloaded); `npm start` runs the lab in the browser';
  }
  if (!existsSync(path.join(electronDir, 'dist', executable))) return 'the Electron binary is missing';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display for Electron (run the tests under xvfb-run)';
  }
  return null;
}

const skipReason = unavailable();

test.describe('desktop app', () => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.describe.configure({ mode: 'serial', timeout: 180_000 });

  let app: ElectronApplication;
  let page: Page;
  let dir: string;

  test.beforeAll(async () => {
    // The first run may compile better-sqlite3 for Electron (a minute or two where no prebuilt binary downloads).
    test.setTimeout(10 * 60_000);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mtlab-desktop-'));
    // better-sqlite3 built for Electron (built once into .cache/; node_modules holds the Node build).
    const sqlite = execFileSync(process.execPath, [path.join(repoRoot, 'build', 'electron-native.mjs')], {
      encoding: 'utf8',
    }).trim();
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
    delete env.ELECTRON_RUN_AS_NODE;
    app = await electron.launch({
      args: [repoRoot],
      cwd: dir,
      env: { ...env, MTLAB_DB: path.join(dir, 'experiments.db'), MTLAB_ELECTRON_SQLITE: sqlite },
    });
    page = await app.firstWindow();
    await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
  });

  test.afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('shows the app from app://mtlab with the LabApi and nothing of Node', async () => {
    expect(page.url()).toMatch(/^app:\/\/mtlab\/index\.html/);
    const globals = await page.evaluate(() => ({
      lab: window.lab === undefined ? [] : Object.keys(window.lab).sort(),
      desktop: typeof window.desktop,
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(globals.lab).toContain('createRun');
    expect(globals.lab).toContain('subscribe');
    // Only the LabApi: the desktop-only methods the app never called are gone.
    expect(globals.desktop).toBe('undefined');
    expect(globals.require).toBe('undefined');
    expect(globals.process).toBe('undefined');

    // The page is the app's own world: the preload's objects are frozen bridges, not writable globals.
    const replaced = await page.evaluate(() => {
      try {
        (window as { lab?: unknown }).lab = undefined;
      } catch {
        // strict mode throws on a read-only property; either way it must stay
      }
      return window.lab !== undefined;
    });
    expect(replaced).toBe(true);
  });

  test('enforces its Content-Security-Policy, and keeps to its one window and page', async () => {
    const csp = await page.evaluate(async () => (await fetch('/index.html')).headers.get('content-security-policy'));
    expect(csp).toContain("script-src 'self'");
    const injected = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.head.append(script);
      return (window as unknown as { injected?: boolean }).injected ?? false;
    });
    expect(injected).toBe(false);

    const opened = await page.evaluate(() => window.open('file:///') === null);
    expect(opened).toBe(true);
    await page.evaluate(() => {
      window.location.href = 'file:///';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/^app:\/\/mtlab\//);
    expect(app.windows()).toHaveLength(1);
  });

  test('uses a file path in a lab call only once the user chose it in one of its dialogs', async () => {
    const corpus = path.join(dir, 'pairs.tsv');
    writeFileSync(corpus, 'hello\tbonjour\nthank you\tmerci\ngood night\tbonne nuit\n'.repeat(20));
    const answer = (filePath: string | null) =>
      app.evaluate(({ dialog }, chosen) => {
        const asked = globalThis as unknown as { asked?: string[] };
        asked.asked ??= [];
        dialog.showOpenDialog = (async (...args: unknown[]) => {
          asked.asked!.push((args.at(-1) as { defaultPath?: string }).defaultPath ?? '');
          return { canceled: chosen === null, filePaths: chosen === null ? [] : [chosen] };
        }) as typeof dialog.showOpenDialog;
      }, filePath);
    const importing = (file: string) =>
      page.evaluate(
        (source) =>
          window.lab!.importDataset({ name: 'pairs', format: 'tsv', source: { path: source } }).then(
            (result) => result.dataset.name,
            (error: Error) => `refused: ${error.message}`,
          ),
        file,
      );
    await answer(null);
    expect(await importing('/etc/passwd')).toMatch(
      /^refused: importDataset: source\.path \/etc\/passwd was not confirmed/,
    );
    await answer(corpus);
    expect(await importing('/etc/passwd')).toBe('pairs');
    const asked = await app.evaluate(() => (globalThis as unknown as { asked?: string[] }).asked ?? []);
    expect(asked).toEqual(['/etc/passwd', '/etc/passwd']);
  });

  test('opens a web link only after asking, and never in its own window', async () => {
    await app.evaluate(({ dialog, shell }) => {
      const record = globalThis as unknown as { opened?: string[]; questions?: string[] };
      record.opened = [];
      record.questions = [];
      shell.openExternal = (async (url: string) => void record.opened!.push(url)) as typeof shell.openExternal;
      dialog.showMessageBox = (async (...args: unknown[]) => {
        record.questions!.push((args.at(-1) as { detail?: string }).detail ?? '');
        return { response: 1, checkboxChecked: false };
      }) as typeof dialog.showMessageBox;
    });
    await page.evaluate(() => window.open('https://example.com/phish'));
    await page.evaluate(() => window.open('file:///etc/passwd'));
    await expect
      .poll(() => app.evaluate(() => (globalThis as unknown as { questions?: string[] }).questions ?? []))
      .toEqual(['https://example.com/phish']);
    expect(await app.evaluate(() => (globalThis as unknown as { opened?: string[] }).opened ?? [])).toEqual([]);
    expect(app.windows()).toHaveLength(1);
  });

  test('creates a run that trains, and shows its progress', async () => {
    const run = await page.evaluate(async () => {
      const lab = window.lab!;
      window.heard = [];
      lab.subscribe((event, payload) => window.heard!.push({ event, payload }));
      await lab.generateDataset({ generator: 'toy-fr', name: 'toy', pairs: 400, seed: 1 });
      const partial = {
        data: { dataset: 'toy' },
        model: { cell: 'gru', attention: 'bahdanau', embeddingSize: 16, hiddenSize: 16, attentionSize: 16 },
        // More steps than the test waits for: it watches the run progress, then cancels it.
        train: { steps: 20_000, batchSize: 16, validateEvery: 200 },
      };
      const { config, issues } = await lab.validateConfig({ config: partial });
      if (config === null) throw new Error(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
      return lab.createRun({ config: config as RunConfig, name: 'desktop test', start: true });
    });

    await expect
      .poll(() => page.evaluate(() => window.heard!.filter((e) => e.event === 'run:progress').length), {
        timeout: 120_000,
      })
      .toBeGreaterThan(1);

    await page.evaluate((id) => (window.location.hash = `#/runs/${id}`), run.id);
    const progress = page.getByRole('progressbar', { name: 'training progress' }).first();
    await expect(progress).toBeVisible();
    const firstStep = Number(await progress.getAttribute('aria-valuenow'));
    await expect
      .poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 60_000 })
      .toBeGreaterThan(firstStep);

    // Stop it, so that closing the app has no runs to ask about.
    await page.evaluate(async (id) => {
      const current: RunSummary = await window.lab!.getRun({ id });
      if (current.status === 'running' || current.status === 'queued') await window.lab!.cancelRun({ id });
    }, run.id);
    await expect
      .poll(() => page.evaluate(async (id) => (await window.lab!.getRun({ id })).status, run.id), { timeout: 30_000 })
      .toMatch(/cancelled|finished/);
  });

  test('opens another experiment store from the File menu', async () => {
    const other = path.join(dir, 'other.db');
    await app.evaluate(({ dialog }, file) => {
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath: file })) as typeof dialog.showSaveDialog;
    }, other);
    await app.evaluate(({ Menu }) => {
      const items = Menu.getApplicationMenu()!.items.flatMap((item) => item.submenu?.items ?? []);
      items.find((item) => item.label === 'New Experiment Store…')!.click();
    });
    await expect
      .poll(() => page.evaluate(async () => (await window.lab!.info()).storePath).catch(() => ''), {
        timeout: 30_000,
      })
      .toBe(other);
    expect(await page.evaluate(() => window.lab!.listRuns({}))).toEqual([]);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getTitle())).toContain(
      'other.db',
    );
  });

  test('the About box names the versions of mtlab, Electron, Node and TensorFlow.js', async () => {
    await app.evaluate(({ dialog }) => {
      const shown = globalThis as unknown as { aboutDetail?: string };
      dialog.showMessageBox = (async (...args: unknown[]) => {
        const options = args.at(-1) as { detail?: string };
        shown.aboutDetail = options.detail;
        return { response: 0, checkboxChecked: false };
      }) as typeof dialog.showMessageBox;
    });
    await app.evaluate(({ Menu }) => {
      const items = Menu.getApplicationMenu()!.items.flatMap((item) => item.submenu?.items ?? []);
      items.find((item) => item.label === 'About mtlab')!.click();
    });
    await expect
      .poll(() => app.evaluate(() => (globalThis as unknown as { aboutDetail?: string }).aboutDetail ?? ''))
      .toContain('TensorFlow.js');
    const detail = await app.evaluate(() => (globalThis as unknown as { aboutDetail?: string }).aboutDetail ?? '');
    expect(detail).toMatch(/mtlab \d+\.\d+\.\d+/);
    const pinned = (
      JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
        devDependencies: { electron: string };
      }
    ).devDependencies.electron;
    expect(detail).toContain(`Electron ${pinned}`);
    expect(detail).toMatch(/Node\.js \d+/);
    expect(detail).toMatch(/Compute backend: /);
  });
});
