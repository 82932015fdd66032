/**
 * Hostile lifecycle: shutting a server down, several processes sharing one store's queue, servers killed and
 * restarted at once, a write lock held longer than busy_timeout, cancelling from another process.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { LabEventName, LabEvents } from '../../engine/contract/api.js';
import { Lab } from '../../engine/lab.js';
import { describeLockHolders } from '../../engine/store/locks.js';
import { Store } from '../../engine/store/store.js';
import { runCli } from '../helpers/cli.js';
import { mtlabBin } from '../helpers/paths.js';
import { storeWithDataset, tinyConfig } from '../helpers/training.js';

const requireCjs = createRequire(import.meta.url);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function freshStore(): string {
  const { store, file } = storeWithDataset('reverse', 80);
  store.close();
  return file;
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

/** Poll `read` until it returns something other than undefined. */
async function waitUntil<T>(what: string, read: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function statusOf(file: string, runId: number): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId) as string;
  } finally {
    db.close();
  }
}

/** Another process holding the store's write lock (BEGIN IMMEDIATE) for `ms`; resolves once it holds it. */
async function holdWriteLock(file: string, ms: number): Promise<ChildProcess> {
  const script = `
    const Database = require(${JSON.stringify(requireCjs.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
  });
  return child;
}

describe('shutdown and queue ownership', () => {
  it('closing the queue owner cancels and drains its run and starts no queued one', async () => {
    const file = freshStore();
    const lab = Lab.open(file, { startQueue: true });
    const config = tinyConfig('reverse', { train: { steps: 100_000, validateEvery: 5 } });
    const first = await lab.createRun({ config, name: 'first' });
    const second = await lab.createRun({ config, name: 'second' });
    await nextEvent(lab, 'run:validation', (v) => v.runId === first.id);
    const started: number[] = [];
    lab.subscribe((event, payload) => {
      const p = payload as LabEvents['run:status'];
      if (event === 'run:status' && p.status === 'running') started.push(p.runId);
    });
    await lab.close();
    assert.deepEqual(started, [], 'nothing started while the lab was closing');
    assert.equal(statusOf(file, first.id), 'cancelled');
    assert.equal(statusOf(file, second.id), 'queued', 'the queued run waits for the next start');
    const db = new Database(file, { readonly: true });
    assert.equal(db.prepare('SELECT pid FROM runs WHERE id = ?').pluck().get(second.id), null);
    db.close();
  });

  it('start: false holds a run until startRun, even in the queue owner', async () => {
    const file = freshStore();
    const lab = Lab.open(file, { startQueue: true });
    try {
      const run = await lab.createRun({ config: tinyConfig('reverse'), start: false });
      // The owner looks for queued runs every 2 s.
      await sleep(2500);
      assert.equal(lab.store.runStatus(run.id), 'queued');
      await lab.startRun({ id: run.id });
      assert.equal(await lab.waitForRun(run.id), 'finished');
    } finally {
      await lab.close();
    }
  });

  it('only one process owns the queue; a lab that does not own it starts no queued run', async () => {
    const file = freshStore();
    const owner = Lab.open(file, { startQueue: true });
    const other = Lab.open(file, { startQueue: true });
    const cli = Lab.open(file);
    try {
      assert.equal(owner.queue().isQueueOwner, true);
      assert.equal(other.queue().isQueueOwner, false, 'a second server does not take the queue over');
      const store = Store.open(file);
      const queued = store.createRun({ name: 'q', config: tinyConfig('reverse'), experimentId: null, totalSteps: 20 });
      store.close();
      // The CLI's lab and the second server leave it to the owner.
      cli.queue().pump();
      other.queue().pump();
      assert.equal(cli.store.runStatus(queued), 'queued');
      const ran = await owner.waitForRun(queued);
      assert.equal(ran, 'finished');
      assert.equal(cli.queue().running.length + other.queue().running.length, 0);
    } finally {
      await Promise.all([cli.close(), other.close()]);
      await owner.close();
    }
  });

  it('`mtlab train` trains its own run, never an older queued one', async () => {
    const file = freshStore();
    const store = Store.open(file);
    const older = store.createRun({ name: 'older', config: tinyConfig('reverse'), experimentId: null, totalSteps: 20 });
    store.close();
    const result = await runCli([
      'train',
      '--db',
      file,
      '--dataset',
      'reverse',
      '--set',
      'train.steps=6',
      '--set',
      'train.validateEvery=6',
      '--set',
      'model.hiddenSize=8',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { runId: number; status: string };
    assert.notEqual(summary.runId, older);
    assert.equal(summary.status, 'finished');
    assert.equal(statusOf(file, older), 'queued', 'the older run was left for the queue owner');
  });
});

describe('leases', () => {
  it('SIGKILL of the server and an immediate restart, 10 times: no run stays running', async () => {
    const file = freshStore();
    const env = { ...process.env, MTLAB_RUN_LEASE_MS: '600', MTLAB_TOKEN: 'lifecycle-test' };
    const startServer = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [mtlabBin, 'serve', '--db', file, '--port', '0'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stderr!.resume();
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('serving the lab on')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`mtlab serve exited (${code}): ${out}`)));
      });
      return child;
    };
    const config = tinyConfig('reverse', { train: { steps: 100_000, validateEvery: 1000 } });
    const queue = (): number => {
      const store = Store.open(file, { recover: false });
      try {
        return store.createRun({ name: 'k', config, experimentId: null, totalSteps: 100_000 });
      } finally {
        store.close();
      }
    };
    const killed: number[] = [];
    let server = await startServer();
    try {
      for (let round = 0; round < 10; round++) {
        const runId = queue();
        const serverPid = server.pid!;
        // Once its worker has taken the run over (the store names the worker's pid, not the server's).
        const workerPid = await waitUntil(`run ${runId}'s worker to start`, () => {
          const db = new Database(file, { readonly: true });
          const row = db.prepare('SELECT status, pid FROM runs WHERE id = ?').get(runId) as {
            status: string;
            pid: number | null;
          };
          db.close();
          return row.status === 'running' && row.pid !== null && row.pid !== serverPid ? row.pid : undefined;
        });
        // Every other round the worker outlives its server for a while (stuck in a long step, or a zombie nobody
        // reaps): it is stopped, so the next server finds its pid still there.
        const stuck = round % 2 === 1;
        if (stuck) process.kill(workerPid, 'SIGSTOP');
        else await sleep(round * 100);
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGKILL');
        await exited;
        killed.push(runId);
        server = await startServer();
        // The new owner interrupts the dead server's run within a lease or so.
        await waitUntil(
          `run ${runId} to be interrupted`,
          () => (statusOf(file, runId) === 'interrupted' ? true : undefined),
          10_000,
        );
        if (stuck) process.kill(workerPid, 'SIGKILL');
      }
    } finally {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    const db = new Database(file, { readonly: true });
    const statuses = db.prepare('SELECT id, status FROM runs ORDER BY id').all() as { id: number; status: string }[];
    db.close();
    assert.equal(killed.length, 10);
    assert.deepEqual(
      statuses.filter((r) => r.status === 'running'),
      [],
    );
    for (const id of killed) assert.equal(statuses.find((r) => r.id === id)?.status, 'interrupted');
  });
});

