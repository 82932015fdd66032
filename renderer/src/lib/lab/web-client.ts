/**
 * The LabClient of web mode: each method is `POST /api/<method>` with its argument as JSON (`mtlab serve`), and
 * events arrive over a WebSocket at `/api/events` that reconnects by itself. The page was loaded with the access
 * token, which the server traded for a cookie, so requests carry no token of their own.
 */
import type {
  LabApi,
  LabClient,
  LabEventListener,
  LabEventName,
  LabEvents,
  LabMethod,
} from '../../../../engine/api.js';
import { LabCallError } from './errors.js';

/** Every method of the contract; the check below fails to compile when one is missing. */
const METHODS = [
  'info',
  'checkStore',
  'listPresets',
  'validateConfig',
  'listDatasets',
  'getDataset',
  'getDatasetPairs',
  'generateDataset',
  'importDataset',
  'deleteDataset',
  'listExperiments',
  'createExperiment',
  'startExperiment',
  'compare',
  'listRuns',
  'getRun',
  'createRun',
  'startRun',
  'cancelRun',
  'resumeRun',
  'deleteRun',
  'getMetricKeys',
  'getMetricSeries',
  'getSamples',
  'getAttentionSteps',
  'getAttention',
  'translate',
  'exportModel',
  'exportData',
] as const satisfies readonly LabMethod[];
type Missing = Exclude<LabMethod, (typeof METHODS)[number]>;
const allMethodsListed: [Missing] extends [never] ? true : Missing = true;
void allMethodsListed;

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface WebClientOptions {
  /** Base URL of the server (default: where this page came from). */
  baseUrl?: string;
  onConnectionChange?: (state: ConnectionState) => void;
}

async function call(baseUrl: URL, method: LabMethod, argument: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(`api/${method}`, baseUrl), {
      method: 'POST',
      credentials: 'same-origin',
      headers: argument === undefined ? {} : { 'Content-Type': 'application/json' },
      body: argument === undefined ? undefined : JSON.stringify(argument),
    });
  } catch {
    throw new LabCallError(
      'unreachable',
      `the lab at ${baseUrl.host} cannot be reached: is \`mtlab serve\` still running?`,
    );
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    throw new LabCallError('internal', `${method}: the server answered ${response.status} with something not JSON`);
  }
  if (response.ok) return body === null ? undefined : body;
  const error = (body as { error?: { code?: string; message?: string; detail?: Record<string, unknown> } } | null)
    ?.error;
  if (response.status === 401) {
    throw new LabCallError(
      'unauthorised',
      'the lab refused the access token: open the URL that `mtlab serve` printed (it ends in ?token=...)',
    );
  }
  if (response.status === 501) {
    throw new LabCallError('not-implemented', error?.message ?? `the lab cannot ${method} yet`);
  }
  throw new LabCallError(
    (error?.code as LabCallError['code'] | undefined) ?? 'internal',
    error?.message ?? `${method} failed with HTTP ${response.status}`,
    error?.detail,
  );
}

export function createWebClient(options: WebClientOptions = {}): LabClient {
  const baseUrl = new URL(options.baseUrl ?? './', window.location.href);
  const listeners = new Set<LabEventListener>();
  let socket: WebSocket | null = null;
  let retryDelay = 500;
  let everConnected = false;
  let retryTimer: number | undefined;

  const deliver = <E extends LabEventName>(event: E, payload: LabEvents[E]): void => {
    for (const listener of listeners) listener(event, payload);
  };

  const connect = (): void => {
    retryTimer = undefined;
    const url = new URL('api/events', baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.onopen = () => {
      retryDelay = 500;
      options.onConnectionChange?.('live');
      // Events may have been missed while away: everything that listens reloads.
      if (everConnected)
        for (const what of ['runs', 'datasets', 'experiments'] as const) deliver('store:changed', { what });
      everConnected = true;
    };
    socket.onmessage = (message: MessageEvent<string>) => {
      let parsed: { event?: LabEventName; payload?: unknown };
      try {
        parsed = JSON.parse(message.data) as typeof parsed;
      } catch {
        return;
      }
      if (parsed.event !== undefined) deliver(parsed.event, parsed.payload as LabEvents[typeof parsed.event]);
    };
    socket.onclose = () => {
      socket = null;
      if (listeners.size === 0) return;
      options.onConnectionChange?.('reconnecting');
      retryTimer = window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(5000, retryDelay * 2);
    };
  };

  const client: Record<string, unknown> = {
    subscribe(listener: LabEventListener): () => void {
      listeners.add(listener);
      if (socket === null && retryTimer === undefined) {
        options.onConnectionChange?.('connecting');
        connect();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          window.clearTimeout(retryTimer);
          retryTimer = undefined;
          socket?.close();
        }
      };
    },
  };
  for (const method of METHODS) client[method] = (argument?: unknown) => call(baseUrl, method, argument);
  return client as unknown as LabApi & Pick<LabClient, 'subscribe'>;
}
