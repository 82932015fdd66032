/**
 * The run queue: runs wait in the store as `queued`; the queue starts up to `concurrency` of them, each in its own
 * worker process, relays what the workers report as lab events, and records how each run ended, including the
 * ends a worker cannot report itself (a crash, a kill).
 *
 * Only the queue that owns the store's queue (a server or the app: `owner: true`, and holding the queue's lease)
 * starts queued runs on its own; any queue trains the runs it is asked to (`trainHere`: `mtlab train`). A queue
 * renews the lease of every run it trains every few seconds; the owner also interrupts runs whose owner stopped
 * renewing theirs, and hands cancel requests from other processes to its workers.
 */
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LabEventArgs, RunStatus } from '../contract/api.js';
import { LabError } from '../errors.js';
import { leaseMs, newOwner, type ProcessOwner, type Store } from '../store/store.js';
import type { HostMessage, WorkerMessage } from './messages.js';

export type Emit = (...event: LabEventArgs) => void;

/** Starts a worker process (Node's fork by default; tests and Electron may supply their own). */
export type WorkerSpawner = () => ChildProcess;

const WORKER_SCRIPT = fileURLToPath(new URL('./worker.js', import.meta.url));

export const defaultSpawner: WorkerSpawner = () =>
  fork(WORKER_SCRIPT, [], {
    // In Electron's utility process `process.execPath` is Electron itself: run it as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    execArgv: ['--enable-source-maps'],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'json',
  });

export interface RunQueueOptions {
  concurrency: number;
  spawn?: WorkerSpawner;
  /** How often to look for runs queued by other processes sharing the store. */
  pollMs?: number;
  /** Minimum time between two progress events of one run. */
  progressIntervalMs?: number;
  /** How long a cancelled run may take to stop before its worker is killed. */
  cancelGraceMs?: number;
  /** Start queued runs on its own (a server, the app); other queues train only what they are asked to. */
  owner?: boolean;
  /** How long a lease lasts without renewal (default `MTLAB_RUN_LEASE_MS`, else 30 s); renewed every fifth of it. */
  leaseMs?: number;
}

interface Active {
  runId: number;
  child: ChildProcess;
  cancelRequested: boolean;
  ended: boolean;
  stderr: string;
  lastProgress: number;
  pendingProgress: Extract<WorkerMessage, { type: 'progress' }> | null;
  progressTimer: NodeJS.Timeout | null;
  exited: Promise<void>;
}

export class RunQueue {
  private readonly active = new Map<number, Active>();
  private readonly options: Required<RunQueueOptions>;
  private pollTimer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  /** Set as soon as close() begins: nothing starts after that. */
  private closing = false;
  private closed = false;
  /** Runs this process was asked to train, waiting for a free slot (held in the store meanwhile). */
  private readonly pending: number[] = [];
  readonly owner: ProcessOwner = newOwner();
  private ownsQueue = false;
  private readonly waiters = new Map<number, ((status: string) => void)[]>();

  constructor(
    private readonly store: Store,
    private readonly emit: Emit,
    options: RunQueueOptions,
  ) {
    this.options = {
      spawn: defaultSpawner,
      pollMs: 2000,
      progressIntervalMs: 250,
      cancelGraceMs: 15_000,
      owner: false,
      leaseMs: leaseMs(),
      ...options,
    };
  }

  private get renewMs(): number {
    return Math.max(20, Math.floor(this.options.leaseMs / 5));
  }

  /**
   * Start working: renew the leases of the runs this queue trains; an owner also picks up queued runs now and
   * whenever a slot frees or another process queues one, and interrupts runs whose owner is gone.
   */
  start(): void {
    if (this.leaseTimer !== null || this.closing) return;
    this.leaseTimer = setInterval(() => this.tick(), this.renewMs);
    this.leaseTimer.unref();
    if (this.options.owner) {
      this.tick();
      this.pollTimer = setInterval(() => this.pump(), this.options.pollMs);
      this.pollTimer.unref();
    }
  }

  get running(): number[] {
    return [...this.active.keys()];
  }

  /** Whether this queue holds the store's queue now (starts queued runs). */
  get isQueueOwner(): boolean {
    return this.ownsQueue;
  }

