/**
 * Training in the desktop app without the RunAsNode fuse: the engine host asks the main process for each worker,
 * which starts it (a utility process in the app) and relays its messages. Here the utility processes are faked:
 * the host runs in this process (electron/lab-host.ts on a real lab and store), and a worker is the built
 * electron/training-worker.js in a worker thread, whose `parentPort` stands in for the utility process's.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LabEvents } from '../../engine/contract/api.js';
import { Lab } from '../../engine/lab.js';
import { Store } from '../../engine/store/store.js';
import { EngineHostClient, utilityHostLauncher, type WorkerProcess } from '../../electron/engine-host-client.js';
import { WORKER_DONE } from '../../electron/ipc-contract.js';
import { relayedWorkerSpawner, serveLab } from '../../electron/lab-host.js';
import { installParentPortIpc } from '../../electron/worker-ipc.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { storeWithDataset, tinyConfig } from '../helpers/training.js';
import { fakeUtilityProcess, nextTurn } from './fakes.js';

/** A worker process the test drives by hand. */
class FakeWorker extends EventEmitter implements WorkerProcess {
  readonly stderr = new PassThrough();
  readonly received: unknown[] = [];
  alive = true;
  postMessage(message: unknown): void {
    this.received.push(structuredClone(message));
  }
  kill(): boolean {
    if (!this.alive) return false;
    this.alive = false;
    setImmediate(() => this.emit('exit', 15));
    return true;
  }
  say(message: unknown): void {
    this.emit('message', structuredClone(message));
  }
}

/** A host whose lab is nothing but the relayed spawner, to drive it without a run queue. */
function relayOnly(launchWorker?: () => WorkerProcess) {
  let spawn!: ReturnType<typeof relayedWorkerSpawner>;
  const { utilityProcess, forks } = fakeUtilityProcess((port, args, exit) => {
    spawn = relayedWorkerSpawner(port);
    port.on('message', ({ data }) => (data as { type?: string }).type === 'close' && exit(0));
    port.postMessage({ type: 'ready', storePath: args[1]! });
  });
  const engine = new EngineHostClient({
    launch: utilityHostLauncher(utilityProcess, 'engine-host.js'),
    ...(launchWorker === undefined ? {} : { launchWorker }),
  });
  return { engine, forks, spawn: () => spawn() };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await nextTurn();
};

describe('training workers over the main process', () => {
  it('relays messages both ways in order, and stderr; a finished worker reports the code it meant to exit with', async () => {
    const workers: FakeWorker[] = [];
    const { engine, spawn } = relayOnly(() => {
      const worker = new FakeWorker();
      workers.push(worker);
      return worker;
    });
    await engine.start('/stores/a.db');
    const child = spawn();
    const heard: unknown[] = [];
    let stderr = '';
    child.on('message', (message) => heard.push(message));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.on('exit', (code, signal) => resolve([code, signal])),
    );
    child.send({ type: 'start', storePath: '/stores/a.db', runId: 4, threads: 2 });
    await settle();
    assert.equal(workers.length, 1);
    assert.deepEqual(workers[0]!.received, [{ type: 'start', storePath: '/stores/a.db', runId: 4, threads: 2 }]);
    workers[0]!.say({ type: 'progress', runId: 4, step: 1 });
    workers[0]!.stderr.write('a warning\n');
    workers[0]!.say({ type: 'done', runId: 4, status: 'finished', step: 20 });
    workers[0]!.say({ type: WORKER_DONE, code: 0 });
    assert.deepEqual(await exited, [0, null]);
    assert.deepEqual(heard, [
      { type: 'progress', runId: 4, step: 1 },
      { type: 'done', runId: 4, status: 'finished', step: 20 },
    ]);
    assert.equal(stderr, 'a warning\n');
    assert.equal(workers[0]!.alive, false, 'the main process ended it');
    await engine.stop();
  });

  it('kills a worker when the host asks (reported as a signal), and every worker when its host dies', async () => {
    const workers: FakeWorker[] = [];
    const { engine, forks, spawn } = relayOnly(() => {
      const worker = new FakeWorker();
      workers.push(worker);
      return worker;
    });
    await engine.start('/stores/a.db');
    const first = spawn();
    const killed = new Promise<[number | null, string | null]>((resolve) =>
      first.on('exit', (code, signal) => resolve([code, signal])),
    );
    spawn();
    spawn();
    await settle();
    assert.equal(workers.length, 3);
    first.kill('SIGKILL');
    assert.deepEqual(await killed, [null, 'SIGKILL']);
    assert.deepEqual(
      workers.map((w) => w.alive),
      [false, true, true],
    );
    forks[0]!.crash(9);
    await settle();
    assert.deepEqual(
      workers.map((w) => w.alive),
      [false, false, false],
    );
  });

  it('fails the worker with a reason where the main process cannot start one', async () => {
    const { engine, spawn } = relayOnly();
    await engine.start('/stores/a.db');
    const child = spawn();
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    assert.equal(await exited, 1);
    assert.match(stderr, /cannot start training processes/);
    await engine.stop();
  });

  it('serves Node’s IPC to the engine’s worker over a parentPort, ending with WORKER_DONE and its exit code', () => {
    const posted: unknown[] = [];
    let deliver!: (message: { data: unknown }) => void;
    const proc = Object.assign(new EventEmitter(), { exitCode: undefined as number | undefined }) as EventEmitter & {
      send?: (message: unknown) => boolean;
      disconnect?: () => void;
      exitCode: number | undefined;
    };
    const received: unknown[] = [];
    proc.on('message', (message) => received.push(message));
    installParentPortIpc(proc, { on: (_event, listener) => (deliver = listener), postMessage: (m) => posted.push(m) });
    deliver({ data: { type: 'cancel' } });
    assert.deepEqual(received, [{ type: 'cancel' }]);
    assert.equal(proc.send!({ type: 'failed', runId: 1, error: 'x' }), true);
    proc.exitCode = 1;
    proc.disconnect!();
    proc.disconnect!();
    assert.equal(proc.send!({ type: 'late' }), false);
    deliver({ data: { type: 'cancel' } });
    assert.deepEqual(posted, [
      { type: 'failed', runId: 1, error: 'x' },
      { type: WORKER_DONE, code: 1 },
    ]);
    assert.equal(received.length, 1);
  });
});

