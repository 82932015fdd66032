import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabEventName, LabEvents, RunStatus } from '../../../engine/contract/api.js';
import { Lab } from '../../../engine/lab.js';
import { Store } from '../../../engine/store/store.js';
import { runCli } from '../../helpers/cli.js';
import { storeWithDataset, tinyConfig } from '../../helpers/training.js';

function labOn(concurrency = 1): { lab: Lab; file: string } {
  const { store, file } = storeWithDataset('reverse', 80);
  store.close();
  return { lab: Lab.open(file, { concurrency, startQueue: true }), file };
}

/** Resolves with the first event of `name` that satisfies `match`. */
function nextEvent<E extends LabEventName>(
  lab: Lab,
  name: E,
  match: (payload: LabEvents[E]) => boolean,
  timeoutMs = 60_000,
): Promise<LabEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = lab.subscribe((event, payload) => {
      if ((event as LabEventName) === name && match(payload as LabEvents[E])) {
        clearTimeout(timer);
        stop();
        resolve(payload as LabEvents[E]);
      }
    });
  });
}

describe('run queue', () => {
  it('trains two runs in parallel, each with all its points', async () => {
    const { lab } = labOn(2);
    try {
      const config = tinyConfig('reverse', { train: { steps: 30, validateEvery: 15 } });
      const a = await lab.createRun({ config, name: 'a' });
      const b = await lab.createRun({ config: { ...config, train: { ...config.train, seed: 9 } }, name: 'b' });
      const both = new Set<number>();
      let overlapped = false;
      const stop = lab.subscribe((event, payload) => {
        if (event !== 'run:progress') return;
        both.add((payload as LabEvents['run:progress']).runId);
        if (both.size === 2 && lab.queue().running.length === 2) overlapped = true;
      });
      assert.deepEqual(await Promise.all([lab.waitForRun(a.id), lab.waitForRun(b.id)]), ['finished', 'finished']);
      stop();
      assert.ok(overlapped, 'both runs were training at the same time');
      for (const id of [a.id, b.id]) {
        const steps = [...lab.store.metrics.points(id, 'train/loss')].map((p) => p.step);
        assert.deepEqual(
          steps,
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
        assert.ok(lab.store.runSummary(id) !== null);
      }
    } finally {
      await lab.close();
    }
  });

  it("reports with each validation the run's best BLEU so far, as the store keeps it", async () => {
    const { lab } = labOn();
    try {
      const config = tinyConfig('reverse', { train: { steps: 30, validateEvery: 10 } });
      const run = await lab.createRun({ config });
      const heard: LabEvents['run:validation'][] = [];
      const stop = lab.subscribe((event, payload) => {
        if (event === 'run:validation' && payload.runId === run.id) heard.push(payload);
      });
      assert.equal(await lab.waitForRun(run.id), 'finished');
      stop();
      assert.deepEqual(
        heard.map((v) => v.step),
        [10, 20, 30],
      );
      let best = -Infinity;
      for (const validation of heard) {
        best = Math.max(best, validation.metrics.bleu!);
        assert.equal(validation.bestBleu, best, `step ${validation.step}`);
      }
      assert.equal(heard.at(-1)!.bestBleu, lab.store.getRun(run.id).summary.bestBleu);
    } finally {
      await lab.close();
    }
  });

  it('marks a run whose worker is killed as interrupted; `mtlab resume` continues from its checkpoint', async () => {
    const { lab, file } = labOn();
    let runId = 0;
    try {
      const config = tinyConfig('reverse', { train: { steps: 120, validateEvery: 10 } });
      runId = (await lab.createRun({ config })).id;
      await nextEvent(lab, 'run:validation', (v) => v.runId === runId && v.step >= 20);
      const pid = lab.store.getRun(runId).pid!;
      assert.notEqual(pid, process.pid);
      const status = nextEvent(lab, 'run:status', (s) => s.runId === runId && s.status !== 'running');
      process.kill(pid, 'SIGKILL');
      const ended = await status;
      assert.equal(ended.status, 'interrupted');
      assert.match(ended.error ?? '', /killed \(SIGKILL\)/);
    } finally {
      await lab.close();
    }
    const check = await runCli(['db', 'check', '--db', file, '--json']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(JSON.parse(check.stdout).ok, true);
    const store = Store.open(file);
    const checkpoint = store.loadCheckpoint(runId, 'last')!.step;
    store.close();
    assert.ok(checkpoint >= 20);
    const resumed = await runCli(['resume', String(runId), '--db', file, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const result = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!);
    assert.equal(result.status, 'finished');
    assert.equal(result.step, 120);
    assert.match(resumed.stderr, new RegExp(`Resuming run ${runId} from step ${checkpoint}`));
    const after = Store.open(file);
    const steps = [...after.metrics.points(runId, 'train/loss')].map((p) => p.step);
    assert.deepEqual(
      steps,
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    after.close();
  });

  it('cancels a running run within seconds and keeps what it recorded', async () => {
    const { lab } = labOn();
    try {
      const runId = (
        await lab.createRun({ config: tinyConfig('reverse', { train: { steps: 100_000, validateEvery: 5 } }) })
      ).id;
      await nextEvent(lab, 'run:validation', (v) => v.runId === runId);
      const asked = Date.now();
      await lab.cancelRun({ id: runId });
      const status = await lab.waitForRun(runId);
      assert.equal(status, 'cancelled');
      assert.ok(Date.now() - asked < 5000, `stopped after ${Date.now() - asked} ms`);
      assert.ok([...lab.store.metrics.points(runId, 'train/loss')].length >= 5);
      assert.ok(lab.store.loadCheckpoint(runId, 'last') !== null);
      // A cancelled run can be resumed.
      assert.equal((await lab.resumeRun({ id: runId })).status, 'queued');
      await lab.cancelRun({ id: runId });
    } finally {
      await lab.close();
    }
  });

  it('records why a run failed', async () => {
    const { lab } = labOn();
    try {
      const run = await lab.createRun({ config: tinyConfig('reverse'), start: false });
      // Make the run's data unusable after it was queued.
      lab.store.db
        .prepare("UPDATE runs SET config = json_set(config, '$.data.dataset', 'gone') WHERE id = ?")
        .run(run.id);
      await lab.startRun({ id: run.id });
      const status: RunStatus = (await lab.waitForRun(run.id)) as RunStatus;
      assert.equal(status, 'failed');
      assert.match(lab.store.getRun(run.id).summary.error ?? '', /dataset "gone" does not exist/);
    } finally {
      await lab.close();
    }
  });
});
