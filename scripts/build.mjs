#!/usr/bin/env node
// Builds everything that runs: the engine, CLI and node tests (esbuild, one file per module, into dist/),
// the Electron main process and preload (bundled), and the renderer (Vite). Type checking is `npm run lint`.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const wants = (part) => only.length === 0 || only.includes(part);

function walk(dir, accept) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full, accept));
    else if (accept(full)) out.push(full);
  }
  return out;
}

const isTs = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');
const started = Date.now();

if (wants('engine')) {
  const entryPoints = [
    ...walk(path.join(root, 'engine'), isTs),
    ...walk(path.join(root, 'bench'), isTs),
    // Browser and desktop tests are TypeScript that Playwright runs itself.
    ...walk(path.join(root, 'test'), (f) => isTs(f) && !/[\\/]test[\\/](e2e|desktop)[\\/]/.test(f)),
  ];
  await build({
    entryPoints,
    outdir: path.join(root, 'dist'),
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // Outputs are overwritten in place (a build running beside a test never sees a missing module); outputs whose
  // source is gone are removed afterwards.
  for (const folder of ['engine', 'test', 'bench']) {
    for (const out of walk(path.join(root, 'dist', folder), (f) => f.endsWith('.js') || f.endsWith('.js.map'))) {
      const source = path.join(root, path.relative(path.join(root, 'dist'), out)).replace(/\.js(\.map)?$/, '.ts');
      if (!existsSync(source)) rmSync(out, { force: true });
    }
  }
}

if (wants('runtime')) {
  // The browser runtime of exported model bundles (engine/export/runtime.ts): one ES module, TensorFlow.js inside.
  await build({
    entryPoints: [path.join(root, 'engine/export/runtime.ts')],
    outfile: path.join(root, 'dist/runtime/mtlab-runtime.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    // engine/backend/fused-kernels.ts reads a switch from the environment when it loads; browsers have no `process`.
    define: { 'process.env.MTLAB_FUSED': 'undefined' },
  });
}

if (wants('electron') && existsSync(path.join(root, 'electron/main.ts'))) {
  const common = { platform: 'node', target: 'node22', sourcemap: 'linked', logLevel: 'warning' };
  // Main process and engine host: one ESM file per module, like the engine, so the host runs the built engine in
  // dist/engine (whose worker script paths are relative to its own files).
  const modules = walk(path.join(root, 'electron'), (f) => isTs(f) && path.basename(f) !== 'preload.ts');
  await build({ ...common, entryPoints: modules, outdir: path.join(root, 'dist'), outbase: root, format: 'esm' });
  // A sandboxed preload must be a single CommonJS file that requires nothing but electron.
  await build({
    ...common,
    bundle: true,
    entryPoints: [path.join(root, 'electron/preload.ts')],
    outfile: path.join(root, 'dist/electron/preload.cjs'),
    format: 'cjs',
    external: ['electron'],
  });
  const outputs = new Set(modules.map((f) => path.join(root, 'dist', path.relative(root, f)).replace(/\.ts$/, '.js')));
  outputs.add(path.join(root, 'dist/electron/preload.cjs'));
  for (const out of walk(path.join(root, 'dist/electron'), () => true)) {
    if (!outputs.has(out.replace(/\.map$/, ''))) rmSync(out, { force: true });
  }
}

if (wants('renderer') && existsSync(path.join(root, 'renderer/index.html'))) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
}

if (process.env.npm_lifecycle_event !== 'prepare' || process.stdout.isTTY) {
  console.log(`mtlab: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
