/**
 * A small pool of long-lived service workers: the lab's translations, imports, dataset generation and model
 * exports run there as jobs (request id, method, argument → result or a LabError's shape), never on the host's
 * event loop, so a server keeps answering while a beam search or a 20 MB import runs, and a job that crashes or
 * runs out of memory takes down only its worker.
 *
 * - At most `size` jobs run at once, one per worker; more wait in order (at most `maxQueued`, then refused).
 * - Each job has a time limit; past it the worker is killed and the job fails with a clear error.
 * - A worker that dies mid-job (a crash, the OOM killer, a kill) fails that job with an error saying so; the next
 *   job starts a fresh worker. The host stays up.
 * - A translation goes to the worker that last translated with that run when it is free (its model is cached there).
 *
 * Each worker opens the store with its own connection (WAL, busy_timeout, retried writes) and writes what its job
 * stores itself (an import's dataset, an export's record), in one transaction, as the in-process path does: sending
 * the rows back would put the big write on the host's event loop again. A killed import leaves nothing behind.
 */
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { LabError } from '../errors.js';
import type {
  ServiceCalls,
  ServiceFailure,
  ServiceHostMessage,
  ServiceMethod,
  ServiceWorkerMessage,
} from './service-messages.js';

/** Starts a service worker process (Node's fork by default; tests and Electron may supply their own). */
export type ServiceSpawner = () => ChildProcess;

const SERVICE_SCRIPT = fileURLToPath(new URL('./service-worker.js', import.meta.url));

export const defaultServiceSpawner: ServiceSpawner = () =>
  fork(SERVICE_SCRIPT, [], {
    // In Electron's utility process `process.execPath` is Electron itself: run it as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    execArgv: ['--enable-source-maps'],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    // Structured clone: results arrive exactly as the in-process call returns them (-Infinity stays -Infinity).
    serialization: 'advanced',
  });

/** The time limit of one job, by method: an import of a few hundred MB takes minutes, a translation less. */
export const DEFAULT_JOB_MS: Readonly<Record<ServiceMethod, number>> = {
  translate: 5 * 60_000,
  importDataset: 30 * 60_000,
  generateDataset: 10 * 60_000,
  exportModel: 10 * 60_000,
};

/** The time limits of jobs: `MTLAB_SERVICE_JOB_MS` (milliseconds, for every method) when set, else the defaults. */
export function serviceJobMs(env: NodeJS.ProcessEnv = process.env): Record<ServiceMethod, number> {
  const raw = env.MTLAB_SERVICE_JOB_MS;
  const value = raw === undefined || raw === '' ? NaN : Number(raw);
  if (!(Number.isFinite(value) && value > 0)) return { ...DEFAULT_JOB_MS };
  return { translate: value, importDataset: value, generateDataset: value, exportModel: value };
}

export interface ServicePoolOptions {
  storePath: string;
  /** How many jobs run at once, each in its own worker (default 2). */
  size?: number;
  /** How many jobs may wait for a worker before more are refused (default 64). */
  maxQueued?: number;
  /** Time limits of one job, in milliseconds, by method (the others keep `serviceJobMs()`). */
  jobMs?: Partial<Record<ServiceMethod, number>>;
  spawn?: ServiceSpawner;
}

const WHAT: Record<ServiceMethod, string> = {
  translate: 'the translation',
  importDataset: 'the import',
  generateDataset: 'the dataset generation',
  exportModel: 'the export',
};

/** What a stopped job left behind. */
const LEFT: Record<ServiceMethod, string> = {
  translate: '',
  importDataset: '; nothing of it was stored',
  generateDataset: '; nothing of it was stored',
  exportModel:
    '; a folder it left half-written has no model.json (mtlab-onnx.json for ONNX), so it is never loaded as a model',
};

interface Job {
  id: number;
  method: ServiceMethod;
  argument: unknown;
  /** Where its cached state lives ("run:3"): it prefers the worker that has it. */
  affinity: string | null;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | null;
}

interface Worker {
  child: ChildProcess;
  job: Job | null;
  /** Affinities of the jobs it ran (its cached models). */
  warm: Set<string>;
  stderr: string;
  retired: boolean;
  exited: Promise<void>;
}

