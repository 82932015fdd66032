/**
 * The desktop bridge end to end, with Electron's modules faked: the page calls `window.lab` (preload) → IPC → the
 * main process's handlers → the engine host client → a utility process → the host's lab server → a lab; events and
 * errors come back the same way.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LAB_METHODS } from '../../engine/contract/api.js';
import { LabError } from '../../engine/errors.js';
import { EngineHostClient, utilityHostLauncher } from '../../electron/engine-host-client.js';
import { LAB_CALL } from '../../electron/ipc-contract.js';
import { serveLab } from '../../electron/lab-host.js';
import { registerMainIpc, sendLabEvent } from '../../electron/main-ipc.js';
import type { PathRequest } from '../../electron/path-grants.js';
import { createLabBridge, installPreload } from '../../electron/preload-bridge.js';
import { repoRoot } from '../helpers/paths.js';
import {
  FakeIpc,
  fakeContextBridge,
  fakeUtilityProcess,
  nextTurn,
  type PageWorld,
  RecordingLab,
  SAMPLE_REQUESTS,
} from './fakes.js';

const STORE = '/tmp/mtlab-bridge-test.db';

/** What the user answers to the next path dialogs: a path chosen, or null (cancel); by default, what was asked. */
type Answer = string | null | ((request: PathRequest) => string | null);

async function desktopApp(options: { platform?: NodeJS.Platform } = {}) {
  const ipc = new FakeIpc();
  const { contextBridge, world, uncaught } = fakeContextBridge();
  const lab = new RecordingLab();
  const hostLogs: string[] = [];
  const { utilityProcess, forks } = fakeUtilityProcess((port, _args, exit) => {
    serveLab(lab, port, exit, (message, error) => hostLogs.push(`${message} ${String(error)}`));
    port.postMessage({ type: 'ready', storePath: STORE });
  });
  const engine = new EngineHostClient({
    launch: utilityHostLauncher(utilityProcess, '/app/dist/electron/engine-host.js', {
      MTLAB_TEST: '1',
      MTLAB_ELECTRON_SQLITE: undefined,
    }),
  });
  engine.onEvent((event, payload) => sendLabEvent(ipc.webContents, event, payload));
  const asked: PathRequest[] = [];
  const answers: Answer[] = [];
  const logs: string[] = [];
  registerMainIpc({
    ipcMain: ipc.ipcMain,
    lab: engine,
    appWebContentsId: () => ipc.appWebContentsId,
    desktop: {
      confirmPath: async (request) => {
        asked.push(request);
        const answer = answers.length > 0 ? answers.shift()! : request.path;
        return typeof answer === 'function' ? answer(request) : answer;
      },
    },
    ...(options.platform === undefined ? {} : { platform: options.platform }),
    log: (line) => logs.push(line),
  });
  installPreload({ contextBridge, ipcRenderer: ipc.ipcRenderer });
  await engine.start(STORE);
  const page = world as Required<PageWorld>;
  return { ipc, page, lab, engine, forks, asked, answers, logs, hostLogs, uncaught };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; detail?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; detail?: unknown };
  }
  assert.fail('expected the call to fail');
}

