/**
 * The run queue: runs wait in the store as `queued`; the queue starts up to `concurrency` of them, each in its own
 * worker process, relays what the workers report as lab events, and records how each run ended, including the
 * ends a worker cannot report itself (a crash, a kill).
 */
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LabEventArgs } from '../api.js';
import { LabError } from '../errors.js';
import type { Store } from '../store/store.js';
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
  private closed = false;
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
      ...options,
    };
  }

  /** Start working: pick up queued runs now and whenever a slot frees or another process queues one. */
  start(): void {
    if (this.pollTimer !== null || this.closed) return;
    this.pump();
    this.pollTimer = setInterval(() => this.pump(), this.options.pollMs);
    this.pollTimer.unref();
  }

  get running(): number[] {
    return [...this.active.keys()];
  }

  /** Fill the free slots with the oldest queued runs. */
  pump(): void {
    if (this.closed) return;
    const free = this.options.concurrency - this.active.size;
    if (free <= 0) return;
    for (const runId of this.store.queuedRunIds(free + this.active.size)) {
      if (this.active.size >= this.options.concurrency) break;
      if (this.active.has(runId)) continue;
      if (!this.store.claimRun(runId, process.pid)) continue;
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
    if (!entry.ended && !this.closed) {
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

  private finish(
    runId: number,
    status: 'finished' | 'cancelled' | 'failed' | 'interrupted',
    error: string | null,
  ): void {
    this.emit('run:status', { runId, status, error });
    this.emit('store:changed', { what: 'runs' });
    for (const resolve of this.waiters.get(runId) ?? []) resolve(status);
    this.waiters.delete(runId);
  }

  /** Resolves with the run's final status once it stops (immediately if it is not queued or running). */
  waitFor(runId: number): Promise<string> {
    const status = this.store.runStatus(runId);
    if (status !== 'queued' && status !== 'running') return Promise.resolve(status);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Cancel a queued or running run. A running one stops at its next step, or is killed after a grace period. */
  cancel(runId: number): void {
    const entry = this.active.get(runId);
    if (entry === undefined) {
      const status = this.store.runStatus(runId);
      if (status === 'queued') {
        this.store.setRunStatus(runId, 'cancelled');
        this.finish(runId, 'cancelled', null);
        return;
      }
      if (status === 'running') {
        throw new LabError(
          'conflict',
          `run ${runId} is trained by another process (pid ${this.store.getRun(runId).pid}); cancel it there`,
        );
      }
      throw new LabError('conflict', `run ${runId} is ${status}, not queued or running`);
    }
    entry.cancelRequested = true;
    this.store.requestCancel(runId);
    const message: HostMessage = { type: 'cancel' };
    entry.child.send(message);
    const timer = setTimeout(() => {
      if (this.active.has(runId)) entry.child.kill('SIGKILL');
    }, this.options.cancelGraceMs);
    timer.unref();
  }

  /** Stop the queue; running workers are asked to stop (their runs end cancelled, resumable). */
  async close(): Promise<void> {
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const entries = [...this.active.values()];
    for (const e of entries) this.cancel(e.runId);
    await Promise.all(entries.map((e) => e.exited));
    this.closed = true;
  }
}
