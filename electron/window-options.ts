/**
 * The app window's web preferences: the renderer is a web page with no Node.js, isolated from its preload, in
 * Chromium's sandbox; the only way out is the preload's `window.lab` and `window.desktop`.
 */
import type { WebPreferences } from 'electron';

export function appWebPreferences(preload: string, developer: boolean): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: developer,
  };
}
