/**
 * The main process's IPC handlers, with `ipcMain` and the desktop actions passed in (electron/main.ts passes the
 * real ones, the tests fakes). Every message is checked against the app's own frame first (electron/app-origin.ts);
 * a refused message gets an error reply and a line in the log, and reaches nothing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LAB_METHODS, type LabErrorShape, type LabEventName, type LabMethod } from '../engine/api.js';
import { type SenderEvent, senderProblem } from './app-origin.js';
import { DESKTOP_CHOOSE_FOLDER, DESKTOP_REVEAL_PATH, LAB_CALL, LAB_EVENT, type LabReply } from './ipc-contract.js';

/** The part of Electron's `ipcMain` used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** Where lab calls go: the engine host (electron/engine-host-client.ts). */
export interface LabCaller {
  call(method: LabMethod, argument: unknown): Promise<LabReply>;
}

export interface DesktopActions {
  /** Show a path in the file manager (Electron's `shell.showItemInFolder`). */
  revealPath(file: string): void;
  /** Ask for a folder; null when cancelled. */
  chooseFolder(title: string | undefined): Promise<string | null>;
}

export interface MainIpcOptions {
  ipcMain: IpcMainLike;
  lab: LabCaller;
  desktop: DesktopActions;
  /** The id of the app window's webContents, or null while there is none. */
  appWebContentsId(): number | null;
  log?: (line: string) => void;
}

const METHODS = new Set<string>(LAB_METHODS);
const MAX_PATH_LENGTH = 4096;

const failure = (code: LabErrorShape['code'], message: string): LabReply => ({ ok: false, error: { code, message } });

/** Register the handlers; returns the function that removes them. */
export function registerMainIpc(options: MainIpcOptions): () => void {
  const { ipcMain, lab, desktop } = options;
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

  ipcMain.handle(
    LAB_CALL,
    guarded(LAB_CALL, (method, argument) => {
      if (typeof method !== 'string' || !METHODS.has(method)) {
        return failure('invalid-request', `the lab has no method "${String(method)}"`);
      }
      return lab.call(method as LabMethod, argument);
    }),
  );

  ipcMain.handle(
    DESKTOP_REVEAL_PATH,
    guarded(DESKTOP_REVEAL_PATH, (file) => {
      if (typeof file !== 'string' || file.length === 0 || file.length > MAX_PATH_LENGTH || file.includes('\0')) {
        return failure('invalid-request', 'revealPath needs a path');
      }
      if (!path.isAbsolute(file)) return failure('invalid-request', `${file} is not an absolute path`);
      if (!existsSync(file)) return failure('not-found', `${file} does not exist`);
      desktop.revealPath(path.normalize(file));
      return { ok: true, value: undefined };
    }),
  );

  ipcMain.handle(
    DESKTOP_CHOOSE_FOLDER,
    guarded(DESKTOP_CHOOSE_FOLDER, async (options) => {
      const title = (options as { title?: unknown } | null | undefined)?.title;
      const chosen = await desktop.chooseFolder(typeof title === 'string' ? title.slice(0, 200) : undefined);
      return { ok: true, value: chosen };
    }),
  );

  return () => {
    for (const channel of [LAB_CALL, DESKTOP_REVEAL_PATH, DESKTOP_CHOOSE_FOLDER]) ipcMain.removeHandler(channel);
  };
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
