/**
 * What the host and a service worker say to each other (Node IPC, structured clone): the lab's heavy one-off calls
 * (translate, import, generate, export) run as jobs in long-lived worker processes, so they never block the host's
 * event loop (the web server, the desktop app's engine host), and a crash in one kills only its worker.
 */
import type {
  DatasetSummary,
  ExportModelRequest,
  ExportResult,
  GenerateDatasetRequest,
  ImportDatasetRequest,
  ImportResult,
  LabErrorShape,
  Translation,
  TranslateRequest,
} from '../contract/api.js';

/** The calls a service worker runs: each method's one argument and its result. */
export interface ServiceCalls {
  translate: { argument: TranslateRequest; result: Translation[] };
  importDataset: { argument: ImportDatasetRequest; result: ImportResult };
  generateDataset: { argument: GenerateDatasetRequest; result: DatasetSummary };
  exportModel: { argument: ExportModelRequest; result: ExportResult };
}

export type ServiceMethod = keyof ServiceCalls;

export const SERVICE_METHODS: readonly ServiceMethod[] = [
  'translate',
  'importDataset',
  'generateDataset',
  'exportModel',
];

/** Sent once, first: the store the worker opens (its own connection) and its share of the cores. */
export interface ServiceInitMessage {
  type: 'init';
  storePath: string;
  threads: number;
}

export interface ServiceJobMessage<M extends ServiceMethod = ServiceMethod> {
  type: 'job';
  id: number;
  method: M;
  argument: ServiceCalls[M]['argument'];
}

/** A run was deleted: drop its cached model. */
export interface ServiceForgetMessage {
  type: 'forget';
  runId: number;
}

export type ServiceHostMessage = ServiceInitMessage | ServiceJobMessage | ServiceForgetMessage;

/** A job's failure: a LabError's shape, or (code 'internal') an unexpected error with its stack. */
export interface ServiceFailure extends LabErrorShape {
  stack?: string;
}

export type ServiceWorkerMessage =
  { type: 'result'; id: number; value: unknown } | { type: 'error'; id: number; error: ServiceFailure };
