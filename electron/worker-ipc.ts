/**
 * Node's child-process IPC, as engine/runner/worker.ts uses it, over an Electron utility process's `parentPort`.
 * The worker ends by calling `process.disconnect()`; in a utility process that becomes a WORKER_DONE message after
 * its last report, and the main process ends it once everything before has been relayed (exiting here could lose
 * the messages still on their way).
 */
import { WORKER_DONE, type WorkerDone } from './ipc-contract.js';

export interface ParentPortLike {
  on(event: 'message', listener: (message: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/** The part of `process` the engine's worker uses for IPC. */
export interface IpcProcessLike extends Pick<NodeJS.EventEmitter, 'emit'> {
  send?: (message: unknown) => boolean;
  disconnect?: () => void;
  connected?: boolean;
  exitCode?: number | string | null | undefined;
}

export function installParentPortIpc(proc: IpcProcessLike, port: ParentPortLike): void {
  let connected = true;
  proc.send = (message) => {
    if (!connected) return false;
    port.postMessage(message);
    return true;
  };
  proc.disconnect = () => {
    if (!connected) return;
    connected = false;
    const code = Number(proc.exitCode ?? 0);
    port.postMessage({ type: WORKER_DONE, code: Number.isInteger(code) ? code : 1 } satisfies WorkerDone);
  };
  port.on('message', ({ data }) => {
    if (connected) proc.emit('message', data);
  });
}