export class ServicePool {
  private readonly options: Required<Omit<ServicePoolOptions, 'jobMs'>>;
  private readonly jobMs: Record<ServiceMethod, number>;
  private readonly workers: Worker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closing = false;
  /** Workers started so far (tests: a refused request starts none). */
  started = 0;

  constructor(options: ServicePoolOptions) {
    this.options = {
      size: 2,
      maxQueued: 64,
      spawn: defaultServiceSpawner,
      ...options,
    };
    this.jobMs = { ...serviceJobMs(), ...options.jobMs };
    if (!Number.isInteger(this.options.size) || this.options.size < 1) {
      throw new LabError('invalid-request', `a service pool needs at least one worker, got ${this.options.size}`);
    }
  }

  /** The process ids of the live workers, and of the one running each method (diagnostics, fault tests). */
  get pids(): { pid: number; method: ServiceMethod | null }[] {
    return this.workers
      .filter((w) => !w.retired && w.child.pid !== undefined)
      .map((w) => ({ pid: w.child.pid!, method: w.job?.method ?? null }));
  }

  /** Jobs running now and waiting. */
  get load(): { running: number; waiting: number } {
    return { running: this.workers.filter((w) => w.job !== null).length, waiting: this.queue.length };
  }

  /** Run `method(argument)` in a worker; resolves with its result, rejects with its LabError. */
  call<M extends ServiceMethod>(
    method: M,
    argument: ServiceCalls[M]['argument'],
    affinity: string | null = null,
  ): Promise<ServiceCalls[M]['result']> {
    if (this.closing) return Promise.reject(new LabError('conflict', 'the lab is closing'));
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(
        new LabError(
          'conflict',
          `the lab is busy: ${this.queue.length} translations, imports and exports are waiting already; ` +
            'try again when they finish',
          { waiting: this.queue.length },
        ),
      );
    }
    return new Promise<ServiceCalls[M]['result']>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        method,
        argument,
        affinity,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: null,
      });
      this.dispatch();
    });
  }

  /** Tell every worker a run is gone (its cached model is dropped). */
  forget(runId: number): void {
    for (const w of this.workers) {
      w.warm.delete(`run:${runId}`);
      this.send(w, { type: 'forget', runId });
    }
  }

  private send(worker: Worker, message: ServiceHostMessage): void {
    if (worker.retired || !worker.child.connected) return;
    try {
      worker.child.send(message);
    } catch {
      // The worker is going; its exit fails its job.
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closing) {
      const job = this.queue[0]!;
      const idle = this.workers.filter((w) => w.job === null && !w.retired);
      // The worker that has the job's model cached, else any free one, else a new one while there is room.
      const worker =
        (job.affinity === null ? undefined : idle.find((w) => w.warm.has(job.affinity!))) ??
        idle[0] ??
        (this.canGrow() ? this.spawn() : undefined);
      if (worker === undefined) return;
      this.queue.shift();
      this.begin(worker, job);
    }
  }

  private canGrow(): boolean {
    return this.workers.filter((w) => !w.retired).length < this.options.size;
  }

  private spawn(): Worker {
    const child = this.options.spawn();
    this.started += 1;
    let markExited!: () => void;
    const worker: Worker = {
      child,
      job: null,
      warm: new Set(),
      stderr: '',
      retired: false,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
    };
    this.workers.push(worker);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      worker.stderr = (worker.stderr + chunk).slice(-4000);
      process.stderr.write(chunk);
    });
    child.on('message', (message: ServiceWorkerMessage) => this.onMessage(worker, message));
    child.on('error', (error) => {
      worker.stderr += `\n${error.message}`;
      // A worker that could not start, or whose channel broke: fail its job now (its exit, if any, finds none).
      this.retire(worker, `could not run (${error.message})`);
    });
    child.on('exit', (code, signal) => {
      this.retire(worker, signal !== null ? `was killed (${signal})` : `exited with code ${code}`);
      markExited();
    });
    const threads = Math.max(1, Math.floor(os.availableParallelism() / this.options.size));
    this.send(worker, { type: 'init', storePath: this.options.storePath, threads });
    this.idle(worker);
    return worker;
  }

  /** An idle worker does not keep the host alive (a CLI or a test may end with the pool open). */
  private idle(worker: Worker): void {
    worker.child.unref();
    (worker.child.channel as { unref?: () => void } | null | undefined)?.unref?.();
    (worker.child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  private busy(worker: Worker): void {
    worker.child.ref();
    (worker.child.channel as { ref?: () => void } | null | undefined)?.ref?.();
    (worker.child.stderr as { ref?: () => void } | null)?.ref?.();
  }

  private begin(worker: Worker, job: Job): void {
    worker.job = job;
    this.busy(worker);
    const limitMs = this.jobMs[job.method];
    job.timer = setTimeout(() => {
      if (worker.job !== job) return;
      worker.job = null;
      job.reject(
        new LabError(
          'internal',
          `${WHAT[job.method]} took longer than ${formatMs(limitMs)}, the limit of one job ` +
            `(MTLAB_SERVICE_JOB_MS); it was stopped${LEFT[job.method]}`,
          { method: job.method, limitMs },
        ),
      );
      this.retire(worker, 'was stopped');
      worker.child.kill('SIGKILL');
    }, limitMs);
    this.send(worker, { type: 'job', id: job.id, method: job.method, argument: job.argument } as ServiceHostMessage);
  }

  private onMessage(worker: Worker, message: ServiceWorkerMessage): void {
    const job = worker.job;
    if (job === null || message.id !== job.id) return;
    if (job.timer !== null) clearTimeout(job.timer);
    worker.job = null;
    if (job.affinity !== null) worker.warm.add(job.affinity);
    if (message.type === 'result') job.resolve(message.value);
    else job.reject(fromFailure(message.error));
    this.idle(worker);
    this.dispatch();
  }

  /** A worker is gone or going: fail its job, forget it, and start the waiting jobs elsewhere. */
  private retire(worker: Worker, how: string): void {
    if (!worker.retired) {
      worker.retired = true;
      const index = this.workers.indexOf(worker);
      if (index >= 0) this.workers.splice(index, 1);
    }
    const job = worker.job;
    worker.job = null;
    if (job !== null) {
      if (job.timer !== null) clearTimeout(job.timer);
      const tail = worker.stderr.trim().split('\n').slice(-3).join(' | ');
      const outOfMemory = /out of memory|Cannot allocate|memory access out of bounds/i.test(worker.stderr);
      job.reject(
        new LabError(
          outOfMemory ? 'out-of-memory' : 'internal',
          `the worker process running ${WHAT[job.method]} ${how}${outOfMemory ? ' after running out of memory' : ''}` +
            `${LEFT[job.method]}; the lab goes on (the next request starts a new worker)` +
            (tail ? `: ${tail}` : ''),
          { method: job.method },
        ),
      );
    }
    if (!this.closing) this.dispatch();
  }

  /** Refuse waiting jobs, stop running ones (nothing of them is stored), and wait for every worker to exit. */
  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) job.reject(new LabError('conflict', 'the lab is closing'));
    const workers = [...this.workers];
    for (const w of workers) {
      // Held until it has exited: the caller waits for that.
      this.busy(w);
      if (w.job !== null) {
        const job = w.job;
        w.job = null;
        if (job.timer !== null) clearTimeout(job.timer);
        job.reject(new LabError('conflict', `the lab closed while ${WHAT[job.method]} ran${LEFT[job.method]}`));
        w.child.kill('SIGKILL');
      } else if (w.child.connected) w.child.disconnect();
      else w.child.kill('SIGKILL');
    }
    await Promise.all(workers.map((w) => w.exited));
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** A worker's failure as the error the in-process call would have thrown. */
function fromFailure(failure: ServiceFailure): Error {
  if (failure.code === 'internal' && failure.stack !== undefined) {
    const error = new Error(failure.message);
    error.stack = failure.stack;
    return error;
  }
  return new LabError(failure.code, failure.message, failure.detail);
}
