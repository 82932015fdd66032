#!/usr/bin/env node
// Builds the native addon with MTLAB_PORTABLE_ARRAYS (the generic fused kernels on plain arrays, as MSVC compiles
// them for Windows, instead of GCC's vector extensions) into a temporary copy of native/, then runs the native and
// model tests on it with the generic instruction set forced. The addon in native/build is left as it was.
// `node scripts/test-portable.mjs` (after `npm run build`); CI runs it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mtlab-portable-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function run(label, command, args, options = {}) {
  console.log(`\n== ${label}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`test-portable: ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

for (const entry of ['binding.gyp', 'package.json', 'src']) {
  cpSync(path.join(root, 'native', entry), path.join(dir, entry), { recursive: true });
}
const jobs = String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
run('portable build (MTLAB_PORTABLE_ARRAYS)', 'npx', ['--yes', 'node-gyp', 'rebuild', '-j', jobs], {
  cwd: dir,
  env: { ...process.env, CXXFLAGS: `${process.env.CXXFLAGS ?? ''} -DMTLAB_PORTABLE_ARRAYS` },
});
const addon = path.join(dir, 'build', 'Release', 'mtlab_native.node');
const info = createRequire(import.meta.url)(addon).info();
if (info.genericFused !== 'portable arrays') {
  console.error(`test-portable: the build says its generic kernels are "${info.genericFused}", not portable arrays`);
  process.exit(1);
}
console.log(`portable addon: generic fused kernels on ${info.genericFused}; instruction sets ${info.isas.join(', ')}`);

const tests = ['native', 'model'].flatMap((folder) => {
  const at = path.join(root, 'dist', 'test', 'engine', folder);
  if (!existsSync(at)) return [];
  return readdirSync(at)
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(at, f));
});
if (tests.length === 0) {
  console.error('test-portable: no built tests in dist/test/engine (run `npm run build` first)');
  process.exit(1);
}
run('native and model tests on the portable addon, generic kernels', process.execPath, ['--test', ...tests], {
  cwd: root,
  env: { ...process.env, MTLAB_NATIVE_ADDON: addon, MTLAB_ADDON_ISA: 'generic' },
});
