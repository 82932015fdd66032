/**
 * The desktop app's main process: one window showing the renderer from `app://mtlab/`, the engine in a utility
 * process (electron/engine-host.ts), its training runs in utility processes of their own
 * (electron/training-worker.ts), and the IPC between them (electron/main-ipc.ts, electron/ipc-contract.ts). This process never opens the
 * store and never trains; it relays. What can be tested without Electron lives in the modules imported here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  protocol,
  session,
  shell,
  utilityProcess,
  type MessageBoxOptions,
  type WebContents,
} from 'electron';
import type { LabErrorShape, LabInfo, RunSummary } from '../engine/contract/api.js';
import { aboutDetail, type AboutFacts } from './about.js';
import { APP_ENTRY_URL, APP_SCHEME, isAppUrl } from './app-origin.js';
import { APP_SCHEME_PRIVILEGES, serveAppRequest } from './app-protocol.js';
import { EngineHostClient, utilityHostLauncher, utilityWorkerLauncher } from './engine-host-client.js';
import { externalLinkOpener } from './external-links.js';
import { registerMainIpc, sendLabEvent } from './main-ipc.js';
import { menuTemplate } from './menu.js';
import { findElectronSqlite } from './native-sqlite.js';
import { pathDialog, type PathRequest } from './path-grants.js';
import { desktopStorePath, STORE_FILE_NAME } from './store-path.js';
import { appWebPreferences } from './window-options.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/electron
const repoRoot = path.resolve(here, '..', '..');
const rendererDir = path.resolve(here, '..', 'renderer');
const isMac = process.platform === 'darwin';
const developer = !app.isPackaged || process.env.MTLAB_DEVTOOLS === '1';

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

let appWindow: BrowserWindow | null = null;
let quitting = false;
const crashTimes: number[] = [];

// From a checkout, the engine's processes load better-sqlite3 built for Electron (electron/sqlite-redirect.ts); an
// installed app's node_modules are built for Electron already.
const hostEnv: Record<string, string | undefined> = {
  MTLAB_ELECTRON_SQLITE: app.isPackaged
    ? undefined
    : process.env.MTLAB_ELECTRON_SQLITE || (findElectronSqlite(repoRoot, process.versions.electron) ?? undefined),
};

const engine = new EngineHostClient({
  launch: utilityHostLauncher(utilityProcess, path.join(here, 'engine-host.js'), hostEnv),
  // Each training run in a utility process of its own (the RunAsNode fuse is off: nothing runs Electron as Node).
  launchWorker: utilityWorkerLauncher(utilityProcess, path.join(here, 'training-worker.js'), hostEnv),
  onUnexpectedExit: (code, storePath) => void recoverEngine(code, storePath),
});
engine.onEvent((event, payload) => sendLabEvent(appWindow?.webContents ?? null, event, payload));

function errorText(error: unknown): string {
  const shape = error as Partial<LabErrorShape> | null;
  return typeof shape?.message === 'string' ? shape.message : String(error);
}

async function messageBox(options: MessageBoxOptions): Promise<number> {
  const result =
    appWindow !== null && !appWindow.isDestroyed()
      ? await dialog.showMessageBox(appWindow, options)
      : await dialog.showMessageBox(options);
  return result.response;
}

function updateTitle(): void {
  if (appWindow === null || appWindow.isDestroyed()) return;
  const store = engine.storePath;
  appWindow.setTitle(store === null ? 'mtlab' : `mtlab — ${path.basename(store)} (${path.dirname(store)})`);
}

/** Every view reloads what it shows (after the engine restarted). */
function announceStoreChanged(): void {
  for (const what of ['datasets', 'experiments', 'runs'] as const) {
    sendLabEvent(appWindow?.webContents ?? null, 'store:changed', { what });
  }
}

async function runningRuns(): Promise<number> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000));
  const reply = await Promise.race([engine.call('listRuns', { status: ['running'] }), timeout]);
  return reply !== null && reply.ok ? (reply.value as RunSummary[]).length : 0;
}

/** Ask before stopping training runs; true when there are none or the user agrees. */
async function confirmStopRuns(action: string, detail: string): Promise<boolean> {
  const count = engine.state === 'ready' ? await runningRuns() : 0;
  if (count === 0) return true;
  const response = await messageBox({
    type: 'warning',
    message: `${count === 1 ? 'A run is' : `${count} runs are`} training.`,
    detail: `${detail} They are marked interrupted and can be resumed from their last checkpoint.`,
    buttons: [action, 'Cancel'],
    defaultId: 1,
    cancelId: 1,
  });
  return response === 0;
}

