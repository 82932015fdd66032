/** What the host and a training worker say to each other (Node IPC, JSON). */
import type { RunStatus } from '../contract/api.js';
import type { ProgressReport } from '../train/trainer.js';

export interface StartMessage {
  type: 'start';
  storePath: string;
  runId: number;
  /** Threads the run's native matrix products may use: the machine's cores shared among the concurrent runs. */
  threads: number;
}

export interface CancelMessage {
  type: 'cancel';
}

export type HostMessage = StartMessage | CancelMessage;

export type WorkerMessage =
  | { type: 'started'; runId: number; backend: string; parameters: number; totalSteps: number; resumedFrom: number }
  | ({ type: 'progress'; runId: number } & ProgressReport)
  | { type: 'validation'; runId: number; step: number; metrics: Record<string, number> }
  | { type: 'done'; runId: number; status: Extract<RunStatus, 'finished' | 'cancelled'>; step: number }
  | { type: 'failed'; runId: number; error: string };
