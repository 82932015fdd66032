/**
 * Electron's modules, faked for Node tests of the desktop shell: IPC between a renderer and the main process, the
 * context bridge (the page's world is a separate V8 context, and functions sent to it are serialised as Electron
 * does), and utility processes whose host side runs in this process. Messages are structured-cloned on every hop,
 * as they are in Electron.
 */
import { EventEmitter } from 'node:events';
import vm from 'node:vm';
import {
  LAB_METHODS,
  type LabApi,
  type LabEventArgs,
  type LabEventListener,
  type LabMethod,
  type LabRequest,
} from '../../engine/contract/api.js';
import { APP_ENTRY_URL, type SenderEvent } from '../../electron/app-origin.js';
import type { HostProcess, UtilityProcessModule } from '../../electron/engine-host-client.js';
import type { HostMessage, HostRequest } from '../../electron/ipc-contract.js';
import type { HostedLab, HostPort } from '../../electron/lab-host.js';
import type { IpcMainLike, LabEventSink } from '../../electron/main-ipc.js';
import type { ContextBridgeLike, IpcRendererLike } from '../../electron/preload-bridge.js';
import { fixtureConfig } from '../helpers/fixtures.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Who the next renderer message comes from. */
export interface FakeSender {
  webContentsId: number;
  url: string;
  subFrame?: boolean;
  frameGone?: boolean;
}

type Handler = (event: SenderEvent, ...args: unknown[]) => unknown;
type RendererListener = (event: unknown, ...args: unknown[]) => void;

/** ipcMain, ipcRenderer and the window's webContents, wired to each other. */
export class FakeIpc {
  readonly appWebContentsId = 7;
  sender: FakeSender = { webContentsId: 7, url: APP_ENTRY_URL };
  private readonly handlers = new Map<string, Handler>();
  private readonly rendererListeners = new Map<string, RendererListener[]>();

  readonly ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      this.handlers.set(channel, listener);
    },
    removeHandler: (channel) => {
      this.handlers.delete(channel);
    },
  };

  readonly ipcRenderer: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      const handler = this.handlers.get(channel);
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
      const frame = this.sender.frameGone
        ? null
        : { url: this.sender.url, parent: this.sender.subFrame ? { url: APP_ENTRY_URL, parent: null } : null };
      const event: SenderEvent = { sender: { id: this.sender.webContentsId }, senderFrame: frame };
      const result = await handler(event, ...structuredClone(args));
      return structuredClone(result);
    },
    on: (channel, listener) => {
      this.rendererListeners.set(channel, [...(this.rendererListeners.get(channel) ?? []), listener]);
      return this.ipcRenderer;
    },
  };

  /** The app window's webContents, as far as the main process sends to it. */
  readonly webContents: LabEventSink & { sent: unknown[][] } = {
    sent: [],
    isDestroyed: () => false,
    send: (channel, ...args) => {
      this.webContents.sent.push([channel, ...args]);
      const copy = structuredClone(args);
      setImmediate(() => {
        for (const listener of this.rendererListeners.get(channel) ?? []) listener({ senderId: 0 }, ...copy);
      });
    },
  };

  hasHandler(channel: string): boolean {
    return this.handlers.has(channel);
  }

  /** Every channel the main process handles. */
  get channels(): string[] {
    return [...this.handlers.keys()];
  }
}

/** The page's world: a V8 context of its own, where `window.lab` appears (and, before, `window.desktop` did). */
export interface PageWorld {
  lab?: Record<string, (argument?: unknown) => Promise<unknown>> & {
    subscribe(listener: (event: string, payload: unknown) => void): () => void;
  };
  desktop?: unknown;
}

export function fakeContextBridge(): { contextBridge: ContextBridgeLike; world: PageWorld; uncaught: unknown[] } {
  // What the page would report as uncaught errors (listeners that throw), instead of failing the test process.
  const uncaught: unknown[] = [];
  const pageSetTimeout = (callback: () => void): void => {
    setImmediate(() => {
      try {
        callback();
      } catch (error) {
        uncaught.push(error);
      }
    });
  };
  const world = vm.createContext({ setTimeout: pageSetTimeout, console }) as PageWorld;
  const contextBridge: ContextBridgeLike = {
    exposeInMainWorld(apiKey, api) {
      (world as Record<string, unknown>)[apiKey] = api;
    },
    executeInMainWorld({ func, args = [] }) {
      // Electron serialises the function: only its source reaches the page's world, not its closure.
      const inPage = vm.runInContext(`(${func.toString()})`, world) as (...args: unknown[]) => unknown;
      return inPage(...args);
    },
  };
  return { contextBridge, world, uncaught };
}

export type HostSide = (port: HostPort, args: string[], exit: (code: number) => void) => void;

