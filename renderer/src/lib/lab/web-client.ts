/**
 * The LabClient of web mode: each method is `POST /api/<method>` with its argument as JSON (`mtlab serve`), and
 * events arrive over a WebSocket at `/api/events` that reconnects by itself. The page was loaded with the access
 * token, which the server traded for a cookie, so requests carry no token of their own.
 *
 * Like the desktop preload's client, it has no code per method: the client is a Proxy whose every property (but
 * `subscribe`) is the contract's method of that name, so a method added to the contract works here unchanged. The
 * server knows the methods and answers a name it lacks with an error that lists them.
 */
import type { LabClient, LabEventArgs, LabEventListener } from '../../../../engine/contract/api.js';
import { LabCallError } from './errors.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface WebClientOptions {
  /** Base URL of the server (default: where this page came from). */
  baseUrl?: string;
  onConnectionChange?: (state: ConnectionState) => void;
}

async function call(baseUrl: URL, method: string, argument: unknown): Promise<unknown> {
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

  const deliver = (...event: LabEventArgs): void => {
    for (const listener of listeners) listener(...event);
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
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      const event = isObject(parsed) ? [parsed.event, parsed.payload] : [];
      if (isEventArgs(event)) deliver(...event);
    };
    socket.onclose = () => {
      socket = null;
      if (listeners.size === 0) return;
      options.onConnectionChange?.('reconnecting');
      retryTimer = window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(5000, retryDelay * 2);
    };
  };

  const subscribe = (listener: LabEventListener): (() => void) => {
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
  };

  // One function per method name, made on first use, so `lab.getRun === lab.getRun`.
  const methods = new Map<string, (argument?: unknown) => Promise<unknown>>();
  const method = (name: string): ((argument?: unknown) => Promise<unknown>) => {
    let found = methods.get(name);
    if (found === undefined) {
      found = (argument?: unknown) => call(baseUrl, name, argument);
      methods.set(name, found);
    }
    return found;
  };
  const target: Pick<LabClient, 'subscribe'> = Object.freeze({ subscribe });
  const client = new Proxy(target, {
    get(object, property) {
      if (property === 'subscribe') return object.subscribe;
      // Not methods: symbols (inspection, coercion), `then` (the client is not a promise), `toJSON`.
      if (typeof property !== 'string' || NOT_METHODS.has(property)) return undefined;
      return method(property);
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
  // What the Proxy answers is the contract's methods: the one claim the compiler cannot check here.
  return client as LabClient;
}

const NOT_METHODS = new Set(['then', 'toJSON', 'constructor']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** An event as the server sends it: a name and an object payload (the server is the contract's own). */
function isEventArgs(value: unknown[]): value is LabEventArgs {
  return value.length === 2 && typeof value[0] === 'string' && isObject(value[1]);
}