/** A "utility process" running the built training worker in a worker thread. */
function threadWorker(): WorkerProcess {
  const shim = path.join(tempDir(), 'utility-parent-port.mjs');
  writeFileSync(
    shim,
    [
      "import { parentPort } from 'node:worker_threads';",
      '// Electron gives a utility process `process.parentPort`; here a worker thread’s port plays its part.',
      'process.parentPort = {',
      "  on(event, listener) { parentPort.on('message', (data) => listener({ data })); },",
      '  postMessage(message) { parentPort.postMessage(message); },',
      '};',
      `await import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist', 'electron', 'training-worker.js')).href)});`,
    ].join('\n'),
  );
  const worker = new Worker(shim, { stderr: true, stdout: false });
  const on = (event: 'message' | 'exit', listener: (value: never) => void): unknown =>
    worker.on(event, listener as (value: unknown) => void);
  const child: WorkerProcess = {
    postMessage: (message) => worker.postMessage(message),
    on,
    kill: () => {
      void worker.terminate();
      return true;
    },
    stderr: worker.stderr,
  };
  return child;
}

describe('training workers over the main process, with a real lab', () => {
  it('trains a run to the end in a relayed worker, and cancels another', async () => {
    const { file } = storeWithDataset('reverse', 80);
    const { utilityProcess } = fakeUtilityProcess((port, _args, exit) => {
      // As electron/engine-host.ts opens it: the app's lab owns the run queue.
      const lab = Lab.open(file, { startQueue: true, services: 0, spawnWorker: relayedWorkerSpawner(port) });
      serveLab(lab, port, exit);
      port.postMessage({ type: 'ready', storePath: file });
    });
    const engine = new EngineHostClient({
      launch: utilityHostLauncher(utilityProcess, 'engine-host.js'),
      launchWorker: threadWorker,
    });
    const statuses: LabEvents['run:status'][] = [];
    let progressed = 0;
    engine.onEvent((event, payload) => {
      if (event === 'run:status') statuses.push(payload as LabEvents['run:status']);
      if (event === 'run:progress') progressed++;
    });
    const ended = (runId: number): Promise<string> =>
      new Promise((resolve) => {
        const timer = setInterval(() => {
          const last = statuses.find((s) => s.runId === runId && s.status !== 'running');
          if (last !== undefined) {
            clearInterval(timer);
            resolve(last.status);
          }
        }, 20);
      });
    try {
      await engine.start(file);
      const config = tinyConfig('reverse', { train: { steps: 12, validateEvery: 6 } });
      const created = await engine.call('createRun', { config, name: 'relayed', start: true });
      assert.ok(created.ok, JSON.stringify(created));
      const runId = (created.value as { id: number }).id;
      assert.equal(await ended(runId), 'finished');
      assert.ok(progressed > 0);

      const long = await engine.call('createRun', {
        config: tinyConfig('reverse', { train: { steps: 100_000, validateEvery: 1000 } }),
        start: true,
      });
      const longId = (long as { value: { id: number } }).value.id;
      while (progressed < 3 || !statuses.some((s) => s.runId === longId)) await new Promise((r) => setTimeout(r, 20));
      const before = progressed;
      while (progressed === before) await new Promise((r) => setTimeout(r, 20));
      assert.ok((await engine.call('cancelRun', { id: longId })).ok);
      assert.equal(await ended(longId), 'cancelled');
    } finally {
      await engine.stop();
    }
    const store = Store.open(file);
    try {
      const steps = [...store.metrics.points(1, 'train/loss')].map((p) => p.step);
      assert.deepEqual(
        steps,
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      assert.equal(store.runStatus(1), 'finished');
      assert.equal(store.runStatus(2), 'cancelled');
    } finally {
      store.close();
    }
  });
});
