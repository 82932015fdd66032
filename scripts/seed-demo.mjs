#!/usr/bin/env node
// A demo experiment store for developing and showing the app before training exists (made-up but plausible
// curves, samples and attention; see test/helpers/demo-store.ts), optionally served right away.
//
//   node scripts/seed-demo.mjs [PATH] [--force] [--many N] [--compare N] [--empty]
//                              [--serve] [--port P] [--token T] [--live]
//
// PATH defaults to $TMPDIR/mtlab-demo.db. --many adds N small runs (runs table at scale), --compare an experiment
// of N long runs (compare view at scale). --serve starts the app on the store like `mtlab serve`; --live also makes
// the queued run train on a timer, so progress moves. Needs `npm run build` first.
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (file) => new URL(`../dist/${file}`, import.meta.url).href;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    force: { type: 'boolean' },
    many: { type: 'string' },
    compare: { type: 'string' },
    empty: { type: 'boolean' },
    serve: { type: 'boolean' },
    port: { type: 'string' },
    token: { type: 'string' },
    live: { type: 'boolean' },
  },
});

if (!existsSync(path.join(root, 'dist/test/helpers/demo-store.js'))) {
  console.error('seed-demo: build first (npm run build)');
  process.exit(1);
}
const file = path.resolve(positionals[0] ?? path.join(os.tmpdir(), 'mtlab-demo.db'));
if (existsSync(file)) {
  if (!values.force) {
    console.error(`seed-demo: ${file} exists; pass --force to replace it`);
    process.exit(1);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

const { seedDemoStore } = await import(dist('test/helpers/demo-store.js'));
const started = Date.now();
const demo = seedDemoStore(file, {
  empty: values.empty ?? false,
  manyRuns: values.many === undefined ? undefined : Number(values.many),
  compareRuns: values.compare === undefined ? undefined : Number(values.compare),
});
console.log(
  `seed-demo: ${file}: ${demo.datasets.length} datasets, ${demo.experiments.length} experiments, ` +
    `${Object.keys(demo.runs).length} runs (${Date.now() - started} ms)`,
);

if (values.serve) {
  const { DemoLab } = await import(dist('test/helpers/demo-lab.js'));
  const { startServer } = await import(dist('engine/serve.js'));
  const { Store } = await import(dist('engine/store/store.js'));
  const lab = new DemoLab(Store.open(file));
  const server = await startServer({
    lab,
    port: values.port === undefined ? 7878 : Number(values.port),
    token: values.token,
    staticDir: path.join(root, 'dist/renderer'),
  });
  if (values.live) {
    const queued = (await lab.listRuns({ status: ['queued'] }))[0];
    if (queued) {
      lab.simulateTraining(queued.id, { tickMs: 250, stepsPerTick: 10 });
      console.log(`seed-demo: run ${queued.id} (${queued.name}) is training on a timer`);
    }
  }
  console.log(`mtlab: serving the lab on ${server.tokenUrl}`);
  const stop = async () => {
    await server.close();
    await lab.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
