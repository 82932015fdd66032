/**
 * A training worker in the desktop app: an Electron utility process (started by the main process when the engine
 * host asks, electron/engine-host-client.ts) that runs the engine's worker (engine/runner/worker.ts). That worker
 * talks Node's IPC (`process.send`, `process.on('message')`, `process.disconnect`); here those are served by the
 * utility process's `parentPort`, so the engine needs no Electron of its own and the app needs no RunAsNode fuse.
 */
import './sqlite-redirect.js';
import { installParentPortIpc } from './worker-ipc.js';

// The worker first, so that its message listener is there when the port starts delivering (the port holds
// messages until it has a listener of its own).
await import('../engine/runner/worker.js');
installParentPortIpc(process, process.parentPort);
