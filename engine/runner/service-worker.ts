/**
 * A service worker: a long-lived child process that runs the lab's heavy one-off calls (translate, import,
 * generate, export) as jobs, one at a time, for a host that must keep answering meanwhile (engine/runner/
 * service-pool.ts). It opens the store with its own connection; translation models stay loaded between jobs.
 * When the host goes away, it exits.
 */
import { setAddonThreads } from '../backend/addon.js';
import { toErrorShape } from '../errors.js';
import { writeRetryMs } from '../store/locks.js';
import { Store } from '../store/store.js';
import { ModelCache, runServiceJob } from './service-jobs.js';
import type { ServiceFailure, ServiceHostMessage, ServiceWorkerMessage } from './service-messages.js';

let store: Store | null = null;
let storePath = '';
const models = new ModelCache();
/** Jobs run one after another, in the order they came. */
let chain: Promise<void> = Promise.resolve();

function send(message: ServiceWorkerMessage): void {
  process.send?.(message);
}

function openStore(): Store {
  if (store === null) {
    // Imports hold the write lock for a while, and so may training workers: our writes wait them out. Runs left
    // running are the queue owner's business, not ours (recover: false).
    store = Store.open(storePath, { recover: false, retryWritesMs: writeRetryMs() });
  }
  return store;
}

function failure(error: unknown): ServiceFailure {
  const shape = toErrorShape(error);
  return shape.code === 'internal' && error instanceof Error && error.stack !== undefined
    ? { ...shape, stack: error.stack }
    : shape;
}

process.on('disconnect', () => {
  models.clear();
  store?.close();
  process.exit(0);
});

process.on('message', (message: ServiceHostMessage) => {
  switch (message.type) {
    case 'init':
      storePath = message.storePath;
      // MTLAB_NATIVE_THREADS, when set, wins over the host's share of the cores.
      if (!process.env.MTLAB_NATIVE_THREADS) setAddonThreads(message.threads);
      return;
    case 'forget':
      models.forget(message.runId);
      return;
    case 'job':
      chain = chain.then(async () => {
        try {
          const value = await runServiceJob(openStore(), models, message.method, message.argument);
          send({ type: 'result', id: message.id, value });
        } catch (error) {
          send({ type: 'error', id: message.id, error: failure(error) });
        }
      });
      return;
  }
});
