#!/usr/bin/env node
// better-sqlite3 built for Electron, for running the desktop app from a checkout.
//
// node_modules/better-sqlite3 is built for Node (the CLI and the tests load it), and Electron cannot load a native
// module built for Node. So a second build, for Electron's ABI, is made once into .cache/electron-native/ from a copy
// of the package (prebuilt binary when one can be downloaded, else compiled with node-gyp against Electron's
// headers), and the app's processes load it instead (electron/sqlite-redirect.ts). Packaged apps do not need this:
// electron-builder rebuilds their node_modules for Electron.
//
//   node build/electron-native.mjs      build it if missing; print its path
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import console from 'node:console';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const versionOf = (pkg) =>
  JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;

/** Same name as electron/native-sqlite.ts computes. */
export function electronSqliteFile(versions, platform = process.platform, arch = process.arch) {
  const name = `better-sqlite3-${versions.betterSqlite3}-electron-${versions.electron}-${platform}-${arch}.node`;
  return path.join(root, '.cache', 'electron-native', name);
}

function run(command, args, cwd) {
  const result = spawnSync(process.execPath, [command, ...args], { cwd, encoding: 'utf8', timeout: 15 * 60_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`;
  return { ok: result.status === 0, output };
}

/** The line of a tool's output that says what went wrong (node-gyp and prebuild-install are chatty). */
function reason(output) {
  const lines = output.split('\n').map((l) => l.trim());
  const stackAt = lines.findIndex((l) => /ERR! stack \w*Error:/.test(l));
  if (stackAt >= 0) {
    const message = [];
    for (const line of lines.slice(stackAt)) {
      const text = line.replace(/^.*ERR! stack /, '');
      if (!line.includes('ERR! stack') || text.startsWith('at ')) break;
      message.push(text);
    }
    return message.join(' ');
  }
  const failed = lines.find((l) => /\b(warn|ERR!|error)\b/i.test(l) && !/ERR! not ok/.test(l));
  return (failed ?? lines.filter((l) => l !== '').at(-1) ?? 'no output').replace(/^(gyp|prebuild-install) /, '');
}

/** The path of better-sqlite3 built for the installed Electron, building it first if needed. Throws with a reason. */
export function ensureElectronSqlite({ log = (line) => console.error(line) } = {}) {
  let versions;
  try {
    versions = { betterSqlite3: versionOf('better-sqlite3'), electron: versionOf('electron') };
  } catch {
    throw new Error('better-sqlite3 or electron is not installed (run npm ci)');
  }
  const file = electronSqliteFile(versions);
  if (existsSync(file)) return file;

  log(`mtlab: building better-sqlite3 ${versions.betterSqlite3} for Electron ${versions.electron} (once)...`);
  const work = path.join(root, '.cache', 'electron-native', `work-${process.pid}`);
  const moduleDir = path.join(work, 'node_modules', 'better-sqlite3');
  rmSync(work, { recursive: true, force: true });
  try {
    const source = path.join(root, 'node_modules', 'better-sqlite3');
    cpSync(source, moduleDir, { recursive: true, filter: (from) => from !== path.join(source, 'build') });
    const bin = (name) => path.join(root, 'node_modules', name);
    const target = ['--runtime=electron', `--target=${versions.electron}`, `--arch=${process.arch}`];
    const prebuilt = run(
      bin('prebuild-install/bin.js'),
      [...target, `--platform=${process.platform}`, '--tag-prefix=v', '--verbose'],
      moduleDir,
    );
    const compiled = prebuilt.ok
      ? prebuilt
      : run(
          bin('node-gyp/bin/node-gyp.js'),
          ['rebuild', '--release', ...target, '--dist-url=https://electronjs.org/headers'],
          moduleDir,
        );
    const output = path.join(moduleDir, 'build', 'Release', 'better_sqlite3.node');
    if (!compiled.ok || !existsSync(output)) {
      throw new Error(
        `building better-sqlite3 for Electron failed: no prebuilt binary (${reason(prebuilt.output)}), ` +
          `and compiling it failed (${reason(compiled.output)})`,
      );
    }
    mkdirSync(path.dirname(file), { recursive: true });
    // Copy then rename: a build interrupted half-way never leaves a file that looks finished.
    const partial = `${file}.${process.pid}.partial`;
    cpSync(output, partial);
    renameSync(partial, file);
    writeFileSync(`${file}.txt`, `built ${new Date().toISOString()} from node_modules/better-sqlite3\n`);
    return file;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureElectronSqlite());
  } catch (error) {
    console.error(`mtlab: ${error.message}`);
    process.exit(1);
  }
}
