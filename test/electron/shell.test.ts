/** The desktop shell's pieces that need no Electron: app:// serving, store choice, About text, menu, sqlite redirect. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { LabInfo } from '../../engine/contract/api.js';
import { aboutDetail } from '../../electron/about.js';
import { isAppUrl, senderProblem } from '../../electron/app-origin.js';
import { APP_CONTENT_SECURITY_POLICY, serveAppRequest } from '../../electron/app-protocol.js';
import { menuTemplate } from '../../electron/menu.js';
import { electronSqliteFile } from '../../electron/native-sqlite.js';
import { installSqliteRedirect, type ProcessLike } from '../../electron/sqlite-redirect.js';
import { desktopStorePath } from '../../electron/store-path.js';
import { appWebPreferences } from '../../electron/window-options.js';
import { repoRoot, tempDir } from '../helpers/paths.js';

function rendererDir(): string {
  const root = path.join(tempDir(), 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>mtlab</title>');
  writeFileSync(path.join(root, 'assets', 'index-1234.js'), 'console.log(1)');
  writeFileSync(path.join(root, '..', 'secret.txt'), 'not for the page');
  return root;
}

describe('app:// protocol', () => {
  it('serves the renderer with a strict Content-Security-Policy', async () => {
    const root = rendererDir();
    const page = await serveAppRequest(new Request('app://mtlab/index.html'), root);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await page.text(), '<!doctype html><title>mtlab</title>');
    const csp = page.headers.get('content-security-policy')!;
    assert.equal(csp, APP_CONTENT_SECURITY_POLICY);
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "object-src 'none'"]) {
      assert.ok(csp.includes(directive), directive);
    }
    assert.ok(!/unsafe-eval|script-src[^;]*unsafe-inline|\bws:|https?:/.test(csp), csp);
    const script = await serveAppRequest(new Request('app://mtlab/assets/index-1234.js'), root);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(script.headers.get('content-security-policy'), csp);
  });

  it('serves nothing outside the renderer folder, nor for another host or method', async () => {
    const root = rendererDir();
    for (const url of [
      'app://mtlab/../secret.txt',
      'app://mtlab/%2e%2e/secret.txt',
      'app://mtlab/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://mtlab/assets/..%5c..%5csecret.txt',
      'app://mtlab/missing.js',
      'app://other/index.html',
    ]) {
      const response = await serveAppRequest(new Request(url), root);
      assert.equal(response.status, 404, url);
      assert.ok(!(await response.text()).includes('not for the page'), url);
    }
    const post = await serveAppRequest(new Request('app://mtlab/index.html', { method: 'POST', body: 'x' }), root);
    assert.equal(post.status, 405);
  });

  it('says how to build when the renderer is not built', async () => {
    const response = await serveAppRequest(new Request('app://mtlab/index.html'), path.join(tempDir(), 'none'));
    assert.equal(response.status, 503);
    assert.match(await response.text(), /npm run build/);
  });

  it('names the app origin, and only it, as a trusted sender', () => {
    assert.ok(isAppUrl('app://mtlab/index.html#/runs/3'));
    for (const url of ['app://mtlab.evil/index.html', 'file:///index.html', 'http://mtlab/', 'not a url']) {
      assert.ok(!isAppUrl(url), url);
    }
    const frame = { url: 'app://mtlab/index.html', parent: null };
    assert.equal(senderProblem({ sender: { id: 3 }, senderFrame: frame }, 3), null);
    assert.match(senderProblem({ sender: { id: 3 }, senderFrame: frame }, null)!, /app window/);
  });
});

describe('app window', () => {
  it('isolates the page from its preload, sandboxes it, and gives it no Node.js', () => {
    const preferences = appWebPreferences('/app/dist/electron/preload.cjs', false);
    assert.equal(preferences.preload, '/app/dist/electron/preload.cjs');
    assert.equal(preferences.contextIsolation, true);
    assert.equal(preferences.sandbox, true);
    assert.equal(preferences.nodeIntegration, false);
    assert.equal(preferences.nodeIntegrationInWorker, false);
    assert.equal(preferences.nodeIntegrationInSubFrames, false);
    assert.equal(preferences.webSecurity, true);
    assert.equal(preferences.webviewTag, false);
    assert.equal(preferences.devTools, false);
    assert.equal(appWebPreferences('/p', true).devTools, true);
  });
});

describe('main process', () => {
  /** Every module the built main process loads, following its static imports. */
  function importGraph(entry: string): string[] {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(
        /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]/g,
      )) {
        const specifier = (match[1] ?? match[2])!;
        if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
        else seen.add(specifier);
      }
    };
    visit(entry);
    return [...seen].map((f) => (path.isAbsolute(f) ? path.relative(path.join(repoRoot, 'dist'), f) : f));
  }

  it('loads neither the store nor TensorFlow.js: the engine host does', () => {
    const graph = importGraph(path.join(repoRoot, 'dist', 'electron', 'main.js'));
    assert.ok(graph.includes('electron'));
    const engine = graph.filter((m) => m.startsWith('engine'));
    assert.deepEqual(engine.sort(), ['engine/app-files.js']);
    assert.ok(!graph.some((m) => m === 'better-sqlite3' || m.startsWith('@tensorflow/')), graph.join(', '));
  });
});

