/**
 * The engine host on a real lab and store: its message server in-process, and the built entry
 * (dist/electron/engine-host.js) as a real process, with Electron's `process.parentPort` stood in by Node's IPC.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { DbCheckResult } from '../../engine/contract/api.js';
import { Lab } from '../../engine/lab.js';
import type { HostMessage, HostRequest, LabReply } from '../../electron/ipc-contract.js';
import { type HostPort, serveLab } from '../../electron/lab-host.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { tinyConfig } from '../helpers/training.js';

/** A port whose replies the test awaits by id. */
function testPort() {
  const replies = new Map<number, (reply: LabReply) => void>();
  let deliver: (message: { data: unknown }) => void = () => {};
  const port: HostPort = {
    on: (_event, listener) => (deliver = listener),
    postMessage: (message) => {
      if (message.type === 'reply') replies.get(message.id)?.(structuredClone(message.reply));
    },
  };
  let nextId = 1;
  const call = (method: string, argument?: unknown): Promise<LabReply> => {
    const id = nextId++;
    const reply = new Promise<LabReply>((resolve) => replies.set(id, resolve));
    deliver({ data: { type: 'call', id, method, argument } });
    return reply;
  };
  return { port, call, send: (data: unknown) => deliver({ data }) };
}

describe('engine host: lab server', () => {
  it('answers calls with a real lab, errors as LabErrorShape, and closes the lab when asked', async () => {
    const storePath = path.join(tempDir(), 'experiments.db');
    const lab = Lab.open(storePath);
    const { port, call, send } = testPort();
    let exit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    serveLab(lab, port, exit);

    const check = await call('checkStore');
    assert.equal(check.ok, true);
    assert.equal((check as { value: DbCheckResult }).value.path, storePath);
    assert.deepEqual(await call('listRuns', {}), { ok: true, value: [] });

    const missing = await call('getRun', { id: 42 });
    assert.equal(missing.ok, false);
    assert.equal((missing as Extract<LabReply, { ok: false }>).error.code, 'not-found');
    assert.match((missing as Extract<LabReply, { ok: false }>).error.message, /42/);

    const malformed = await call('getDataset', { name: '' });
    assert.equal((malformed as Extract<LabReply, { ok: false }>).error.code, 'invalid-request');

    send({ type: 'something else' });
    send({ type: 'close' });
    assert.equal(await exited, 0);
    assert.equal(lab.store.db.open, false);
  });
});

/** Run the built host as a Node child; `process.parentPort` is provided over Node's IPC channel. */
function startHost(storePath: string): {
  child: ChildProcess;
  messages: HostMessage[];
  next: () => Promise<HostMessage>;
} {
  const shim = path.join(tempDir(), 'parent-port.mjs');
  writeFileSync(
    shim,
    [
      '// Electron gives a utility process `process.parentPort`; here Node IPC plays its part.',
      'process.parentPort = {',
      "  on(event, listener) { process.on('message', (data) => listener({ data })); },",
      '  postMessage(message) { process.send(message); },',
      '};',
    ].join('\n'),
  );
  const child = fork(path.join(repoRoot, 'dist', 'electron', 'engine-host.js'), ['--db', storePath], {
    execArgv: ['--import', pathToFileURL(shim).href],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const messages: HostMessage[] = [];
  const waiting: ((message: HostMessage) => void)[] = [];
  child.on('message', (message: HostMessage) => {
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else messages.push(message);
  });
  const next = (): Promise<HostMessage> => {
    const queued = messages.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => waiting.push(resolve));
  };
  return { child, messages, next };
}

const exitCode = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => child.on('exit', (code) => resolve(code)));

describe('engine host: the built entry as a process', () => {
  it('opens the store, says it is ready, answers, and exits 0 when closed', async () => {
    const storePath = path.join(tempDir(), 'experiments.db');
    const { child, next } = startHost(storePath);
    const exited = exitCode(child);
    assert.deepEqual(await next(), { type: 'ready', storePath });
    child.send({ type: 'call', id: 1, method: 'listDatasets', argument: undefined } satisfies HostRequest);
    assert.deepEqual(await next(), { type: 'reply', id: 1, reply: { ok: true, value: [] } });
    child.send({ type: 'close' } satisfies HostRequest);
    assert.equal(await exited, 0);
  });

  it(
    'asks the main process for training workers instead of forking Electron as Node',
    { timeout: 30_000 },
    async () => {
      const storePath = path.join(tempDir(), 'experiments.db');
      const { child, next } = startHost(storePath);
      const exited = exitCode(child);
      assert.deepEqual(await next(), { type: 'ready', storePath });
      const call = (id: number, method: string, argument: unknown): void => {
        child.send({ type: 'call', id, method, argument } as HostRequest);
      };
      /** The next message that `match` accepts (the ones before it are events and replies this test ignores). */
      const until = async (match: (m: HostMessage) => boolean): Promise<HostMessage> => {
        for (;;) {
          const message = await next();
          if (match(message)) return message;
        }
      };
      call(1, 'generateDataset', { generator: 'reverse', name: 'rev', pairs: 60, seed: 1 });
      await until((m) => m.type === 'reply' && m.id === 1);
      call(2, 'createRun', { config: tinyConfig('rev'), start: true });
      assert.deepEqual(await until((m) => m.type.startsWith('worker-')), { type: 'worker-spawn', worker: 1 });
      // The start message goes to that worker through the main process.
      const start = await until((m) => m.type.startsWith('worker-'));
      assert.equal(start.type, 'worker-send');
      assert.deepEqual((start as Extract<HostMessage, { type: 'worker-send' }>).message, {
        type: 'start',
        storePath,
        runId: 1,
        threads: (start as { message: { threads: number } }).message.threads,
      });
      // Where the main process cannot start it, the run fails saying why, and the host still closes cleanly.
      child.send({ type: 'worker-stderr', worker: 1, chunk: 'no training here' } satisfies HostRequest);
      child.send({ type: 'worker-exit', worker: 1, code: 1, killed: false } satisfies HostRequest);
      const status = await until(
        (m) => m.type === 'event' && m.event === 'run:status' && (m.payload as { status: string }).status !== 'running',
      );
      assert.deepEqual((status as Extract<HostMessage, { type: 'event' }>).payload, {
        runId: 1,
        status: 'failed',
        error: 'the training process exited with code 1: no training here',
      });
      child.send({ type: 'close' } satisfies HostRequest);
      assert.equal(await exited, 0);
    },
  );

  it('reports a store it cannot open as fatal, answers calls with that error, and exits when closed', async () => {
    const storePath = path.join(tempDir(), 'notes.db');
    writeFileSync(storePath, 'these are my notes, not an experiment store\n'.repeat(20));
    const { child, next } = startHost(storePath);
    const exited = exitCode(child);
    const fatal = await next();
    assert.equal(fatal.type, 'fatal');
    const error = (fatal as Extract<HostMessage, { type: 'fatal' }>).error;
    assert.equal(error.code, 'store');
    assert.ok(error.message.includes(storePath), error.message);
    child.send({ type: 'call', id: 5, method: 'listRuns', argument: {} } satisfies HostRequest);
    assert.deepEqual(await next(), { type: 'reply', id: 5, reply: { ok: false, error } });
    child.send({ type: 'close' } satisfies HostRequest);
    assert.equal(await exited, 1);
  });
});
