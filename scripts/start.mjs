#!/usr/bin/env node
// `npm start`: the desktop app on the default experiment store, or, where it cannot run, the lab in the browser.
//
//   npm start [-- --db PATH] [--web] [--port P] [--no-open] [--no-build]
//
// The store is --db, else $MTLAB_DB, else ./experiments.db (relative to where npm was run). dist/ is rebuilt first
// when a source is newer than its output (--no-build skips the check). Without an Electron binary (it could not be
// downloaded at install), without a display, or when the app fails to start, one line says so and `mtlab serve`
// runs instead, printing the URL to open; --web asks for that directly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let options;
try {
  ({ values: options } = parseArgs({
    args: process.argv.slice(2),
    options: {
      db: { type: 'string' },
      web: { type: 'boolean', default: false },
      port: { type: 'string' },
      'no-open': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`mtlab start: ${error.message.replace(/^\S+: /, '')}`);
  console.error('usage: npm start [-- --db PATH] [--web] [--port P] [--no-open] [--no-build]');
  process.exit(2);
}

// npm runs scripts in the package folder; a relative --db means relative to where the user typed the command.
const invokedFrom = process.env.INIT_CWD || process.cwd();
const storePath = path.resolve(invokedFrom, options.db ?? (process.env.MTLAB_DB || 'experiments.db'));

// ---------------------------------------------------------------------------------------------------------------
// Build what is out of date

function files(dir, accept) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : files(full, accept);
    return accept(full) ? [full] : [];
  });
}

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};
const isSource = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');
const compiledPath = (source) =>
  path
    .join(root, 'dist', path.relative(root, source))
    .replace(/preload\.ts$/, 'preload.cjs')
    .replace(/\.ts$/, '.js');

/** The parts of `scripts/build.mjs` whose outputs are missing or older than their sources. */
function staleParts() {
  const stale = [];
  const perFile = (dir) => files(path.join(root, dir), isSource).some((f) => mtime(compiledPath(f)) < mtime(f));
  if (perFile('engine')) stale.push('engine');
  if (perFile('electron')) stale.push('electron');
  const rendererSources = [...files(path.join(root, 'renderer'), () => true), path.join(root, 'package.json')].filter(
    (f) => !f.includes(`${path.sep}dist${path.sep}`),
  );
  const rendererBuilt = mtime(path.join(root, 'dist', 'renderer', 'index.html'));
  if (rendererSources.some((f) => mtime(f) > rendererBuilt)) stale.push('renderer');
  return stale;
}

if (!options['no-build']) {
  const parts = staleParts();
  if (parts.length > 0) {
    console.error(`mtlab: building ${parts.join(', ')} (sources changed since the last build)...`);
    // The build's own chatter goes to stderr: stdout is for what the lab prints.
    const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), ...parts], {
      cwd: root,
      stdio: ['ignore', 2, 2],
    });
    if (built.status !== 0) {
      console.error('mtlab: the build failed (see above); fix it, or run `npm run build` to see it again');
      process.exit(1);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Desktop app, when it can run here

/** The Electron executable, or why there is none. */
function electronBinary() {
  if (process.env.MTLAB_ELECTRON !== undefined) {
    const chosen = process.env.MTLAB_ELECTRON;
    return existsSync(chosen) && statSync(chosen).isFile()
      ? { binary: chosen }
      : { missing: `no Electron binary at ${chosen} ($MTLAB_ELECTRON)` };
  }
  const electronDir = path.join(root, 'node_modules', 'electron');
  if (!existsSync(path.join(electronDir, 'package.json'))) return { missing: 'Electron is not installed' };
  let executable;
  try {
    executable = readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
  } catch {
    return { missing: 'no Electron binary is installed (it could not be downloaded when npm installed it)' };
  }
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(electronDir, 'dist');
  const binary = path.join(distDir, executable);
  return existsSync(binary) ? { binary } : { missing: `the Electron binary ${binary} is missing` };
}

function hasDisplay() {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** Forward Ctrl+C and kill to a child, and leave with its exit code. */
function adopt(child, onExit) {
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    onExit(code ?? 128 + (os.constants.signals[signal] ?? 0), signal);
  });
}

function webMode(reason) {
  if (reason !== null) console.log(`mtlab: ${reason}, so the lab opens in your browser instead (mtlab serve).`);
  const args = [path.join(root, 'bin', 'mtlab.js'), 'serve', '--db', storePath];
  if (options.port !== undefined) args.push('--port', options.port);
  if (!options['no-open'] && hasDisplay()) args.push('--open');
  const serve = spawn(process.execPath, args, { cwd: invokedFrom, stdio: 'inherit' });
  serve.on('error', (error) => {
    console.error(`mtlab: could not start mtlab serve: ${error.message}`);
    process.exit(1);
  });
  adopt(serve, (code) => process.exit(code));
}

async function desktopMode(binary) {
  const env = { ...process.env, MTLAB_DB: storePath };
  // Set by some tools; it would make Electron run as plain Node instead of opening the app.
  delete env.ELECTRON_RUN_AS_NODE;
  try {
    // better-sqlite3 built for Electron (node_modules has the Node build); $MTLAB_ELECTRON_SQLITE names one directly.
    const { ensureElectronSqlite } = await import('../build/electron-native.mjs');
    env.MTLAB_ELECTRON_SQLITE = process.env.MTLAB_ELECTRON_SQLITE || ensureElectronSqlite();
  } catch (error) {
    webMode(`the desktop app cannot run yet (${error.message})`);
    return;
  }
  const started = Date.now();
  let fellBack = false;
  const fallBack = (reason) => {
    if (fellBack) return;
    fellBack = true;
    webMode(reason);
  };
  const app = spawn(binary, [root], { cwd: invokedFrom, stdio: 'inherit', env });
  app.on('error', (error) => fallBack(`the desktop app could not be started (${error.message})`));
  adopt(app, (code, signal) => {
    // An app that dies at once (missing system libraries, no usable display) leaves the browser as the way in.
    if (code !== 0 && signal === null && Date.now() - started < 15_000) {
      fallBack(`the desktop app stopped as it started (exit code ${code})`);
    } else if (!fellBack) process.exit(code);
  });
}

const electron = electronBinary();
if (options.web) webMode(null);
else if (electron.missing !== undefined) webMode(electron.missing);
else if (!hasDisplay()) webMode('there is no display (neither $DISPLAY nor $WAYLAND_DISPLAY is set)');
else await desktopMode(electron.binary);
