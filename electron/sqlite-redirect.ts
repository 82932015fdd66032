/**
 * Loads an Electron build of better-sqlite3 in the desktop app's processes when run from a checkout.
 *
 * A checkout's node_modules/better-sqlite3 is built for Node (the CLI and the tests use it), and a native module built
 * for Node does not load in Electron. `npm start` builds better-sqlite3 for Electron once, into .cache/
 * (build/electron-native.mjs), and the main process names that file in `MTLAB_ELECTRON_SQLITE`. This module, imported
 * first by the engine host and by each training worker (electron/training-worker.ts), makes that process load that
 * file instead; it also puts itself into `NODE_OPTIONS`, for any Node process started from there. A packaged app has its node_modules rebuilt for
 * Electron by electron-builder and does not set the variable.
 */
import path from 'node:path';

export interface ProcessLike {
  dlopen(module: object, filename: string, ...flags: number[]): void;
  env: Record<string, string | undefined>;
}

export const REPLACED_ADDON = 'better_sqlite3.node';

/** Make `proc` load `replacement` whenever better-sqlite3 loads its addon, here and in processes started from here. */
export function installSqliteRedirect(proc: ProcessLike, replacement: string, selfUrl: string): void {
  const load = proc.dlopen.bind(proc);
  proc.dlopen = (module, filename, ...flags) =>
    load(module, path.basename(filename) === REPLACED_ADDON ? replacement : filename, ...flags);
  const preload = `--import=${selfUrl}`;
  const options = proc.env.NODE_OPTIONS ?? '';
  if (!options.split(/\s+/).includes(preload)) proc.env.NODE_OPTIONS = `${options} ${preload}`.trim();
}

const replacement = process.env.MTLAB_ELECTRON_SQLITE;
if (replacement !== undefined && replacement !== '' && process.versions.electron !== undefined) {
  installSqliteRedirect(process, replacement, import.meta.url);
}