describe('a write lock held longer than busy_timeout', () => {
  it('does not fail a training run: its writes wait and every point is recorded', async () => {
    const file = freshStore();
    // Each write gives up after 200 ms: the lock below is held fifteen times as long.
    const saved = process.env.MTLAB_BUSY_TIMEOUT_MS;
    process.env.MTLAB_BUSY_TIMEOUT_MS = '200';
    const lab = Lab.open(file, { startQueue: true });
    try {
      const run = await lab.createRun({ config: tinyConfig('reverse', { train: { steps: 150, validateEvery: 50 } }) });
      await nextEvent(lab, 'run:progress', (p) => p.runId === run.id && p.step >= 5);
      const holder = await holdWriteLock(file, 3000);
      const held = Date.now();
      assert.equal(await lab.waitForRun(run.id), 'finished', lab.store.getRun(run.id).summary.error ?? '');
      await new Promise((resolve) => (holder.exitCode === null ? holder.once('exit', resolve) : resolve(null)));
      assert.ok(Date.now() - held >= 3000);
      const steps = [...lab.store.metrics.points(run.id, 'train/loss')].map((p) => p.step);
      assert.deepEqual(
        steps,
        Array.from({ length: 150 }, (_, i) => i + 1),
      );
    } finally {
      if (saved === undefined) delete process.env.MTLAB_BUSY_TIMEOUT_MS;
      else process.env.MTLAB_BUSY_TIMEOUT_MS = saved;
      await lab.close();
    }
  });

  it('when it does give up, the error names the store and the process holding the lock', async () => {
    const file = freshStore();
    const store = Store.open(file, { busyTimeoutMs: 50, retryWritesMs: 400 });
    const runId = store.createRun({ name: 'r', config: tinyConfig('reverse'), experimentId: null, totalSteps: 1 });
    const holder = await holdWriteLock(file, 5000);
    try {
      assert.match(describeLockHolders(file), new RegExp(`pid ${holder.pid}`));
      assert.throws(
        () => store.metrics.append(runId, [{ key: 'train/loss', step: 1, value: 1, wallTime: 1 }]),
        (error: Error) => {
          assert.equal(error.name, 'LabError');
          assert.ok(error.message.includes(file), error.message);
          assert.match(error.message, new RegExp(`locked by another process \\(held by pid ${holder.pid}`));
          return true;
        },
      );
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // And once the lock is free, the same write goes through.
    store.metrics.append(runId, [{ key: 'train/loss', step: 1, value: 1, wallTime: 1 }]);
    assert.equal([...store.metrics.points(runId, 'train/loss')].length, 1);
    store.close();
  });
});

describe('cancel across processes', () => {
  it('`mtlab cancel RUN` stops a run trained by another process', async () => {
    const file = freshStore();
    const lab = Lab.open(file, { startQueue: true });
    try {
      const run = await lab.createRun({
        config: tinyConfig('reverse', { train: { steps: 100_000, validateEvery: 5 } }),
      });
      await nextEvent(lab, 'run:validation', (v) => v.runId === run.id);
      const result = await runCli(['cancel', String(run.id), '--db', file]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`Asked run ${run.id} \\(trained by process ${process.pid} on `));
      const asked = Date.now();
      assert.equal(await lab.waitForRun(run.id), 'cancelled');
      assert.ok(Date.now() - asked < 10_000, `stopped ${Date.now() - asked} ms after the CLI returned`);
      assert.ok(lab.store.loadCheckpoint(run.id, 'last') !== null, 'a cancelled run keeps a checkpoint to resume');
    } finally {
      await lab.close();
    }
  });
});
