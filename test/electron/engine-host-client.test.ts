/** The main process's handle on the engine host: start, calls while starting, failure, crash, stop, restart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineHostClient, utilityHostLauncher } from '../../electron/engine-host-client.js';
import type { LabReply } from '../../electron/ipc-contract.js';
import { serveFailure, serveLab } from '../../electron/lab-host.js';
import { fakeUtilityProcess, type HostSide, RecordingLab } from './fakes.js';

function client(hostSide: HostSide, options: { closeGraceMs?: number } = {}) {
  const { utilityProcess, forks } = fakeUtilityProcess(hostSide);
  const exits: [number, string][] = [];
  const engine = new EngineHostClient({
    launch: utilityHostLauncher(utilityProcess, 'engine-host.js'),
    onUnexpectedExit: (code, storePath) => exits.push([code, storePath]),
    ...options,
  });
  return { engine, forks, exits };
}

/** A host that serves `lab` and says it is ready once `ready` resolves. */
function servingHost(lab: RecordingLab, ready: Promise<void> = Promise.resolve()): HostSide {
  return (port, args, exit) => {
    serveLab(lab, port, exit);
    void ready.then(() => port.postMessage({ type: 'ready', storePath: args[1]! }));
  };
}

const failed = (reply: LabReply): string => (reply.ok ? 'ok' : `${reply.error.code}: ${reply.error.message}`);

describe('engine host client', () => {
  it('holds calls made while the host starts and sends them, in order, once it is ready', async () => {
    const lab = new RecordingLab();
    let open!: () => void;
    const { engine } = client(servingHost(lab, new Promise<void>((resolve) => (open = resolve))));
    const started = engine.start('/stores/a.db');
    assert.equal(engine.state, 'starting');
    const first = engine.call('listRuns', {});
    const second = engine.call('getRun', { id: 2 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(lab.calls.length, 0);
    open();
    await started;
    assert.equal(engine.state, 'ready');
    assert.equal((await first).ok, true);
    assert.equal((await second).ok, true);
    assert.deepEqual(
      lab.calls.map((c) => c.method),
      ['listRuns', 'getRun'],
    );
  });

  it('rejects the start with the host’s reason when the store cannot be opened, and answers calls with it', async () => {
    const reason = { code: 'store' as const, message: '/stores/notes.db is not an mtlab experiment store' };
    const { engine, forks, exits } = client((port, _args, exit) => serveFailure(reason, port, exit));
    const starting = engine.start('/stores/notes.db');
    const waiting = engine.call('listRuns', {});
    await assert.rejects(starting, (error) => {
      assert.deepEqual(error, reason);
      return true;
    });
    assert.equal(engine.state, 'failed');
    assert.deepEqual(engine.error, reason);
    assert.equal(failed(await waiting), `store: ${reason.message}`);
    assert.equal(failed(await engine.call('info', undefined)), `store: ${reason.message}`);
    await engine.stop();
    assert.equal(forks[0]!.alive(), false);
    assert.deepEqual(exits, [], 'a failed start is not a crash');
  });

  it('answers pending calls and reports a crash, and can start again', async () => {
    const lab = new RecordingLab();
    (lab as unknown as Record<string, unknown>).translate = () => new Promise(() => {});
    const { engine, forks, exits } = client(servingHost(lab));
    await engine.start('/stores/a.db');
    const pending = engine.call('translate', { runId: 1, texts: ['a'] });
    await new Promise((resolve) => setTimeout(resolve, 10));
    forks[0]!.crash(9);
    assert.match(failed(await pending), /^internal: the engine process stopped unexpectedly \(exit code 9\)/);
    assert.deepEqual(exits, [[9, '/stores/a.db']]);
    assert.equal(engine.state, 'stopped');
    await engine.start('/stores/a.db');
    assert.equal((await engine.call('listRuns', {})).ok, true);
  });

  it('stops by asking the host to close its lab; restart opens another store', async () => {
    const labs: RecordingLab[] = [];
    const { engine, forks, exits } = client((port, args, exit) => {
      const lab = new RecordingLab();
      labs.push(lab);
      servingHost(lab)(port, args, exit);
    });
    await engine.start('/stores/a.db');
    await engine.restart('/stores/b.db');
    assert.equal(engine.storePath, '/stores/b.db');
    assert.deepEqual(
      forks.map((f) => f.args),
      [
        ['--db', '/stores/a.db'],
        ['--db', '/stores/b.db'],
      ],
    );
    assert.deepEqual(forks[0]!.received, [{ type: 'close' }]);
    assert.equal(labs[0]!.closed, true);
    assert.equal(labs[0]!.subscribers, 0);
    assert.equal(forks[0]!.alive(), false);
    await engine.call('listDatasets', undefined);
    assert.equal(labs[1]!.calls.length, 1);
    await engine.stop();
    assert.equal(failed(await engine.call('info', undefined)), 'internal: the engine is not running');
    assert.deepEqual(exits, []);
  });

  it('kills a host that does not close in time', async () => {
    const { engine, forks } = client(
      (port, args) => {
        // Hears nothing: a host stuck in a long synchronous call.
        port.postMessage({ type: 'ready', storePath: args[1]! });
      },
      { closeGraceMs: 30 },
    );
    await engine.start('/stores/a.db');
    const started = Date.now();
    await engine.stop();
    assert.equal(forks[0]!.alive(), false);
    assert.ok(Date.now() - started >= 25);
    assert.equal(engine.state, 'stopped');
  });

  it('refuses to start a second host while one runs', async () => {
    const { engine } = client(servingHost(new RecordingLab()));
    await engine.start('/stores/a.db');
    assert.throws(() => engine.start('/stores/b.db'), /already running/);
    await engine.stop();
  });
});
