/**
 * A training worker: one child process per run, so training never blocks the host's event loop (CLI, web server,
 * Electron). The host sends `start`, then possibly `cancel`; the worker reports progress, validations and the end.
 * If the host goes away, the worker exits at once and leaves the run `running`; the next process to open the
 * store finds its process gone and marks it `interrupted`, resumable from its last checkpoint.
 */
import { defaultAddonThreads } from '../backend/addon.js';
import { LabError } from '../errors.js';
import { writeRetryMs } from '../store/locks.js';
import { Store } from '../store/store.js';
import { Trainer } from '../train/trainer.js';
import type { HostMessage, WorkerMessage } from './messages.js';

function send(message: WorkerMessage): void {
  process.send?.(message);
}

let cancelled = false;
let lastFlagCheck = 0;

async function train(storePath: string, runId: number): Promise<void> {
  // Another process's long write (an import) must not fail the run: our writes wait it out.
  const store = Store.open(storePath, { recover: false, retryWritesMs: writeRetryMs() });
  try {
    const resumedFrom = store.loadCheckpoint(runId, 'last')?.step ?? 0;
    const trainer = await Trainer.open(store, runId, { resume: resumedFrom > 0, pid: process.pid });
    const run = store.getRun(runId);
    send({
      type: 'started',
      runId,
      backend: run.summary.backend ?? '',
      parameters: trainer.parameterCount,
      totalSteps: run.summary.progress.totalSteps,
      resumedFrom,
    });
    try {
      const outcome = await trainer.run({
        onProgress: (report) => send({ type: 'progress', runId, ...report }),
        onValidation: (step, metrics) => send({ type: 'validation', runId, step, metrics }),
        shouldStop: () => {
          // A cancel may come from this worker's host (a message) or from any process (a flag in the store).
          if (!cancelled && Date.now() - lastFlagCheck > 1000) {
            lastFlagCheck = Date.now();
            cancelled = store.cancelRequested(runId);
          }
          return cancelled;
        },
      });
      const status = outcome.status === 'finished' ? 'finished' : 'cancelled';
      store.endRunIfRunning(runId, status);
      send({ type: 'done', runId, status, step: outcome.step });
    } finally {
      trainer.dispose();
    }
  } catch (error) {
    const message =
      error instanceof LabError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    try {
      store.endRunIfRunning(runId, 'failed', message);
    } catch {
      // The host records the failure from our exit if the store cannot.
    }
    send({ type: 'failed', runId, error: message });
    process.exitCode = 1;
  } finally {
    store.close();
  }
}

// The host is gone: stop now, leaving the run for the next process to find interrupted.
const hostGone = (): never => process.exit(1);
process.on('disconnect', hostGone);
process.on('message', (message: HostMessage) => {
  if (message.type === 'cancel') cancelled = true;
  else if (message.type === 'start') {
    // MTLAB_ADDON_THREADS, when set, wins over the host's share of the cores.
    defaultAddonThreads(message.threads);
    void train(message.storePath, message.runId).finally(() => {
      process.off('disconnect', hostGone);
      process.disconnect?.();
    });
  }
});