  /** Renew leases; as the owner, interrupt runs whose owner is gone, then fill free slots. */
  private tick(): void {
    if (this.closing) return;
    try {
      const { lost, cancelRequested } = this.store.renewRunLeases(this.owner, this.running, this.options.leaseMs);
      for (const runId of lost) {
        // Another process found our lease expired (this process stalled) and interrupted the run: stop its worker
        // without recording anything over what it recorded.
        const entry = this.active.get(runId);
        if (entry === undefined) continue;
        entry.ended = true;
        entry.child.kill('SIGKILL');
      }
      for (const runId of cancelRequested) {
        const entry = this.active.get(runId);
        if (entry !== undefined && !entry.cancelRequested) this.cancelActive(entry);
      }
      if (this.options.owner) {
        this.ownsQueue = this.store.acquireQueue(this.owner, this.options.leaseMs);
        if (this.ownsQueue) {
          for (const runId of this.store.recoverInterruptedRuns()) {
            const error = this.store.getRun(runId).summary.error;
            this.finish(runId, 'interrupted', error);
          }
        }
      }
    } catch (error) {
      // A store locked for longer than busy_timeout: try again at the next tick (leases last five ticks).
      process.stderr.write(`mtlab: could not renew leases in ${this.store.path}: ${(error as Error).message}\n`);
    }
    this.pump();
  }

  /**
   * Train these queued runs in this process (they are held meanwhile, so no other queue starts them). Runs past the
   * free slots wait their turn here. A run that is not queued is refused.
   */
  trainHere(runIds: readonly number[]): void {
    if (this.closing) throw new LabError('conflict', 'the lab is closing');
    for (const runId of runIds) {
      if (this.active.has(runId) || this.pending.includes(runId)) continue;
      const status = this.store.runStatus(runId);
      if (status !== 'queued') {
        throw new LabError('conflict', `run ${runId} is ${status}; only a queued run can start (resume an ended one)`);
      }
    }
    const fresh = runIds.filter((id) => !this.active.has(id) && !this.pending.includes(id));
    this.store.setHold(fresh, true);
    this.pending.push(...fresh);
    this.start();
    this.pump();
  }

  /** Fill the free slots: first with the runs this process was asked to train, then (the owner) the oldest queued. */
  pump(): void {
    if (this.closing) return;
    while (this.active.size < this.options.concurrency && this.pending.length > 0) {
      const runId = this.pending.shift()!;
      if (this.store.claimRun(runId, this.owner, this.options.leaseMs)) this.launch(runId);
      else {
        // Started or cancelled elsewhere meanwhile.
        const status = this.store.runStatus(runId);
        if (status !== 'running') this.finish(runId, status as Exclude<typeof status, 'queued' | 'running'>, null);
      }
    }
    if (!this.ownsQueue) return;
    const free = this.options.concurrency - this.active.size;
    if (free <= 0) return;
    for (const runId of this.store.queuedRunIds(free + this.active.size)) {
      if (this.active.size >= this.options.concurrency) break;
      if (this.active.has(runId)) continue;
      if (!this.store.claimRun(runId, this.owner, this.options.leaseMs)) continue;
      this.launch(runId);
    }
  }