describe('desktop bridge: preload → main → engine host', () => {
  it('exposes exactly the contract as window.lab, read-only, and nothing else', async () => {
    const { page, ipc } = await desktopApp();
    assert.deepEqual(Object.keys(page.lab).sort(), [...LAB_METHODS, 'subscribe'].sort());
    assert.ok(Object.isFrozen(page.lab));
    assert.equal(Object.getOwnPropertyDescriptor(page, 'lab')?.writable, false);
    // The app never called a desktop-only method (reveal a path, choose a folder): there are none to misuse.
    assert.equal(page.desktop, undefined);
    assert.deepEqual(ipc.channels, [LAB_CALL]);
  });

  it('starts the engine host in a utility process on the store', async () => {
    const { forks, engine } = await desktopApp();
    assert.equal(forks.length, 1);
    assert.equal(forks[0]!.modulePath, '/app/dist/electron/engine-host.js');
    assert.deepEqual(forks[0]!.args, ['--db', STORE]);
    assert.equal(forks[0]!.options?.serviceName, 'mtlab engine');
    assert.equal(forks[0]!.options?.env?.MTLAB_TEST, '1');
    assert.ok(!('MTLAB_ELECTRON_SQLITE' in forks[0]!.options!.env!), 'an undefined value removes the variable');
    assert.equal(forks[0]!.options?.env?.PATH, process.env.PATH);
    assert.equal(engine.state, 'ready');
  });

  it('wires every method of the contract through to the lab, with its argument', async () => {
    const { page, lab, asked } = await desktopApp();
    for (const method of LAB_METHODS) {
      const argument = SAMPLE_REQUESTS[method];
      const answer = await page.lab[method]!(argument);
      assert.deepEqual(answer, { answeredBy: method, argument: argument ?? null }, method);
    }
    assert.deepEqual(
      lab.calls.map((c) => c.method),
      [...LAB_METHODS],
    );
    for (const call of lab.calls) assert.deepEqual(call.argument, SAMPLE_REQUESTS[call.method], call.method);
    // The one path among the samples (the export folder) was confirmed by the user first.
    assert.deepEqual(
      asked.map((r) => `${r.method} ${r.field}`),
      ['exportModel outDir'],
    );
  });

  it('brings lab events to every subscriber in the page until it unsubscribes', async () => {
    const { page, lab, uncaught } = await desktopApp();
    const heard: [string, unknown][] = [];
    const alsoHeard: string[] = [];
    const stop = page.lab.subscribe((event, payload) => heard.push([event, payload]));
    page.lab.subscribe(() => {
      throw new Error('a broken listener');
    });
    page.lab.subscribe((event) => alsoHeard.push(event));
    const progress = {
      runId: 3,
      step: 40,
      totalSteps: 100,
      epoch: 1,
      loss: 2.5,
      learningRate: 0.001,
      tokensPerSecond: 900,
      etaSeconds: 12,
    };
    lab.fire('run:progress', progress);
    lab.fire('run:status', { runId: 3, status: 'finished', error: null });
    for (let i = 0; i < 10; i++) await nextTurn();
    assert.deepEqual(heard, [
      ['run:progress', progress],
      ['run:status', { runId: 3, status: 'finished', error: null }],
    ]);
    assert.deepEqual(alsoHeard, ['run:progress', 'run:status']);
    assert.equal(uncaught.length, 2, 'the broken listener is reported, and the others still hear');

    stop();
    lab.fire('store:changed', { what: 'runs' });
    for (let i = 0; i < 10; i++) await nextTurn();
    assert.equal(heard.length, 2);
    assert.deepEqual(alsoHeard, ['run:progress', 'run:status', 'store:changed']);
  });

  it('rethrows the lab errors in the page with their message, code and detail', async () => {
    const { page, lab, hostLogs } = await desktopApp();
    lab.failures.set('getRun', new LabError('not-found', 'run 9 does not exist', { what: 'run', id: 9 }));
    const notFound = await rejection(page.lab.getRun!({ id: 9 }));
    assert.equal(notFound.message, 'run 9 does not exist');
    assert.equal(notFound.name, 'LabError');
    assert.equal(notFound.code, 'not-found');
    assert.deepEqual(notFound.detail, { what: 'run', id: 9 });
    // Made in the page's world, so the page's own `instanceof Error` holds.
    assert.equal(Object.prototype.toString.call(notFound), '[object Error]');

    lab.failures.set('listRuns', new Error('disk I/O error'));
    const internal = await rejection(page.lab.listRuns!({}));
    assert.equal(internal.message, 'disk I/O error');
    assert.equal(internal.code, 'internal');
    // The unexpected one is logged with its stack in the engine's output; the user's mistake is not.
    assert.deepEqual(hostLogs, ['mtlab engine: listRuns failed: Error: disk I/O error']);
  });

  it('checks arguments before the lab sees them, naming the field', async () => {
    const { page, lab } = await desktopApp();
    const error = await rejection(page.lab.getRun!({ id: 'seven' }));
    assert.equal(error.code, 'invalid-request');
    assert.match(error.message, /\bid\b/);
    assert.equal(lab.calls.length, 0);
  });

  for (const [label, sender] of [
    ['another window', { webContentsId: 99, url: 'app://mtlab/index.html' }],
    ['a sub-frame of the app window', { webContentsId: 7, url: 'app://mtlab/index.html', subFrame: true }],
    ['a file:// page in the app window', { webContentsId: 7, url: 'file:///etc/passwd' }],
    ['a web page in the app window', { webContentsId: 7, url: 'https://example.com/' }],
    ['a frame that is gone', { webContentsId: 7, url: 'app://mtlab/index.html', frameGone: true }],
  ] as const) {
    it(`refuses calls from ${label}`, async () => {
      const { ipc, page, lab, logs, asked } = await desktopApp();
      ipc.sender = sender;
      const error = await rejection(page.lab.listRuns!({}));
      assert.match(error.message, /^refused: /);
      const withPath = await rejection(page.lab.importDataset!(corpusAt(repoRoot)));
      assert.match(withPath.message, /^refused: /);
      assert.equal(lab.calls.length, 0);
      assert.equal(asked.length, 0, 'no dialog for a refused sender');
      assert.equal(logs.length, 2);
      assert.match(logs[0]!, /refused a mtlab:lab-call message/);
    });
  }

  it('sends nothing but contract methods, in the preload and again in the engine host', async () => {
    const { ipc, lab } = await desktopApp();
    const bridge = createLabBridge(ipc.ipcRenderer);
    const viaPreload = await bridge.call('constructor', undefined);
    assert.deepEqual(viaPreload, {
      ok: false,
      error: { code: 'invalid-request', message: 'the lab has no method "constructor"' },
    });
    const viaIpc = await ipc.ipcRenderer.invoke(LAB_CALL, '__proto__', {});
    assert.deepEqual(viaIpc, {
      ok: false,
      error: { code: 'invalid-request', message: 'the lab has no method "__proto__"' },
    });
    assert.equal(lab.calls.length, 0);
  });

  it('answers pending calls with an error when the engine process dies, instead of hanging', async () => {
    const { page, forks, lab } = await desktopApp();
    let release!: () => void;
    (lab as unknown as Record<string, unknown>).translate = () => new Promise<void>((resolve) => (release = resolve));
    const call = page.lab.translate!({ runId: 1, texts: ['hello'] });
    for (let i = 0; i < 5; i++) await nextTurn();
    forks[0]!.crash(134);
    const error = await rejection(call);
    assert.equal(error.code, 'internal');
    assert.match(error.message, /engine process stopped unexpectedly \(exit code 134\)/);
    release();
    const after = await rejection(page.lab.listRuns!({}));
    assert.match(after.message, /not running/);
  });

  it('the built preload bundle installs the same bridge with only electron to require', async () => {
    const ipc = new FakeIpc();
    const { contextBridge, world } = fakeContextBridge();
    const bundle = readFileSync(path.join(repoRoot, 'dist', 'electron', 'preload.cjs'), 'utf8');
    const required: string[] = [];
    const fakeRequire = (name: string): unknown => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return { contextBridge, ipcRenderer: ipc.ipcRenderer };
    };
    const module = { exports: {} };
    new Function('require', 'module', 'exports', bundle)(fakeRequire, module, module.exports);
    assert.deepEqual(required, ['electron']);
    const page = world as Required<PageWorld>;
    assert.deepEqual(Object.keys(page.lab).sort(), [...LAB_METHODS, 'subscribe'].sort());

    // Its calls go to the lab channel as (method, argument).
    const calls: unknown[][] = [];
    ipc.ipcMain.handle(LAB_CALL, (_event, ...args) => {
      calls.push(args);
      return { ok: true, value: 'pong' };
    });
    assert.equal(await page.lab.info!(), 'pong');
    assert.deepEqual(calls, [['info', undefined]]);
    assert.deepEqual(ipc.channels, [LAB_CALL]);
  });
});