describe('experiment store of the desktop app', () => {
  const base = { argv: [], env: {}, isPackaged: false, userDataDir: '/home/ada/.config/mtlab', cwd: '/work/lab' };

  it('is experiments.db in the working directory from a checkout, in the user data folder when installed', () => {
    assert.equal(desktopStorePath(base), path.resolve('/work/lab/experiments.db'));
    assert.equal(
      desktopStorePath({ ...base, isPackaged: true }),
      path.join('/home/ada/.config/mtlab', 'experiments.db'),
    );
  });

  it('follows --db, then MTLAB_DB', () => {
    const env = { MTLAB_DB: 'from-env.db' };
    assert.equal(desktopStorePath({ ...base, env }), path.resolve('/work/lab/from-env.db'));
    assert.equal(desktopStorePath({ ...base, env, argv: ['.', '--db', '/data/a.db'] }), path.resolve('/data/a.db'));
    assert.equal(
      desktopStorePath({ ...base, env, isPackaged: true, argv: ['--db=runs.db'] }),
      path.resolve('/work/lab/runs.db'),
    );
  });
});

describe('About box', () => {
  const info: LabInfo = {
    version: '0.1.0',
    storePath: '/work/lab/experiments.db',
    schemaVersion: 3,
    concurrency: 1,
    tfjsVersion: '4.22.0',
    backends: [
      { name: 'tensorflow', available: false, detail: '@tensorflow/tfjs-node is not installed' },
      { name: 'wasm', available: true, detail: 'wasm SIMD, 2 threads' },
      { name: 'cpu', available: true, detail: '' },
    ],
  };
  const versions = { electron: '45.6.1', node: '22.20.0', chrome: '144.0.0.0' };

  it('lists mtlab, Electron, Node, TensorFlow.js and the backend training uses', () => {
    const text = aboutDetail({ appVersion: '0.1.0', versions, info });
    for (const line of [
      'mtlab 0.1.0',
      'Electron 45.6.1',
      'Node.js 22.20.0',
      'TensorFlow.js 4.22.0',
      'Compute backend: wasm (wasm SIMD, 2 threads)',
      'tensorflow: unavailable (@tensorflow/tfjs-node is not installed)',
      'Experiment store: /work/lab/experiments.db (schema 3)',
    ]) {
      assert.ok(text.includes(line), `${line}\n---\n${text}`);
    }
  });

  it('still shows the versions it knows when the engine does not answer', () => {
    const text = aboutDetail({ appVersion: '0.1.0', versions, info: { error: 'the engine did not answer' } });
    assert.match(text, /Electron 45\.6\.1/);
    assert.match(text, /TensorFlow\.js: unknown \(the engine did not answer\)/);
  });
});

