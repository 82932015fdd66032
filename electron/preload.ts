/**
 * The preload of the app's window (sandboxed, context-isolated): `window.lab`, the LabApi over IPC, and nothing
 * else. Bundled into one CommonJS file that requires nothing but electron (scripts/build.mjs).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { installPreload } from './preload-bridge.js';

installPreload({ contextBridge, ipcRenderer });