  private launch(runId: number): void {
    const child = this.options.spawn();
    let markExited!: () => void;
    const entry: Active = {
      runId,
      child,
      cancelRequested: false,
      ended: false,
      stderr: '',
      lastProgress: 0,
      pendingProgress: null,
      progressTimer: null,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
    };
    this.active.set(runId, entry);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      entry.stderr = (entry.stderr + chunk).slice(-4000);
      process.stderr.write(chunk);
    });
    child.on('message', (message: WorkerMessage) => this.onMessage(entry, message));
    child.on('error', (error) => {
      entry.stderr += `\n${error.message}`;
    });
    child.on('exit', (code, signal) => {
      this.onExit(entry, code, signal);
      markExited();
    });
    const threads = Math.max(1, Math.floor(os.availableParallelism() / this.options.concurrency));
    const start: HostMessage = { type: 'start', storePath: this.store.path, runId, threads };
    child.send(start);
    this.emit('run:status', { runId, status: 'running', error: null });
    this.emit('store:changed', { what: 'runs' });
  }

  private flushProgress(entry: Active): void {
    if (entry.progressTimer !== null) clearTimeout(entry.progressTimer);
    entry.progressTimer = null;
    const p = entry.pendingProgress;
    if (p === null) return;
    entry.pendingProgress = null;
    entry.lastProgress = Date.now();
    this.emit('run:progress', {
      runId: p.runId,
      step: p.step,
      totalSteps: p.totalSteps,
      epoch: p.epoch,
      loss: p.loss,
      learningRate: p.learningRate,
      tokensPerSecond: p.tokensPerSecond,
      etaSeconds: p.etaSeconds,
    });
  }

  private onMessage(entry: Active, message: WorkerMessage): void {
    switch (message.type) {
      case 'progress': {
        // Throttled: at most one event per interval per run, and never a stale one left behind.
        entry.pendingProgress = message;
        const wait = this.options.progressIntervalMs - (Date.now() - entry.lastProgress);
        if (wait <= 0) this.flushProgress(entry);
        else entry.progressTimer ??= setTimeout(() => this.flushProgress(entry), wait);
        return;
      }
      case 'validation':
        this.flushProgress(entry);
        this.emit('run:validation', {
          runId: message.runId,
          step: message.step,
          metrics: message.metrics,
          // The worker wrote the validation's metrics before reporting it: the store's best includes them.
          bestBleu: this.store.bestBleu(message.runId),
        });
        return;
      case 'started':
        this.emit('store:changed', { what: 'runs' });
        return;
      case 'done':
        this.flushProgress(entry);
        entry.ended = true;
        this.finish(entry.runId, message.status, null);
        return;
      case 'failed':
        this.flushProgress(entry);
        entry.ended = true;
        this.finish(entry.runId, 'failed', message.error);
        return;
    }
  }

  private onExit(entry: Active, code: number | null, signal: NodeJS.Signals | null): void {
    this.flushProgress(entry);
    this.active.delete(entry.runId);
    if (!entry.ended) {
      if (entry.cancelRequested) {
        this.store.setRunStatus(entry.runId, 'cancelled');
        this.finish(entry.runId, 'cancelled', null);
      } else if (signal !== null) {
        // Killed from outside (SIGKILL, OOM killer): resumable from the last checkpoint.
        const error = `the training process was killed (${signal}); resume the run to continue from its last checkpoint`;
        this.store.setRunStatus(entry.runId, 'interrupted', error);
        this.finish(entry.runId, 'interrupted', error);
      } else {
        const tail = entry.stderr.trim().split('\n').slice(-3).join(' | ');
        const error = `the training process exited with code ${code}${tail ? `: ${tail}` : ''}`;
        this.store.setRunStatus(entry.runId, 'failed', error);
        this.finish(entry.runId, 'failed', error);
      }
    }
    this.pump();
  }

  private finish(runId: number, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null): void {
    this.emit('run:status', { runId, status, error });
    this.emit('store:changed', { what: 'runs' });
    for (const resolve of this.waiters.get(runId) ?? []) resolve(status);
    this.waiters.delete(runId);
    if (this.waiters.size === 0) this.leaseTimer?.unref();
  }

  /** Resolves with the run's final status once it stops (immediately if it is not queued or running). */
  waitFor(runId: number): Promise<string> {
    const status = this.store.runStatus(runId);
    if (status !== 'queued' && status !== 'running') return Promise.resolve(status);
    // Someone waits for a run that may still have to be picked up: keep looking for it meanwhile.
    this.leaseTimer?.ref();
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /**
   * Cancel a queued or running run. A running one stops at its next step, or is killed after a grace period; one
   * trained by another process is asked to stop through the store (its owner polls for that). Returns where the
   * run is trained: 'here', 'elsewhere' (asked to stop), or 'queued' (cancelled before it started).
   */
  cancel(runId: number): 'here' | 'elsewhere' | 'queued' {
    const entry = this.active.get(runId);
    if (entry === undefined) {
      const waiting = this.pending.indexOf(runId);
      if (waiting >= 0) this.pending.splice(waiting, 1);
      const status = this.store.runStatus(runId);
      if (status === 'queued') {
        this.store.setRunStatus(runId, 'cancelled');
        this.finish(runId, 'cancelled', null);
        return 'queued';
      }
      if (status === 'running') {
        // Its owner may be gone: then it is interrupted now, not waited for.
        if (this.store.recoverInterruptedRuns().includes(runId)) {
          throw new LabError(
            'conflict',
            `run ${runId} was no longer being trained (its process is gone); it is now interrupted`,
          );
        }
        this.store.requestCancel(runId);
        return 'elsewhere';
      }
      throw new LabError('conflict', `run ${runId} is ${status}, not queued or running`);
    }
    this.cancelActive(entry);
    return 'here';
  }

  private cancelActive(entry: Active): void {
    entry.cancelRequested = true;
    this.store.requestCancel(entry.runId);
    const message: HostMessage = { type: 'cancel' };
    if (entry.child.connected) entry.child.send(message);
    const timer = setTimeout(() => {
      if (this.active.has(entry.runId)) entry.child.kill('SIGKILL');
    }, this.options.cancelGraceMs);
    timer.unref();
  }

  /**
   * Stop the queue: nothing starts any more; running workers are asked to stop (their runs end cancelled,
   * resumable) and waited for; the queue's ownership is handed back.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const entries = [...this.active.values()];
    for (const e of entries) if (!e.cancelRequested) this.cancelActive(e);
    // Keep renewing the leases of the runs still stopping.
    const renew = setInterval(() => {
      try {
        this.store.renewRunLeases(this.owner, this.running, this.options.leaseMs);
      } catch {
        // Next time.
      }
    }, this.renewMs);
    try {
      await Promise.all(entries.map((e) => e.exited));
    } finally {
      clearInterval(renew);
      if (this.leaseTimer !== null) clearInterval(this.leaseTimer);
      this.leaseTimer = null;
    }
    if (this.ownsQueue) this.store.releaseQueue(this.owner);
    this.ownsQueue = false;
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
