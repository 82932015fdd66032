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
import type { LabErrorShape, LabEventName, LabMethod } from '../engine/api.js';

export const LAB_CALL = 'mtlab:lab-call';
export const LAB_EVENT = 'mtlab:lab-event';

/** The answer to one call, on every hop. */
export type LabReply = { ok: true; value: unknown } | { ok: false; error: LabErrorShape };

/** Main process → engine host. */
export type HostRequest =
  | { type: 'call'; id: number; method: LabMethod; argument: unknown }
  /** Close the lab (and its store) and exit. */
  | { type: 'close' };

/** Engine host → main process. */
export type HostMessage =
  | { type: 'ready'; storePath: string }
  /** The lab could not be opened (a damaged store, a newer schema, ...): the host exits after saying so. */
  | { type: 'fatal'; error: LabErrorShape }
  | { type: 'reply'; id: number; reply: LabReply }
  | { type: 'event'; event: LabEventName; payload: unknown };
