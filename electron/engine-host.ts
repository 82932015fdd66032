/**
 * The engine host: an Electron utility process that opens the lab on one experiment store and serves it to the main
 * process (electron/lab-host.ts). Training runs in worker processes, utility processes of their own that the main
 * process starts when this one asks (electron/training-worker.ts), so neither the main process nor this one's event
 * loop ever trains.
 *
 *   utilityProcess.fork('dist/electron/engine-host.js', ['--db', STORE])
 */
import './sqlite-redirect.js';
import { openFailure, relayedWorkerSpawner, serveFailure, serveLab, type HostPort } from './lab-host.js';

function storePathArgument(argv: readonly string[]): string | undefined {
  const flag = argv.indexOf('--db');
  if (flag >= 0 && flag + 1 < argv.length) return argv[flag + 1];
  return argv.find((a) => a.startsWith('--db='))?.slice('--db='.length);
}

const port: HostPort = process.parentPort;
const exit = (code: number): void => process.exit(code);
const storePath = storePathArgument(process.argv) ?? process.env.MTLAB_DB ?? 'experiments.db';

try {
  // Loaded only now, after sqlite-redirect has run: the engine's modules load better-sqlite3.
  const { Lab } = await import('../engine/lab.js');
  // The app owns the store's run queue: it starts queued runs (only one process does; see RunQueue). Training
  // workers are utility processes that the main process starts and relays (electron/lab-host.ts).
  // Translate, import and export run in this process (services: 0), not in service workers: those are forked as
  // plain Node, which the app no longer allows (RunAsNode fuse off), and the relay starts training workers only.
  // This process is not the window's, so a long import delays other lab calls but never the UI.
  const lab = Lab.open(storePath, { startQueue: true, services: 0, spawnWorker: relayedWorkerSpawner(port) });
  serveLab(lab, port, exit);
  port.postMessage({ type: 'ready', storePath: lab.store.path });
} catch (error) {
  serveFailure(openFailure(error, storePath), port, exit);
}
