/**
 * What crosses the desktop app's process boundaries: the IPC channels between the renderer (preload) and the main
 * process, and the messages between the main process and the engine host (a utility process). Types and constants only, so the sandboxed preload can bundle it.
 *
 *   renderer --invoke LAB_CALL(method, argument)--> main --{call}--> engine host --> Lab
 *   renderer <--LAB_EVENT(event, payload)---------- main <--{event}-- engine host <-- lab.subscribe
 *
 * Replies carry a result or a `LabErrorShape`, never a thrown Error: an Error crossing IPC or the context bridge keeps
 * only its message, and the app needs the code and the field at fault too.
 */
import type { LabErrorShape, LabEventName } from '../engine/contract/api.js';

export const LAB_CALL = 'mtlab:lab-call';
export const LAB_EVENT = 'mtlab:lab-event';

/** The answer to one call, on every hop. */
export type LabReply = { ok: true; value: unknown } | { ok: false; error: LabErrorShape };

/** Main process → engine host. */
export type HostRequest =
  /** `method` as the page named it: the engine host checks it against the contract. */
  | { type: 'call'; id: number; method: string; argument: unknown }
  /** Close the lab (and its store) and exit. */
  | { type: 'close' }
  | WorkerEvent;

/**
 * Training workers. Each run trains in an Electron utility process of its own, which only the main process can
 * start; so the engine host asks for one (`worker-spawn`), and the main process relays between them, in order:
 *
 *   engine host --worker-spawn / worker-send / worker-kill--> main --fork / postMessage / kill--> worker
 *   engine host <--worker-message / worker-stderr / worker-exit-- main <--message / stderr / exit-- worker
 *
 * (Before, the lab forked workers itself as Electron run as Node, which needs the RunAsNode fuse on.)
 */
export type WorkerEvent =
  | { type: 'worker-message'; worker: number; message: unknown }
  | { type: 'worker-stderr'; worker: number; chunk: string }
  /** `killed`: it ended because the host asked (`worker-kill`), not on its own. */
  | { type: 'worker-exit'; worker: number; code: number; killed: boolean };

export type WorkerCommand =
  | { type: 'worker-spawn'; worker: number }
  | { type: 'worker-send'; worker: number; message: unknown }
  | { type: 'worker-kill'; worker: number };

/**
 * What a training worker's shim (electron/training-worker.ts) posts after the worker's last message, instead of
 * exiting: the main process then ends it, once everything before has been relayed.
 */
export const WORKER_DONE = 'mtlab:worker-done';
export interface WorkerDone {
  type: typeof WORKER_DONE;
  code: number;
}

/** Engine host → main process. */
export type HostMessage =
  | { type: 'ready'; storePath: string }
  /** The lab could not be opened (a damaged store, a newer schema, ...): the host exits after saying so. */
  | { type: 'fatal'; error: LabErrorShape }
  | { type: 'reply'; id: number; reply: LabReply }
  | WorkerCommand
  | { type: 'event'; event: LabEventName; payload: unknown };