const corpusAt = (file: string) => ({ name: 'pairs', format: 'tsv', source: { path: file } });

describe('desktop bridge: file paths in lab calls', () => {
  it('refuses a path the user did not choose in a dialog, and the lab never sees it', async () => {
    const { page, lab, asked, answers, logs } = await desktopApp();
    answers.push(null);
    const error = await rejection(page.lab.importDataset!(corpusAt('/etc/passwd')));
    assert.equal(error.code, 'invalid-request');
    assert.equal(
      error.message,
      'importDataset: source.path /etc/passwd was not confirmed: the desktop app uses a file or folder only when ' +
        'you choose it in one of its dialogs',
    );
    assert.deepEqual(error.detail, { field: 'source.path' });
    assert.deepEqual(asked, [
      { method: 'importDataset', field: 'source.path', use: 'read-file', path: '/etc/passwd', replaces: false },
    ]);
    assert.equal(lab.calls.length, 0);
    assert.match(logs[0]!, /not confirmed in a dialog/);
  });

  it('uses the file the user chose instead, and does not ask again for it in this session', async () => {
    const { page, lab, asked, answers } = await desktopApp();
    answers.push('/data/corpora/fra.txt');
    await page.lab.importDataset!({ ...corpusAt('/home/ada/.ssh/id_ed25519'), format: 'tatoeba' });
    assert.deepEqual(lab.calls[0]!.argument, { ...corpusAt('/data/corpora/fra.txt'), format: 'tatoeba' });
    await page.lab.importDataset!(corpusAt('/data/corpora/fra.txt'));
    await page.lab.importDataset!(corpusAt('/data/corpora/../corpora/fra.txt'));
    assert.equal(asked.length, 1, 'a granted path is used without asking again');
    assert.equal(lab.calls.length, 3);

    // A file granted for reading is no folder to write a model into, nor a bundle to load.
    answers.push(null, null);
    await rejection(page.lab.exportModel!({ runId: 1, outDir: '/data/corpora/fra.txt' }));
    await rejection(page.lab.translate!({ bundlePath: '/data/corpora/fra.txt', texts: ['hi'] }));
    assert.deepEqual(
      asked.slice(1).map((r) => r.use),
      ['write-folder', 'read-folder'],
    );
    assert.equal(lab.calls.length, 3);
  });

  it('checks both files of a parallel corpus', async () => {
    const { page, lab, asked, answers } = await desktopApp();
    answers.push('/data/train.en', null);
    const error = await rejection(
      page.lab.importDataset!({
        name: 'pairs',
        format: 'parallel',
        source: { path: '/data/train.en' },
        target: { path: '/etc/shadow' },
      }),
    );
    assert.match(error.message, /^importDataset: target\.path \/etc\/shadow was not confirmed/);
    assert.deepEqual(
      asked.map((r) => r.field),
      ['source.path', 'target.path'],
    );
    assert.equal(lab.calls.length, 0);
  });

  it('asks before an export replaces files, and before a bundle is read', async () => {
    const { page, lab, asked, answers } = await desktopApp();
    answers.push(null);
    await rejection(page.lab.exportModel!({ runId: 1, outDir: '/home/ada/.config/autostart', force: true }));
    assert.deepEqual(asked[0], {
      method: 'exportModel',
      field: 'outDir',
      use: 'write-folder',
      path: '/home/ada/.config/autostart',
      replaces: true,
    });
    await page.lab.exportModel!({ runId: 1, outDir: '/exports/gru', force: true });
    await page.lab.translate!({ bundlePath: '/exports/gru', texts: ['hi'] });
    assert.deepEqual(
      asked.map((r) => `${r.use} ${r.path}`),
      ['write-folder /home/ada/.config/autostart', 'write-folder /exports/gru', 'read-folder /exports/gru'],
    );
    // A translation with a run's checkpoint names no path and asks nothing.
    await page.lab.translate!({ runId: 1, texts: ['hi'] });
    assert.equal(asked.length, 3);
    assert.deepEqual(
      lab.calls.map((c) => c.method),
      ['exportModel', 'translate', 'translate'],
    );
  });

  it('refuses relative paths, and values that are not paths, without a dialog', async () => {
    const { page, lab, asked } = await desktopApp();
    const relative = await rejection(page.lab.importDataset!(corpusAt('../../etc/passwd')));
    assert.equal(relative.message, 'importDataset: source.path ../../etc/passwd is not an absolute path');
    const notAPath = await rejection(page.lab.exportModel!({ runId: 1, outDir: { toString: '/x' } }));
    assert.equal(notAPath.message, 'exportModel: outDir needs a path');
    assert.equal(asked.length, 0);
    assert.equal(lab.calls.length, 0);
  });

  it('refuses UNC paths on Windows before any dialog could open them', async () => {
    const { page, lab, asked, answers } = await desktopApp({ platform: 'win32' });
    for (const unc of [
      '\\\\attacker.example\\share\\corpus.tsv',
      '//attacker.example/share/corpus.tsv',
      '\\\\?\\UNC\\host\\share\\a.tsv',
    ]) {
      const error = await rejection(page.lab.importDataset!(corpusAt(unc)));
      assert.equal(error.code, 'invalid-request');
      assert.ok(error.message.startsWith(`importDataset: source.path ${unc} is a network (UNC) path`), error.message);
    }
    assert.equal(asked.length, 0);
    // Nor is one used when a dialog returns it.
    answers.push('\\\\fileserver\\exports\\gru');
    const chosen = await rejection(page.lab.exportModel!({ runId: 1, outDir: 'C:\\Users\\ada\\gru' }));
    assert.match(chosen.message, /^exportModel: the chosen outDir .* is a network \(UNC\) path/);
    assert.equal(lab.calls.length, 0);
    // A local drive path is asked about and used.
    await page.lab.exportModel!({ runId: 1, outDir: 'C:\\Users\\ada\\gru' });
    assert.deepEqual(lab.calls[0]!.argument, { runId: 1, outDir: 'C:\\Users\\ada\\gru' });
  });
});
