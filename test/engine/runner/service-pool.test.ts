/**
 * The lab's service workers: translations, imports, generation and exports run in worker processes when the lab
 * serves others (a server, the app), so the host keeps answering meanwhile, and give what the in-process path gives.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImportDatasetRequest, RunSummary, Split } from '../../../engine/contract/api.js';
import { LabError } from '../../../engine/errors.js';
import { Lab } from '../../../engine/lab.js';
import { startServer, type RunningServer } from '../../../engine/serve.js';
import { Store } from '../../../engine/store/store.js';
import { fixture, tempDir } from '../../helpers/paths.js';
import { post, slowTranslation, workerRunning } from '../../helpers/service-workers.js';
import { tinyRunConfig, tinyStore, trainTinyRun } from '../export/tiny-runs.js';

describe('service workers', () => {
  let file: string;
  let runId: number;
  let lab: Lab;
  let server: RunningServer;

  before(async () => {
    const tiny = tinyStore();
    file = tiny.file;
    runId = await trainTinyRun(tiny.store, tinyRunConfig('copy', { attention: 'bahdanau' }));
    tiny.store.close();
    lab = Lab.open(file, { services: 1 });
    server = await startServer({ lab, port: 0, staticDir: null, log: () => {} });
  });

  after(async () => {
    await server.close();
    await lab.close();
  });

  it('a server answers listRuns while a slow translation runs in a worker', async () => {
    // Warm: the worker has started and holds the run's model.
    const warm = await post(server, 'translate', { runId, texts: ['1 2 3'] });
    assert.equal(warm.status, 200, JSON.stringify(warm.json));

    let translated = false;
    const translation = post(server, 'translate', slowTranslation(runId)).finally(() => (translated = true));
    const pid = await workerRunning(lab, 'translate', () => translated);
    assert.notEqual(pid, null, 'the translation ended before it was seen running in a worker');
    const answered: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const runs = await post(server, 'listRuns', {});
      assert.equal(runs.status, 200);
      assert.deepEqual(
        (runs.json as RunSummary[]).map((r) => r.id),
        [runId],
      );
      answered.push(translated);
    }
    // Each listRuns was answered while the translation was still running.
    assert.deepEqual(answered, [false, false, false]);
    const result = await translation;
    assert.equal(result.status, 200, JSON.stringify(result.json));
    assert.equal((result.json as unknown[]).length, 4);
  });

  it('translates as the in-process path does, from a run and from an exported bundle', async () => {
    const request = { runId, texts: ['3 1 4 1 5', '', '9 2 6'], strategy: 'beam' as const, beamSize: 3 };
    const local = new Lab(Store.open(file), { services: 0 });
    try {
      assert.deepEqual(await lab.translate(request), await local.translate(request));
      const bundlePath = path.join(tempDir('mtlab-service-'), 'bundle');
      const exported = await lab.exportModel({ runId, outDir: bundlePath });
      assert.equal(exported.path, bundlePath);
      const fromBundle = { bundlePath, texts: request.texts, strategy: 'beam' as const, beamSize: 3 };
      assert.deepEqual(await lab.translate(fromBundle), await local.translate(fromBundle));
      assert.deepEqual(await lab.translate(fromBundle), await lab.translate(request));
    } finally {
      await local.close();
    }
  });

  it('refuses a request past the limits before any worker sees it', async () => {
    const fresh = Lab.open(file, { services: 1 });
    try {
      await assert.rejects(
        fresh.translate({ runId, texts: ['1 2'], strategy: 'beam', beamSize: 1000 }),
        (error: unknown) => error instanceof LabError && error.detail?.field === 'beamSize',
      );
      const long = Array.from({ length: 401 }, () => '7').join(' ');
      await assert.rejects(
        fresh.translate({ runId, texts: [long] }),
        (error: unknown) => error instanceof LabError && /has 401 tokens; at most 400/.test(error.message),
      );
      await assert.rejects(fresh.translate({ runId: 999, texts: ['1'] }), /run 999 does not exist/);
      assert.deepEqual(fresh.serviceWorkers, [], 'no worker was started');
    } finally {
      await fresh.close();
    }
  });

  it('imports and generates exactly what the in-process path stores', async () => {
    const lines = readFileSync(fixture('eng-fra-sample.tsv'), 'utf8').split('\n').slice(0, 300);
    const request: ImportDatasetRequest = {
      name: 'engfra',
      format: 'tatoeba',
      source: { fileName: 'eng-fra-head.tsv', content: lines.join('\n') + '\n' },
      options: { tokenizer: 'bpe', bpeMerges: 60, lowercase: true, asciiFold: true, onError: 'skip' },
    };
    const generate = { generator: 'toy-fr' as const, name: 'toy', pairs: 200, seed: 4 };
    const here = Lab.open(path.join(tempDir('mtlab-service-'), 'here.db'), { services: 0 });
    const there = Lab.open(path.join(tempDir('mtlab-service-'), 'there.db'), { services: 1 });
    try {
      const [a, b] = [await here.importDataset(request), await there.importDataset(request)];
      assert.equal(there.serviceWorkers.length, 1, 'the import ran in a worker');
      const strip = (r: typeof a) => ({ ...r, dataset: { ...r.dataset, createdAt: '' } });
      assert.deepEqual(strip(b), strip(a));
      assert.deepEqual(
        { ...(await there.generateDataset(generate)), createdAt: '' },
        { ...(await here.generateDataset(generate)), createdAt: '' },
      );
      for (const name of ['engfra', 'toy']) {
        const detail = async (l: Lab) => ({ ...(await l.getDataset({ name, examples: 100 })), createdAt: '' });
        assert.deepEqual(await detail(there), await detail(here));
        for (const split of ['train', 'valid', 'test'] as Split[]) {
          assert.deepEqual(
            await there.getDatasetPairs({ name, split }),
            await here.getDatasetPairs({ name, split }),
            `${name} ${split}`,
          );
        }
      }
      // A refused import is refused the same way, with the file and line named.
      const bad = { ...request, name: 'bad', options: {}, source: { fileName: 'bad.tsv', content: 'a\tb\nonly\n' } };
      const message = async (l: Lab) =>
        l.importDataset(bad).then(
          () => 'imported',
          (e: Error) => e.message,
        );
      assert.equal(await message(there), await message(here));
      assert.match(await message(there), /bad\.tsv/);
    } finally {
      await Promise.all([here.close(), there.close()]);
    }
  });
});
