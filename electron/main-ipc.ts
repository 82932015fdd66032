/**
 * The main process's IPC handlers, with `ipcMain` and the desktop actions passed in (electron/main.ts passes the
 * real ones, the tests fakes). Every message is checked against the app's own frame first (electron/app-origin.ts);
 * a refused message gets an error reply and a line in the log, and reaches nothing. A lab call that carries a file
 * path goes on only with a path the user chose in one of the main process's dialogs (electron/path-grants.ts).
 *
 * The page gets the LabApi and nothing else: no desktop-only channel (the app never called one), so nothing the page
 * sends can reach the file manager or a dialog except through a lab call's path check. Lab calls are relayed as they
 * came: the engine host checks the method and its argument (engine/contract/dispatch.ts).
 */
import type { LabErrorShape, LabEventName, LabMethod } from '../engine/contract/api.js';
import { type SenderEvent, senderProblem } from './app-origin.js';
import { LAB_CALL, LAB_EVENT, type LabReply } from './ipc-contract.js';
import { labCallPaths, PathGrants, pathProblem, type PathRequest } from './path-grants.js';

/** The part of Electron's `ipcMain` used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** Where lab calls go: the engine host (electron/engine-host-client.ts). */
export interface LabCaller {
  call(method: string, argument: unknown): Promise<LabReply>;
}

export interface DesktopActions {
  /**
   * Ask the user, in a main-process dialog, to confirm a path a lab call names (or to choose another); resolves to
   * the path chosen, or null when they cancel.
   */
  confirmPath(request: PathRequest): Promise<string | null>;
}

export interface MainIpcOptions {
  ipcMain: IpcMainLike;
  lab: LabCaller;
  desktop: DesktopActions;
  /** The id of the app window's webContents, or null while there is none. */
  appWebContentsId(): number | null;
  /** The paths granted so far (default: a new, empty set). */
  grants?: PathGrants;
  platform?: NodeJS.Platform;
  log?: (line: string) => void;
}

const failure = (code: LabErrorShape['code'], message: string, field?: string): LabReply => ({
  ok: false,
  error: { code, message, ...(field === undefined ? {} : { detail: { field } }) },
});

/** Register the handlers; returns the function that removes them. */
export function registerMainIpc(options: MainIpcOptions): () => void {
  const { ipcMain, lab, desktop } = options;
  const platform = options.platform ?? process.platform;
  const grants = options.grants ?? new PathGrants(platform);
  const log = options.log ?? ((line: string) => console.error(line));

  /** Wrap a handler with the sender check. */
  const guarded =
    (channel: string, handler: (...args: unknown[]) => Promise<LabReply> | LabReply) =>
    (event: SenderEvent, ...args: unknown[]): Promise<LabReply> | LabReply => {
      const problem = senderProblem(event, options.appWebContentsId());
      if (problem !== null) {
        log(`mtlab: refused a ${channel} message: ${problem}`);
        return failure('invalid-request', `refused: ${problem}`);
      }
      return handler(...args);
    };

  /** Check (and, where the user chose another, replace) every path in the argument; a failure, or null. */
  const checkPaths = async (method: string, argument: unknown): Promise<LabReply | null> => {
    for (const slot of labCallPaths(method, argument)) {
      const problem = pathProblem(slot.value, platform);
      if (problem !== null) return failure('invalid-request', `${method}: ${slot.field} ${problem}`, slot.field);
      const requested = slot.value as string;
      if (grants.allows(slot.use, requested)) continue;
      const replaces = method === 'exportModel' && (argument as { force?: unknown }).force === true;
      // Only the contract's importDataset, translate and exportModel carry paths (labCallPaths).
      const chosen = await desktop.confirmPath({
        method: method as LabMethod,
        field: slot.field,
        use: slot.use,
        path: requested,
        replaces,
      });
      if (chosen === null) {
        log(`mtlab: ${method}: ${slot.field} ${requested} was not confirmed in a dialog; the call is refused`);
        return failure(
          'invalid-request',
          `${method}: ${slot.field} ${requested} was not confirmed: the desktop app uses a file or folder only ` +
            'when you choose it in one of its dialogs',
          slot.field,
        );
      }
      const chosenProblem = pathProblem(chosen, platform);
      if (chosenProblem !== null)
        return failure('invalid-request', `${method}: the chosen ${slot.field} ${chosenProblem}`, slot.field);
      grants.grant(slot.use, chosen);
      slot.set(chosen);
    }
    return null;
  };

  ipcMain.handle(
    LAB_CALL,
    guarded(LAB_CALL, async (method, argument) => {
      // The engine host refuses a name that is not the contract's; one that is not even a string is no call.
      if (typeof method !== 'string') return failure('invalid-request', 'a lab call names its method with a string');
      const refused = await checkPaths(method, argument);
      return refused ?? lab.call(method, argument);
    }),
  );

  return () => ipcMain.removeHandler(LAB_CALL);
}

/** The part of a webContents that events are sent to. */
export interface LabEventSink {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

/** Send a lab event to the app window, if it is there (events for a closed window are dropped). */
export function sendLabEvent(target: LabEventSink | null, event: LabEventName, payload: unknown): void {
  if (target === null || target.isDestroyed()) return;
  target.send(LAB_EVENT, event, payload);
}
