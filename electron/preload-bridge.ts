/**
 * The preload's work, with Electron's modules passed in (electron/preload.ts passes the real ones, the tests fakes).
 *
 * `window.lab` is a `LabClient` generated from `LAB_METHODS`: a method added to the contract appears here with no
 * code of its own. The client object is built in the page's world by `installLabClient`, so that a failed call
 * rejects with an Error made there, carrying the lab's `code` and `detail` beside its message: an Error thrown across
 * the context bridge would arrive with its message only. The page never sees `ipcRenderer`, only the client's
 * methods, which can send nothing but calls of the contract.
 */
import { LAB_METHODS, type LabErrorShape } from '../engine/contract/api.js';
import { LAB_CALL, LAB_EVENT, type LabReply } from './ipc-contract.js';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface ContextBridgeLike {
  exposeInMainWorld(apiKey: string, api: unknown): void;
  executeInMainWorld(script: { func: (...args: never[]) => unknown; args?: unknown[] }): unknown;
}

/** What the page-world client holds of the preload: calls and one event feed. */
export interface LabBridge {
  call(method: string, argument: unknown): Promise<LabReply>;
  listen(deliver: (event: string, payload: unknown) => void): void;
}

function internalError(message: string): LabReply {
  return { ok: false, error: { code: 'internal', message } };
}

function isReply(value: unknown): value is LabReply {
  if (typeof value !== 'object' || value === null) return false;
  const reply = value as { ok?: unknown; error?: Partial<LabErrorShape> };
  if (reply.ok === true) return 'value' in reply;
  return reply.ok === false && typeof reply.error?.code === 'string' && typeof reply.error.message === 'string';
}

/** The preload's side of the bridge: only contract methods are sent, and every answer is a LabReply. */
export function createLabBridge(ipcRenderer: IpcRendererLike): LabBridge {
  const methods = new Set<string>(LAB_METHODS);
  let listening = false;
  return {
    async call(method, argument) {
      if (typeof method !== 'string' || !methods.has(method)) {
        return { ok: false, error: { code: 'invalid-request', message: `the lab has no method "${String(method)}"` } };
      }
      try {
        const reply = await ipcRenderer.invoke(LAB_CALL, method, argument);
        return isReply(reply) ? reply : internalError(`${method}: the main process answered something unexpected`);
      } catch (error) {
        // IPC itself failed (the argument could not be cloned, the window is closing).
        return internalError(`${method}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    listen(deliver) {
      if (listening) return;
      listening = true;
      ipcRenderer.on(LAB_EVENT, (_event, event, payload) => {
        if (typeof event === 'string') deliver(event, payload);
      });
    },
  };
}

/**
 * Runs in the page's world (contextBridge.executeInMainWorld serialises it): it must stay self-contained, using
 * nothing from this module but its arguments. Defines `window.lab`, read-only.
 */
export function installLabClient(bridge: LabBridge, methods: readonly string[]): void {
  const listeners = new Set<(event: string, payload: unknown) => void>();
  let listening = false;
  const client: Record<string, unknown> = {};
  for (const method of methods) {
    client[method] = async (argument?: unknown): Promise<unknown> => {
      const reply = await bridge.call(method, argument);
      if (reply.ok) return reply.value;
      const error = new Error(reply.error.message) as Error & { code: string; detail?: Record<string, unknown> };
      error.name = 'LabError';
      error.code = reply.error.code;
      if (reply.error.detail !== undefined) error.detail = reply.error.detail;
      throw error;
    };
  }
  client.subscribe = (listener: (event: string, payload: unknown) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError('lab.subscribe(listener): listener must be a function');
    if (!listening) {
      listening = true;
      bridge.listen((event, payload) => {
        for (const each of [...listeners]) {
          try {
            each(event, payload);
          } catch (error) {
            // One failing listener must not starve the others; the error still surfaces in the console.
            setTimeout(() => {
              throw error;
            }, 0);
          }
        }
      });
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  Object.defineProperty(globalThis, 'lab', {
    value: Object.freeze(client),
    writable: false,
    configurable: false,
    enumerable: true,
  });
}

export function installPreload(electron: { contextBridge: ContextBridgeLike; ipcRenderer: IpcRendererLike }): void {
  const { contextBridge, ipcRenderer } = electron;
  // The page gets `window.lab` and nothing else (no desktop-only methods: the app never called them).
  contextBridge.executeInMainWorld({ func: installLabClient, args: [createLabBridge(ipcRenderer), [...LAB_METHODS]] });
}