describe('application menu', () => {
  const clicked: string[] = [];
  const actions = {
    openStore: () => clicked.push('open'),
    newStore: () => clicked.push('new'),
    revealStore: () => clicked.push('reveal'),
    about: () => clicked.push('about'),
  };
  type Item = { label?: string; role?: string; submenu?: Item[]; click?: () => void };
  const flatten = (items: Item[]): Item[] => items.flatMap((item) => [item, ...flatten(item.submenu ?? [])]);

  it('offers the store actions and About on every platform, developer tools only in a checkout', () => {
    for (const isMac of [true, false]) {
      const installed = flatten(menuTemplate(actions, { isMac, developer: false }) as Item[]);
      for (const label of ['Open Experiment Store…', 'New Experiment Store…', 'About mtlab']) {
        installed.find((item) => item.label === label)!.click!();
      }
      assert.ok(!installed.some((item) => item.role === 'toggleDevTools'));
      const checkout = flatten(menuTemplate(actions, { isMac, developer: true }) as Item[]);
      assert.ok(checkout.some((item) => item.role === 'toggleDevTools'));
    }
    assert.deepEqual(clicked, ['open', 'new', 'about', 'open', 'new', 'about']);
  });
});

describe('better-sqlite3 for Electron', () => {
  it('is looked for under one name per better-sqlite3, Electron, platform and architecture', () => {
    const file = electronSqliteFile('/repo', { betterSqlite3: '12.9.0', electron: '45.6.1' }, 'linux', 'x64');
    assert.equal(
      file,
      path.join('/repo', '.cache', 'electron-native', 'better-sqlite3-12.9.0-electron-45.6.1-linux-x64.node'),
    );
  });

  it('redirects the addon load, and passes the redirect on to child processes', () => {
    const loads: string[] = [];
    const fake: ProcessLike = {
      dlopen: (_module, filename) => loads.push(filename),
      env: { NODE_OPTIONS: '--trace-warnings' },
    };
    installSqliteRedirect(fake, '/cache/electron-sqlite.node', 'file:///app/dist/electron/sqlite-redirect.js');
    fake.dlopen({}, '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    fake.dlopen({}, '/app/node_modules/other/build/Release/other.node');
    assert.deepEqual(loads, ['/cache/electron-sqlite.node', '/app/node_modules/other/build/Release/other.node']);
    assert.equal(fake.env.NODE_OPTIONS, '--trace-warnings --import=file:///app/dist/electron/sqlite-redirect.js');
    installSqliteRedirect(fake, '/cache/electron-sqlite.node', 'file:///app/dist/electron/sqlite-redirect.js');
    assert.equal(fake.env.NODE_OPTIONS, '--trace-warnings --import=file:///app/dist/electron/sqlite-redirect.js');
  });

  it('makes a real process load the replacement file', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
    // A copy of the Node build stands in for the Electron build: what matters is which file gets loaded.
    const resolved = createRequire(path.join(repoRoot, 'package.json')).resolve('better-sqlite3/package.json');
    const replacement = path.join(tempDir(), 'stand-in.node');
    copyFileSync(path.join(path.dirname(resolved), 'build', 'Release', 'better_sqlite3.node'), replacement);
    const redirect = pathToFileURL(path.join(repoRoot, 'dist', 'electron', 'sqlite-redirect.js')).href;
    const script = [
      `import { installSqliteRedirect } from ${JSON.stringify(redirect)};`,
      `import { createRequire } from 'node:module';`,
      `import { readFileSync } from 'node:fs';`,
      `installSqliteRedirect(process, ${JSON.stringify(replacement)}, ${JSON.stringify(redirect)});`,
      `const Database = createRequire(${JSON.stringify(resolved)})('better-sqlite3');`,
      `new Database(':memory:').prepare('select 1').get();`,
      `console.log(readFileSync('/proc/self/maps', 'utf8').includes(${JSON.stringify(replacement)}));`,
    ].join('\n');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'true');
  });
});
