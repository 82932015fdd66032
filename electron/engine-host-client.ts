/**
 * The main process's handle on the engine host: starts it (an Electron utility process running
 * electron/engine-host.ts on one experiment store), relays calls to it and events from it, and stops or restarts
 * it (another store, a crash). Every call resolves to a LabReply, whatever happens to the host.
 */
import type { LabErrorShape, LabEventName } from '../engine/contract/api.js';
import {
  type HostMessage,
  type HostRequest,
  type LabReply,
  WORKER_DONE,
  type WorkerCommand,
  type WorkerDone,
} from './ipc-contract.js';

/** The part of Electron's UtilityProcess used here: a child that is sent `In` and answers `Out`. */
export interface ChildOf<In, Out> {
  postMessage(message: In): void;
  on(event: 'message', listener: (message: Out) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
  /** With `stdio` piped. */
  readonly stderr?: NodeJS.ReadableStream | null;
}

/** The engine host's process. */
export type HostProcess = ChildOf<HostRequest, HostMessage>;
/** A training worker's process (electron/training-worker.ts): engine/runner/messages.ts, relayed as they are. */
export type WorkerProcess = ChildOf<unknown, unknown>;

type Stdio = 'inherit' | 'pipe' | 'ignore';

/** The part of Electron's `utilityProcess` module used here. */
export interface UtilityProcessModule {
  fork(
    modulePath: string,
    args?: string[],
    options?: { serviceName?: string; stdio?: Stdio | Stdio[]; env?: Record<string, string | undefined> },
  ): ChildOf<unknown, unknown>;
}

export type HostLauncher = (storePath: string) => HostProcess;
export type WorkerLauncher = () => WorkerProcess;

/** This process's environment with `env` applied (an undefined value removes a variable). */
function environment(env: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...env })) {
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}

/** Starts `hostScript` in a utility process on a store: `--db PATH`, and this process's environment with `env`. */
export function utilityHostLauncher(
  utilityProcess: UtilityProcessModule,
  hostScript: string,
  env: Record<string, string | undefined> = {},
): HostLauncher {
  return (storePath) =>
    utilityProcess.fork(hostScript, ['--db', storePath], {
      serviceName: 'mtlab engine',
      stdio: 'inherit',
      env: environment(env),
    }) as HostProcess;
}

/**
 * Starts `workerScript` (electron/training-worker.ts) in a utility process: one per training run, its stderr piped
 * (the run queue keeps its tail for the error of a run that failed), its output to this process's.
 */
export function utilityWorkerLauncher(
  utilityProcess: UtilityProcessModule,
  workerScript: string,
  env: Record<string, string | undefined> = {},
): WorkerLauncher {
  return () =>
    utilityProcess.fork(workerScript, [], {
      serviceName: 'mtlab training',
      stdio: ['ignore', 'inherit', 'pipe'],
      env: environment(env),
    }) as WorkerProcess;
}

const isWorkerDone = (message: unknown): message is WorkerDone =>
  typeof message === 'object' &&
  message !== null &&
  (message as { type?: unknown }).type === WORKER_DONE &&
  typeof (message as { code?: unknown }).code === 'number';

export type EngineState = 'stopped' | 'starting' | 'ready' | 'failed' | 'stopping';

export interface EngineHostClientOptions {
  launch: HostLauncher;
  /** Starts a training worker when the host asks for one (without it, the host's runs fail, saying why). */
  launchWorker?: WorkerLauncher;
  /** How long a host may take to close its store before it is killed. */
  closeGraceMs?: number;
  /** Called when the host exits without being asked to (after pending calls have been answered). */
  onUnexpectedExit?: (code: number, storePath: string) => void;
}

interface RelayedWorker {
  process: WorkerProcess;
  /** The host asked to end it. */
  killed: boolean;
  /** The exit code it reported with WORKER_DONE before it was ended. */
  doneCode: number | null;
}

type EventListener = (event: LabEventName, payload: unknown) => void;

const internal = (message: string): LabErrorShape => ({ code: 'internal', message });