export interface FakeFork {
  modulePath: string;
  args: string[];
  options: Parameters<UtilityProcessModule['fork']>[2];
  child: HostProcess;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Make the process die, as a crash would. */
  crash(code: number): void;
  /** Requests the host side received. */
  received: HostRequest[];
}

/** A `utilityProcess` whose children run `hostSide` in this process. */
export function fakeUtilityProcess(hostSide: HostSide): { utilityProcess: UtilityProcessModule; forks: FakeFork[] } {
  const forks: FakeFork[] = [];
  const utilityProcess: UtilityProcessModule = {
    fork(modulePath, args = [], options) {
      const toMain = new EventEmitter();
      const toHost = new EventEmitter();
      let alive = true;
      const die = (code: number): void => {
        if (!alive) return;
        alive = false;
        setImmediate(() => toMain.emit('exit', code));
      };
      const received: HostRequest[] = [];
      const child: HostProcess = {
        postMessage(message) {
          if (!alive) throw new Error('the utility process is gone');
          const copy = structuredClone(message);
          received.push(copy);
          setImmediate(() => toHost.emit('message', { data: copy }));
        },
        on(event: string, listener: (value: never) => void) {
          toMain.on(event, listener as (value: unknown) => void);
          return child;
        },
        kill() {
          if (!alive) return false;
          die(-15);
          return true;
        },
      };
      const port: HostPort = {
        on(event, listener) {
          toHost.on(event, listener);
          return port;
        },
        postMessage(message: HostMessage) {
          if (!alive) return;
          const copy = structuredClone(message);
          setImmediate(() => alive && toMain.emit('message', copy));
        },
      };
      forks.push({ modulePath, args, options, child, received, alive: () => alive, crash: die });
      setImmediate(() => hostSide(port, args, die));
      return child;
    },
  };
  return { utilityProcess, forks };
}

/** A lab that answers every contract method with what it was asked, and records the calls. */
// Its methods are made in the constructor, one per method of the contract; this declaration types them.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface RecordingLab extends LabApi {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class RecordingLab implements HostedLab {
  readonly calls: { method: LabMethod; argument: unknown }[] = [];
  /** Methods that throw this instead of answering. */
  readonly failures = new Map<LabMethod, unknown>();
  closed = false;
  private readonly listeners = new Set<LabEventListener>();

  constructor() {
    for (const method of LAB_METHODS) {
      (this as unknown as Record<string, unknown>)[method] = async (argument: unknown) => {
        this.calls.push({ method, argument });
        if (this.failures.has(method)) throw this.failures.get(method);
        return { answeredBy: method, argument: argument ?? null };
      };
    }
  }

  subscribe(listener: LabEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire(...event: LabEventArgs): void {
    for (const listener of this.listeners) listener(...event);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A valid argument for every method of the contract (the compiler insists on one per method). */
export const SAMPLE_REQUESTS: { [M in LabMethod]: LabRequest<M> } = {
  info: undefined,
  checkStore: undefined,
  listPresets: undefined,
  validateConfig: { config: { model: { cell: 'gru' } } },
  listDatasets: undefined,
  getDataset: { name: 'toy', examples: 3 },
  getDatasetPairs: { name: 'toy', split: 'test', offset: 10, limit: 5 },
  generateDataset: { generator: 'toy-fr', name: 'toy', pairs: 100, seed: 1 },
  importDataset: { name: 'pairs', format: 'tsv', source: { fileName: 'pairs.tsv', content: 'en\tfr\nhi\tsalut\n' } },
  deleteDataset: { name: 'toy' },
  listExperiments: undefined,
  createExperiment: { dataset: 'toy', preset: 'rnn-gru-attention', seed: 3 },
  startExperiment: { id: 1 },
  compare: { runIds: [1, 2] },
  listRuns: { status: ['running'] },
  getRun: { id: 1 },
  getRunKernelSet: { runId: 1 },
  createRun: { config: fixtureConfig('toy'), name: 'gru', start: true },
  startRun: { id: 1 },
  cancelRun: { id: 1 },
  resumeRun: { id: 1 },
  deleteRun: { id: 1 },
  updateRun: { id: 1, tags: ['baseline'], notes: 'the first try' },
  getMetricKeys: { runIds: [1] },
  getMetricSeries: { runIds: [1], keys: ['train/loss'], maxPoints: 100 },
  getSamples: { runId: 1, step: 100 },
  getAttentionSteps: { runId: 1 },
  getGradientFlow: { runId: 1 },
  getAttention: { runId: 1, sampleIndex: 0 },
  translate: { runId: 1, texts: ['the green car'], strategy: 'beam', beamSize: 4 },
  exportModel: { runId: 1, outDir: '/tmp/mtlab-export' },
  exportData: { what: 'metrics', format: 'csv', runIds: [1] },
};

export { nextTurn };
