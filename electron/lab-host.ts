/**
 * The engine host's work, with its port to the main process passed in (electron/engine-host.ts passes Electron's
 * `process.parentPort`, the tests a fake): answer `call` messages with the lab, forward the lab's events, and close
 * the lab when asked. Each call goes through the contract's dispatcher, as in `mtlab serve`: its argument is checked
 * by the method's schema before the lab sees it (engine/contract/dispatch.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { LabApi, LabErrorShape, LabEventListener } from '../engine/contract/api.js';
import { dispatch } from '../engine/contract/dispatch.js';
import { LabError, toErrorShape } from '../engine/errors.js';
import type { WorkerSpawner } from '../engine/runner/queue.js';
import type { HostMessage, HostRequest, LabReply, WorkerEvent } from './ipc-contract.js';

/** The part of Electron's ParentPort used here. */
export interface HostPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): unknown;
  postMessage(message: HostMessage): void;
}

/** What the host needs of a lab: the contract's methods, its events, and closing it. `Lab` fits. */
export interface HostedLab extends LabApi {
  subscribe(listener: LabEventListener): () => void;
  close(): Promise<void>;
}

function isRequest(value: unknown): value is Extract<HostRequest, { type: 'call' | 'close' }> {
  if (typeof value !== 'object' || value === null) return false;
  const { type, id } = value as { type?: unknown; id?: unknown };
  return type === 'close' || (type === 'call' && typeof id === 'number');
}

export type HostLog = (message: string, error: unknown) => void;

const logToStderr: HostLog = (message, error) => console.error(message, error);

export async function callLab(
  lab: HostedLab,
  method: unknown,
  argument: unknown,
  log: HostLog = logToStderr,
): Promise<LabReply> {
  try {
    return { ok: true, value: await dispatch(lab, method, argument) };
  } catch (error) {
    // A LabError is the caller's mistake, said in its message; anything else is a bug worth its stack trace.
    if (!(error instanceof LabError)) log(`mtlab engine: ${String(method)} failed:`, error);
    return { ok: false, error: toErrorShape(error) };
  }
}

/** Post a message; a value that cannot be cloned is answered as an error instead of being lost. */
function post(port: HostPort, message: HostMessage): void {
  try {
    port.postMessage(message);
  } catch (error) {
    if (message.type !== 'reply') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    port.postMessage({
      type: 'reply',
      id: message.id,
      reply: { ok: false, error: { code: 'internal', message: `the answer could not be sent: ${reason}` } },
    });
  }
}

/** Serve `lab` on `port`; `exit` is called once the lab is closed after a `close` message. */
export function serveLab(
  lab: HostedLab,
  port: HostPort,
  exit: (code: number) => void,
  log: HostLog = logToStderr,
): void {
  const unsubscribe = lab.subscribe((event, payload) => post(port, { type: 'event', event, payload }));
  let closing = false;
  port.on('message', ({ data }) => {
    if (!isRequest(data)) return;
    if (data.type === 'close') {
      if (closing) return;
      closing = true;
      unsubscribe();
      lab.close().then(
        () => exit(0),
        (error: unknown) => {
          log('mtlab engine: closing the lab failed:', error);
          exit(1);
        },
      );
      return;
    }
    if (closing) {
      post(port, {
        type: 'reply',
        id: data.id,
        reply: { ok: false, error: { code: 'internal', message: 'the engine is stopping' } },
      });
      return;
    }
    void callLab(lab, data.method, data.argument, log).then((reply) =>
      post(port, { type: 'reply', id: data.id, reply }),
    );
  });
}

/**
 * When the lab cannot be opened: say why once, answer every call with that reason, and exit when asked to close.
 */
export function serveFailure(error: LabErrorShape, port: HostPort, exit: (code: number) => void): void {
  post(port, { type: 'fatal', error });
  port.on('message', ({ data }) => {
    if (!isRequest(data)) return;
    if (data.type === 'close') exit(1);
    else post(port, { type: 'reply', id: data.id, reply: { ok: false, error } });
  });
}

/** What went wrong opening the lab, in words that say what to do about it. */
export function openFailure(error: unknown, storePath: string): LabErrorShape {
  const message = error instanceof Error ? error.message : String(error);
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)) {
    return {
      code: 'internal',
      message:
        'better-sqlite3 is built for Node.js, not for Electron: start the app with `npm start`, which builds it ' +
        'for Electron once (or run `node build/electron-native.mjs`)',
      detail: { storePath },
    };
  }
  return toErrorShape(error);
}

/**
 * The training workers' spawner for a lab in the engine host. A utility process cannot start utility processes, and
 * the RunAsNode fuse is off (build/electron-builder.yml), so the lab's default (forking Electron run as Node) is not
 * available: each worker is asked of the main process instead (electron/ipc-contract.ts, WorkerEvent), which starts
 * it as a utility process of its own and relays its messages. What the run queue gets is the part of a ChildProcess
 * it uses (send, kill, stderr, and the message, error and exit events), over that relay.
 */
export function relayedWorkerSpawner(port: HostPort): WorkerSpawner {
  const workers = new Map<number, RelayedWorkerChild>();
  let nextId = 1;
  port.on('message', ({ data }) => {
    if (typeof data !== 'object' || data === null) return;
    const event = data as WorkerEvent;
    if (event.type !== 'worker-message' && event.type !== 'worker-stderr' && event.type !== 'worker-exit') return;
    const worker = workers.get(event.worker);
    if (worker === undefined) return;
    if (event.type === 'worker-message') worker.emit('message', event.message);
    else if (event.type === 'worker-stderr') worker.stderr.write(event.chunk);
    else {
      workers.delete(event.worker);
      worker.exited(event.code, event.killed);
    }
  });
  return () => {
    const id = nextId++;
    const worker = new RelayedWorkerChild(id, port);
    workers.set(id, worker);
    port.postMessage({ type: 'worker-spawn', worker: id });
    // The queue uses this much of a ChildProcess (engine/runner/queue.ts); the rest does not exist over a relay.
    return worker as unknown as ChildProcess;
  };
}

class RelayedWorkerChild extends EventEmitter {
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  connected = true;
  private killSignal: NodeJS.Signals | null = null;

  constructor(
    private readonly id: number,
    private readonly port: HostPort,
  ) {
    super();
  }

  send(message: unknown): boolean {
    if (!this.connected) return false;
    this.port.postMessage({ type: 'worker-send', worker: this.id, message });
    return true;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (!this.connected) return false;
    this.killSignal ??= signal;
    this.port.postMessage({ type: 'worker-kill', worker: this.id });
    return true;
  }

  exited(code: number, killed: boolean): void {
    this.connected = false;
    this.stderr.end();
    // As Node reports a child it killed: no code, the signal it was sent.
    if (killed) this.signalCode = this.killSignal ?? 'SIGTERM';
    else this.exitCode = code;
    this.emit('exit', this.exitCode, this.signalCode);
  }
}
