/**
 * Where the app's page lives, and who may talk to the main process. The page is served from `app://mtlab/` (see
 * electron/app-protocol.ts); an IPC message is accepted only from the top frame of the app's own window showing
 * that origin, which rules out any other window, sub-frame or page the window might somehow have been navigated to.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'mtlab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The parts of Electron's WebFrameMain and IpcMainInvokeEvent the check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

export interface SenderEvent {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameLike | null;
}

/** Why a message must be refused, or null when it comes from the app itself. */
export function senderProblem(event: SenderEvent, appWebContentsId: number | null): string | null {
  if (appWebContentsId === null || event.sender.id !== appWebContentsId) return 'it does not come from the app window';
  const frame = event.senderFrame;
  if (frame === null) return 'the frame that sent it is gone';
  if (frame.parent !== null) return 'it comes from a sub-frame';
  if (!isAppUrl(frame.url)) return `it comes from ${frame.url}, not from ${APP_ORIGIN}`;
  return null;
}
