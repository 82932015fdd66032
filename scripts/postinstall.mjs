#!/usr/bin/env node
// Fetch the Electron binary where it can be fetched, and carry on without it where it cannot.
//
// Electron's package (42 and later) no longer downloads its binary when installed: `require('electron')` would,
// failing there on a machine that reaches the npm registry but not Electron's download host. Here we run its
// install.js ourselves: with internet, the desktop app is installed as usual; without, one line says so and
// `npm start` opens the lab in the browser instead. ("allowScripts": { "electron": false } in package.json keeps an
// older Electron's install script from failing `npm ci` the same way.)
//
// The Electron version is pinned exactly (package.json devDependencies, build/electron-builder.yml electronVersion):
// native modules are rebuilt for its ABI. Electron fixes security bugs only in its latest three majors, so the pin
// moves to the current major as it comes out (45.6.1 since December 2026, from 40.8.5).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.join(root, 'node_modules', 'electron');

function installed() {
  try {
    const exe = readFileSync(path.join(electronDir, 'path.txt'), 'utf8');
    return existsSync(path.join(electronDir, 'dist', exe));
  } catch {
    return false;
  }
}

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('mtlab: ELECTRON_SKIP_BINARY_DOWNLOAD is set: no desktop app; `npm start` runs the lab in the browser.');
} else if (!existsSync(path.join(electronDir, 'install.js'))) {
  console.log('mtlab: Electron is not installed: `npm start` will run the lab in the browser.');
} else if (!installed()) {
  const result = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    cwd: electronDir,
    encoding: 'utf8',
    timeout: 5 * 60 * 1000,
  });
  if (result.status === 0 && installed()) {
    console.log('mtlab: Electron binary installed: `npm start` opens the desktop app.');
  } else {
    const why = `${result.stderr ?? ''}${result.error?.message ?? ''}`
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0 && !l.startsWith('at '));
    console.log(
      `mtlab: the Electron binary could not be downloaded${why ? ` (${why.slice(0, 160)})` : ''}. ` +
        'Everything else is installed; `npm start` will run the lab in your browser instead.',
    );
  }
}

// The optional native accelerator (native/, a C++ addon for matrix products): say so when it could not be built.
const addon = ['node_modules/@mtlab/native/build/Release/mtlab_native.node', 'native/build/Release/mtlab_native.node'];
if (!addon.some((file) => existsSync(path.join(root, file)))) {
  console.log(
    'mtlab: the native accelerator (native/) could not be built (a C++ compiler and Python are needed); ' +
      'training runs on WebAssembly alone, about twice as slow. Everything else works.',
  );
}