/** Start the engine on a store; when it cannot open it, say why and offer another. */
async function startEngine(storePath: string): Promise<void> {
  try {
    await engine.start(storePath);
  } catch (error) {
    await offerAnotherStore(storePath, error);
  }
  updateTitle();
}

async function offerAnotherStore(storePath: string, error: unknown): Promise<void> {
  const response = await messageBox({
    type: 'error',
    message: `mtlab cannot open the experiment store ${storePath}`,
    detail: errorText(error),
    buttons: ['Open Another Store…', 'New Store…', 'Quit'],
    defaultId: 0,
    cancelId: 2,
  });
  if (response === 0) await openStore();
  else if (response === 1) await newStore();
  else app.quit();
}

/** Stop the engine and start it on another store; on failure go back to the one before. */
async function switchStore(storePath: string): Promise<void> {
  const previous = engine.storePath;
  if (previous !== null && path.resolve(previous) === path.resolve(storePath) && engine.state === 'ready') return;
  if (!(await confirmStopRuns('Switch Store', 'Switching stores stops them.'))) return;
  const previousWorked = engine.state === 'ready';
  try {
    await engine.restart(storePath);
  } catch (error) {
    if (previous === null || !previousWorked) {
      await offerAnotherStore(storePath, error);
      return;
    }
    await messageBox({
      type: 'error',
      message: `mtlab cannot open the experiment store ${storePath}`,
      detail: errorText(error),
    });
    await engine.restart(previous).catch(() => {});
  }
  updateTitle();
  appWindow?.webContents.reload();
}

/** Where the store dialogs start: beside the current store (since Electron 43 a dialog without one opens Downloads). */
function storeFolder(): string {
  return path.dirname(path.resolve(engine.storePath ?? STORE_FILE_NAME));
}

async function openStore(): Promise<void> {
  const options: Electron.OpenDialogOptions = {
    title: 'Open an experiment store',
    defaultPath: storeFolder(),
    properties: ['openFile'],
    filters: [
      { name: 'Experiment stores', extensions: ['db', 'sqlite', 'sqlite3'] },
      { name: 'All files', extensions: ['*'] },
    ],
  };
  const result =
    appWindow === null ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(appWindow, options);
  if (!result.canceled && result.filePaths[0] !== undefined) await switchStore(result.filePaths[0]);
  else if (engine.state === 'failed') await offerAnotherStore(engine.storePath ?? '', engine.error);
}

async function newStore(): Promise<void> {
  const options: Electron.SaveDialogOptions = {
    title: 'Create an experiment store',
    defaultPath: path.join(storeFolder(), STORE_FILE_NAME),
    buttonLabel: 'Create',
    filters: [{ name: 'Experiment stores', extensions: ['db'] }],
  };
  const result =
    appWindow === null ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(appWindow, options);
  if (result.canceled || result.filePath === undefined) {
    if (engine.state === 'failed') await offerAnotherStore(engine.storePath ?? '', engine.error);
    return;
  }
  if (existsSync(result.filePath)) {
    // Never overwrite a store: the save dialog's "replace" would otherwise mean losing every run in it.
    await messageBox({
      type: 'info',
      message: `${result.filePath} already exists`,
      detail: 'mtlab never replaces a store. Use Open Experiment Store… to open it, or choose a new name.',
    });
    return;
  }
  await switchStore(result.filePath);
}

function revealStore(): void {
  const store = engine.storePath;
  if (store !== null && existsSync(store)) shell.showItemInFolder(store);
}

async function showAbout(): Promise<void> {
  const reply = await Promise.race([
    engine.call('info', undefined),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000)),
  ]);
  const info: AboutFacts['info'] =
    reply === null
      ? { error: 'the engine did not answer' }
      : reply.ok
        ? (reply.value as LabInfo)
        : { error: reply.error.message };
  await messageBox({
    type: 'info',
    title: 'About mtlab',
    message: 'mtlab',
    detail: aboutDetail({ appVersion: app.getVersion(), versions: process.versions, info }),
    buttons: ['OK'],
  });
}

/** The engine died on its own: start it again, unless it keeps dying. */
async function recoverEngine(code: number, storePath: string): Promise<void> {
  if (quitting) return;
  const now = Date.now();
  crashTimes.push(now);
  while (crashTimes.length > 0 && now - crashTimes[0]! > 60_000) crashTimes.shift();
  if (crashTimes.length > 3) {
    await messageBox({
      type: 'error',
      message: 'The mtlab engine keeps stopping',
      detail: `It stopped ${crashTimes.length} times in a minute (last exit code ${code}). Its output is in the terminal that started mtlab.`,
    });
    return;
  }
  console.error(`mtlab: the engine stopped unexpectedly (exit code ${code}); restarting it`);
  await startEngine(storePath);
  announceStoreChanged();
}

