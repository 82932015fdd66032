#!/usr/bin/env node
// `npm run dist`: desktop packages for this platform with electron-builder (build/electron-builder.yml): AppImage and
// deb on Linux, dmg on macOS, an nsis installer on Windows, into release/.
//
//   npm run dist [-- --check]     --check: only say whether packaging can run here
//
// Packaging needs Electron's release for this platform (the installed binary in node_modules/electron/dist, else a
// download from GitHub or $ELECTRON_MIRROR) and Node.js 22.12 or newer (for @electron/rebuild). Where either is
// missing, it says so and exits 1 before building anything. electron-builder rebuilds better-sqlite3 for Electron in
// node_modules; the Node build the CLI and tests use is put back afterwards.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const checkOnly = process.argv.includes('--check');
const say = (line) => console.log(`mtlab dist: ${line}`);

const platformFlag = { linux: '--linux', darwin: '--mac', win32: '--win' }[process.platform];
const electronVersion = (() => {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
})();

/** node_modules/electron/dist, when the Electron binary was installed: electron-builder can package it directly. */
function installedElectronDist() {
  const distDir = path.join(root, 'node_modules', 'electron', 'dist');
  try {
    const executable = readFileSync(path.join(root, 'node_modules', 'electron', 'path.txt'), 'utf8').trim();
    return existsSync(path.join(distDir, executable)) ? distDir : null;
  } catch {
    return null;
  }
}

/** A zip of this Electron release already in @electron/get's cache. */
function cachedZip(zipName) {
  const cacheDir =
    process.env.ELECTRON_CACHE ??
    (process.platform === 'darwin'
      ? path.join(os.homedir(), 'Library', 'Caches', 'electron')
      : process.platform === 'win32'
        ? path.join(process.env.LOCALAPPDATA ?? os.homedir(), 'electron', 'Cache')
        : path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'electron'));
  if (!existsSync(cacheDir)) return false;
  const look = (dir, depth) =>
    readdirSync(dir).some((name) => {
      const full = path.join(dir, name);
      if (name === zipName) return true;
      return depth > 0 && statSync(full).isDirectory() && look(full, depth - 1);
    });
  return look(cacheDir, 2);
}

/** Why Electron's release cannot be had, or null when it can. */
async function electronUnavailable() {
  if (electronVersion === null) return 'the electron package is not installed (npm ci installs it)';
  if (installedElectronDist() !== null) return null;
  const zipName = `electron-v${electronVersion}-${process.platform}-${process.arch}.zip`;
  if (cachedZip(zipName)) return null;
  const mirror = process.env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/';
  const url = `${mirror.replace(/\/?$/, '/')}v${electronVersion}/${zipName}`;
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(15_000) });
    if (response.ok) return null;
    return `Electron ${electronVersion} for ${process.platform}-${process.arch} cannot be downloaded from ${url} (HTTP ${response.status})`;
  } catch (error) {
    const cause = error.cause?.code ?? error.cause?.message ?? error.message;
    return `Electron ${electronVersion} for ${process.platform}-${process.arch} cannot be downloaded from ${url} (${cause})`;
  }
}

const problems = [];
if (platformFlag === undefined) problems.push(`electron-builder cannot package for ${process.platform}`);
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  problems.push(`packaging needs Node.js 22.12 or newer (for @electron/rebuild); this is ${process.versions.node}`);
}
const unavailable = await electronUnavailable();
if (unavailable !== null) problems.push(unavailable);

if (problems.length > 0) {
  for (const problem of problems) say(problem);
  say(
    'no packages were built. The lab still runs here: `npm start` (in the browser where Electron is missing), ' +
      'and packages can be built on a machine that can download Electron.',
  );
  process.exit(1);
}
if (checkOnly) {
  say(`packaging can run here (Electron ${electronVersion}, ${process.platform}-${process.arch})`);
  process.exit(0);
}

const run = (label, command, args) => {
  say(label);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status === 0;
};

if (!run('building the app', process.execPath, [path.join(root, 'scripts', 'build.mjs')])) {
  say('the build failed (see above)');
  process.exit(1);
}

// electron-builder rebuilds better-sqlite3 in node_modules for Electron; keep the Node build to put it back.
const nodeBuild = path.join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const kept = path.join(root, '.cache', `better_sqlite3.node.${process.pid}.node-build`);
const keep = existsSync(nodeBuild);
if (keep) {
  mkdirSync(path.dirname(kept), { recursive: true });
  copyFileSync(nodeBuild, kept);
}

let packaged;
try {
  const electronDist = installedElectronDist();
  packaged = run(`packaging with electron-builder (${platformFlag.slice(2)})`, process.execPath, [
    path.join(root, 'node_modules', 'electron-builder', 'cli.js'),
    '--config',
    path.join('build', 'electron-builder.yml'),
    platformFlag,
    '--publish',
    'never',
    ...(electronDist === null ? [] : [`-c.electronDist=${electronDist}`]),
  ]);
} finally {
  if (keep) {
    copyFileSync(kept, nodeBuild);
    rmSync(kept, { force: true });
  }
}

if (!packaged) {
  say('electron-builder failed (see above); no complete set of packages was built');
  process.exit(1);
}
const releaseDir = path.join(root, 'release');
const artifacts = existsSync(releaseDir)
  ? readdirSync(releaseDir).filter((name) => /\.(AppImage|deb|dmg|exe)$/.test(name))
  : [];
say(`packages in release/: ${artifacts.join(', ') || '(none found)'}`);