export class EngineHostClient {
  private child: HostProcess | null = null;
  private stateValue: EngineState = 'stopped';
  private storePathValue: string | null = null;
  private failure: LabErrorShape | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: LabReply) => void>();
  /** Calls made while the host starts, sent once it is ready. */
  private readonly waiting: { method: string; argument: unknown; resolve: (reply: LabReply) => void }[] = [];
  private readonly listeners = new Set<EventListener>();
  private exited: Promise<void> = Promise.resolve();
  private readonly options: Required<Omit<EngineHostClientOptions, 'onUnexpectedExit' | 'launchWorker'>> &
    Pick<EngineHostClientOptions, 'onUnexpectedExit' | 'launchWorker'>;

  constructor(options: EngineHostClientOptions) {
    this.options = { closeGraceMs: 5000, ...options };
  }

  get state(): EngineState {
    return this.stateValue;
  }

  /** The store the host has (or is opening). */
  get storePath(): string | null {
    return this.storePathValue;
  }

  /** Why the host could not open its store, while `state` is 'failed'. */
  get error(): LabErrorShape | null {
    return this.failure;
  }

  /** Start a host on `storePath`; resolves when its lab is open, rejects with the LabErrorShape when it cannot be. */
  start(storePath: string): Promise<void> {
    if (this.child !== null) throw new Error('the engine host is already running: stop it first');
    this.storePathValue = storePath;
    this.failure = null;
    this.stateValue = 'starting';
    const child = this.options.launch(storePath);
    this.child = child;
    let resolveStarted!: () => void;
    let rejectStarted!: (error: LabErrorShape) => void;
    const started = new Promise<void>((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    // Nobody may be waiting for a failed start; the failure is also kept in `error`.
    started.catch(() => {});
    let resolveExited!: () => void;
    this.exited = new Promise<void>((resolve) => (resolveExited = resolve));

    // This host's training workers, by the host's id for them.
    const workers = new Map<number, RelayedWorker>();
    child.on('message', (message) => {
      if (this.child !== child) return;
      switch (message.type) {
        case 'ready':
          this.stateValue = 'ready';
          for (const call of this.waiting.splice(0)) this.send(call.method, call.argument, call.resolve);
          resolveStarted();
          break;
        case 'fatal':
          this.fail(message.error);
          rejectStarted(message.error);
          break;
        case 'reply': {
          const resolve = this.pending.get(message.id);
          this.pending.delete(message.id);
          resolve?.(message.reply);
          break;
        }
        case 'event':
          for (const listener of [...this.listeners]) listener(message.event, message.payload);
          break;
        case 'worker-spawn':
        case 'worker-send':
        case 'worker-kill':
          this.relayWorker(child, workers, message);
          break;
      }
    });
    child.on('exit', (code) => {
      // A worker's host is gone: the worker goes too (its run is found interrupted, resumable, by the next host).
      for (const worker of workers.values()) worker.process.kill();
      workers.clear();
      resolveExited();
      if (this.child !== child) return;
      this.child = null;
      if (this.stateValue === 'starting') {
        // A failed start is the caller's to report (start() rejects), not a crash to recover from.
        const error = internal(`the engine process stopped while opening ${storePath} (exit code ${code})`);
        this.fail(error);
        rejectStarted(error);
        return;
      }
      if (this.stateValue === 'stopping' || this.stateValue === 'failed') {
        this.answerAll(this.failure ?? internal('the engine was stopped'));
        return;
      }
      this.stateValue = 'stopped';
      this.answerAll(internal(`the engine process stopped unexpectedly (exit code ${code})`));
      this.options.onUnexpectedExit?.(code, storePath);
    });
    return started;
  }

  /** Call a LabApi method in the host. Never rejects: failures come back as `{ ok: false, error }`. */
  call(method: string, argument: unknown): Promise<LabReply> {
    return new Promise((resolve) => {
      switch (this.stateValue) {
        case 'ready':
          this.send(method, argument, resolve);
          return;
        case 'starting':
          this.waiting.push({ method, argument, resolve });
          return;
        case 'failed':
          resolve({ ok: false, error: this.failure ?? internal('the engine could not start') });
          return;
        default:
          resolve({ ok: false, error: internal('the engine is not running') });
      }
    });
  }

  /** Hear every lab event; returns the function that stops listening. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ask the host to close its lab and exit; kill it if it takes longer than the grace period. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) {
      if (this.stateValue !== 'failed') this.stateValue = 'stopped';
      return;
    }
    if (this.stateValue !== 'failed') this.stateValue = 'stopping';
    this.answerAll(internal('the engine is stopping'));
    const exited = this.exited;
    try {
      child.postMessage({ type: 'close' });
    } catch {
      // Already gone: the exit event follows.
    }
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill();
        resolve();
      }, this.options.closeGraceMs);
    });
    await Promise.race([exited, killed]);
    clearTimeout(timer);
    await exited;
    this.stateValue = 'stopped';
  }

  /** Stop the host and start one on another store. */
  async restart(storePath: string): Promise<void> {
    await this.stop();
    await this.start(storePath);
  }

  /** Start, message or end one of `host`'s training workers, and relay what it says back to it, in order. */
  private relayWorker(host: HostProcess, workers: Map<number, RelayedWorker>, command: WorkerCommand): void {
    const toHost = (message: HostRequest): void => {
      try {
        host.postMessage(message);
      } catch {
        // The host is gone; its exit handler ends its workers.
      }
    };
    const id = command.worker;
    if (command.type === 'worker-send') {
      try {
        workers.get(id)?.process.postMessage(command.message);
      } catch {
        // The worker is exiting: its exit is relayed.
      }
      return;
    }
    if (command.type === 'worker-kill') {
      const worker = workers.get(id);
      if (worker !== undefined) {
        worker.killed = true;
        worker.process.kill();
      }
      return;
    }
    if (workers.has(id)) return;
    const launchWorker = this.options.launchWorker;
    let worker: WorkerProcess;
    try {
      if (launchWorker === undefined) throw new Error('this app cannot start training processes');
      worker = launchWorker();
    } catch (error) {
      toHost({ type: 'worker-stderr', worker: id, chunk: error instanceof Error ? error.message : String(error) });
      toHost({ type: 'worker-exit', worker: id, code: 1, killed: false });
      return;
    }
    const entry: RelayedWorker = { process: worker, killed: false, doneCode: null };
    workers.set(id, entry);
    worker.stderr?.on('data', (chunk: Buffer | string) =>
      toHost({ type: 'worker-stderr', worker: id, chunk: String(chunk) }),
    );
    worker.on('message', (message) => {
      if (isWorkerDone(message)) {
        // Everything it said has been relayed: end it, and report the exit code it meant to exit with.
        entry.doneCode = message.code;
        worker.kill();
        return;
      }
      toHost({ type: 'worker-message', worker: id, message });
    });
    worker.on('exit', (code) => {
      if (workers.get(id) !== entry) return;
      workers.delete(id);
      const done = entry.doneCode !== null;
      toHost({ type: 'worker-exit', worker: id, code: done ? entry.doneCode! : code, killed: entry.killed && !done });
    });
  }

  private send(method: string, argument: unknown, resolve: (reply: LabReply) => void): void {
    const id = this.nextId++;
    this.pending.set(id, resolve);
    try {
      this.child!.postMessage({ type: 'call', id, method, argument });
    } catch (error) {
      this.pending.delete(id);
      resolve({ ok: false, error: internal(`${method}: ${error instanceof Error ? error.message : String(error)}`) });
    }
  }

  private fail(error: LabErrorShape): void {
    this.stateValue = 'failed';
    this.failure = error;
    this.answerAll(error);
  }

  private answerAll(error: LabErrorShape): void {
    for (const resolve of this.pending.values()) resolve({ ok: false, error });
    this.pending.clear();
    for (const call of this.waiting.splice(0)) call.resolve({ ok: false, error });
  }
}
