/**
 * Hostile faults: the worker running a translation or an import dies mid-job (a crash, the OOM killer, a kill), or
 * a job runs past its time limit. The call fails with an error saying what happened, nothing half-done is stored,
 * the server keeps answering, and the next request works (in a new worker).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DatasetSummary, LabErrorShape, Translation } from '../../engine/contract/api.js';
import { LabError } from '../../engine/errors.js';
import { Lab } from '../../engine/lab.js';
import { startServer, type RunningServer } from '../../engine/serve.js';
import { Store } from '../../engine/store/store.js';
import { tempDir } from '../helpers/paths.js';
import { bigTsvImport, post, slowTranslation, workerRunning } from '../helpers/service-workers.js';
import { tinyRunConfig, tinyStore, trainTinyRun } from '../engine/export/tiny-runs.js';

describe('hostile: service workers that die or overrun', () => {
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

  it('a worker killed mid-translation fails that request clearly; the server answers and the next works', async () => {
    let settled = false;
    const translation = post(server, 'translate', slowTranslation(runId)).finally(() => (settled = true));
    const pid = await workerRunning(lab, 'translate', () => settled);
    assert.notEqual(pid, null, 'the translation ended before it was seen running in a worker');
    process.kill(pid!, 'SIGKILL');
    const failed = await translation;
    assert.equal(failed.status, 500);
    const error = (failed.json as { error: LabErrorShape }).error;
    assert.equal(error.code, 'internal');
    assert.match(error.message, /the worker process running the translation was killed \(SIGKILL\)/);
    assert.match(error.message, /the next request starts a new worker/);

    assert.equal((await post(server, 'listRuns', {})).status, 200);
    const next = await post(server, 'translate', { runId, texts: ['1 2 3'] });
    assert.equal(next.status, 200, JSON.stringify(next.json));
    assert.equal((next.json as Translation[])[0]!.source, '1 2 3');
    assert.ok(
      lab.serviceWorkers.every((w) => w.pid !== pid),
      'a new worker took over',
    );
  });

  it('a worker killed mid-import stores nothing of it; the datasets before it are intact', async () => {
    const before = await lab.listDatasets();
    let settled = false;
    const imported = lab.importDataset(bigTsvImport('huge', 150_000)).finally(() => (settled = true));
    const pid = await workerRunning(lab, 'importDataset', () => settled);
    assert.notEqual(pid, null, 'the import ended before it was seen running in a worker');
    process.kill(pid!, 'SIGKILL');
    await assert.rejects(imported, (error: unknown) => {
      assert.ok(error instanceof LabError, String(error));
      assert.match(error.message, /running the import was killed \(SIGKILL\); nothing of it was stored/);
      return true;
    });
    const strip = (list: DatasetSummary[]) => list.map((d) => ({ ...d, createdAt: '' }));
    assert.deepEqual(strip(await lab.listDatasets()), strip(before));
    assert.deepEqual(Store.check(file).problems, []);
    // The next import works, in a new worker.
    const small = await lab.importDataset(bigTsvImport('small', 50));
    assert.equal(small.counts.kept, 50);
  });

  it('a job past its time limit is stopped with the limit named; the next job runs', async () => {
    const limited = Lab.open(path.join(tempDir('mtlab-service-'), 'limited.db'), {
      services: 1,
      servicePool: { jobMs: { importDataset: 500 } },
    });
    try {
      await assert.rejects(limited.importDataset(bigTsvImport('huge', 150_000)), (error: unknown) => {
        assert.ok(error instanceof LabError, String(error));
        assert.equal(error.detail?.limitMs, 500);
        assert.match(
          error.message,
          /the import took longer than 500 ms, the limit of one job .*nothing of it was stored/,
        );
        return true;
      });
      assert.deepEqual(await limited.listDatasets(), []);
      const generated = await limited.generateDataset({ generator: 'copy', name: 'copy', pairs: 40, seed: 1 });
      assert.equal(generated.name, 'copy');
    } finally {
      await limited.close();
    }
  });
});