/** Web links go to the browser: the app's own at once, others once the user says yes (electron/external-links.ts). */
const openOutside = externalLinkOpener({
  open: (url) => shell.openExternal(url),
  ask: async (url) =>
    (await messageBox({
      type: 'question',
      message: 'Open this link in your browser?',
      detail: url,
      buttons: ['Open in Browser', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
    })) === 0,
});

/** No navigation away from the app, no new windows, no webviews; web links open in the browser. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    void openOutside(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    void openOutside(url);
    return { action: 'deny' };
  });
}

/** Ask the user to confirm (or choose) a path a lab call names; the path chosen, or null (electron/path-grants.ts). */
async function confirmPath(request: PathRequest): Promise<string | null> {
  const ask = pathDialog(request, existsSync(request.path));
  if (ask.kind === 'save') {
    const result =
      appWindow === null
        ? await dialog.showSaveDialog(ask.options)
        : await dialog.showSaveDialog(appWindow, ask.options);
    return result.canceled || result.filePath === undefined || result.filePath === '' ? null : result.filePath;
  }
  const result =
    appWindow === null ? await dialog.showOpenDialog(ask.options) : await dialog.showOpenDialog(appWindow, ask.options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

function createWindow(): BrowserWindow {
  const icon = path.join(repoRoot, 'build', 'icons', '512x512.png');
  const created = new BrowserWindow({
    width: 1360,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'mtlab',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#ffffff',
    ...(!app.isPackaged && !isMac && existsSync(icon) ? { icon } : {}),
    webPreferences: appWebPreferences(path.join(here, 'preload.cjs'), developer),
  });
  created.once('ready-to-show', () => created.show());
  // The window's title names the store; the page's own title would hide it.
  created.on('page-title-updated', (event) => event.preventDefault());
  created.on('closed', () => {
    if (appWindow === created) appWindow = null;
  });
  void created.loadURL(APP_ENTRY_URL);
  appWindow = created;
  updateTitle();
  return created;
}

app.on('web-contents-created', (_event, contents) => lockDown(contents));

app.on('before-quit', (event) => {
  if (quitting) return;
  event.preventDefault();
  void (async () => {
    if (!(await confirmStopRuns('Quit', 'Quitting stops them.'))) {
      // Closing the last window asked to quit: staying means showing a window again.
      if (appWindow === null) createWindow();
      return;
    }
    quitting = true;
    await engine.stop();
    app.quit();
  })();
});

app.on('window-all-closed', () => {
  // On macOS the app (and its training) stays until Cmd+Q; elsewhere closing the window quits.
  if (!isMac) app.quit();
});

app.on('activate', () => {
  if (appWindow === null && app.isReady()) createWindow();
});

app
  .whenReady()
  .then(async () => {
    const appSession = session.defaultSession;
    appSession.protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, rendererDir));
    // The app asks for nothing but writing to the clipboard ("copy config").
    appSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
      callback(permission === 'clipboard-sanitized-write' && isAppUrl(details.requestingUrl)),
    );
    appSession.setPermissionCheckHandler(
      (_contents, permission, origin) => permission === 'clipboard-sanitized-write' && isAppUrl(origin),
    );

    registerMainIpc({
      ipcMain,
      lab: engine,
      appWebContentsId: () => (appWindow === null || appWindow.isDestroyed() ? null : appWindow.webContents.id),
      desktop: { confirmPath },
    });

    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate(
          {
            openStore: () => void openStore(),
            newStore: () => void newStore(),
            revealStore,
            about: () => void showAbout(),
          },
          { isMac, developer },
        ),
      ),
    );

    const storePath = desktopStorePath({
      argv: process.argv.slice(1),
      env: process.env,
      isPackaged: app.isPackaged,
      userDataDir: app.getPath('userData'),
      cwd: process.cwd(),
    });
    // The window loads while the engine opens the store: calls made meanwhile wait for it.
    createWindow();
    await startEngine(storePath);
  })
  .catch((error: unknown) => {
    dialog.showErrorBox(
      'mtlab could not start',
      error instanceof Error ? (error.stack ?? error.message) : String(error),
    );
    app.exit(1);
  });
