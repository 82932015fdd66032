/**
 * `mtlab serve`: the whole LabApi over HTTP + WebSocket, and the built renderer at `/`, for the app in a browser
 * (remote GPU boxes, headless machines, the browser tests).
 *
 *   POST /api/<method>   body = the method's one JSON argument; answer = its JSON result, or
 *                        `{ "error": { code, message, detail? } }` with 400/404/409 (the caller's mistake) or 500.
 *   GET  /api/events     WebSocket; every lab event as `{ "event", "payload" }`.
 *   GET  /...            the renderer (dist/renderer).
 *
 * The routes are the contract's methods (`LAB_API`), and each call goes through the contract's dispatcher
 * (engine/contract/dispatch.ts), which checks its argument by the method's schema before the lab sees it. Every
 * request needs the access token (engine/serve/auth.ts). The server only calls lab methods; training runs in the
 * lab's worker processes, never on this event loop.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import {
  DEFAULT_BODY_LIMIT,
  type ExportDataRequest,
  LAB_API,
  LAB_METHODS,
  type LabApi,
  type LabErrorCode,
  type LabErrorShape,
  type LabEventListener,
  type LabMethod,
  type MethodSpec,
} from './contract/api.js';
import { dispatch, type HostMethods, isLabMethod } from './contract/dispatch.js';
import { rendererBuilt, resolveStaticFile } from './app-files.js';
import { LabError, toErrorShape } from './errors.js';
import type { DataStream } from './export/data-stream.js';
import {
  checkToken,
  credentials,
  hostChecker,
  newToken,
  originAllowed,
  sessionCookie,
  tokensMatch,
} from './serve/auth.js';
import { BodyTooLarge, parseJsonBody, readBody } from './serve/body.js';
import { EventHub } from './serve/events.js';
import { confineImportPaths, resolveDataDirs } from './serve/paths.js';
import { commonHeaders, plainPage, sendFile } from './serve/static.js';

/** What the server needs of a lab: the contract's methods and events. `Lab` fits, and so does any proxy to one. */
export interface ServedLab extends LabApi {
  subscribe(listener: LabEventListener): () => void;
  /** `exportData` as chunks (Lab has it): answered as a chunked response, never built whole in memory. */
  exportDataStream?(request: ExportDataRequest): DataStream;
}

export interface ServerOptions {
  lab: ServedLab;
  /** Interface to listen on (default 127.0.0.1: only this machine). */
  host?: string;
  /** TCP port (default 7878; 0 = any free port). */
  port?: number;
  /** Access token (default: a new random one). */
  token?: string;
  /** The built renderer; null serves the API alone. */
  staticDir?: string | null;
  /** Where to report server-side failures (default: stderr). */
  log?: (line: string) => void;
  /** Folders whose files may be imported by path (`--data-dir`); none (the default): uploads only. */
  dataDirs?: readonly string[];
  /** Host names answered besides the listening address and localhost (`--allow-host`): DNS-rebinding defence. */
  allowedHosts?: readonly string[];
}

export interface RunningServer {
  /** Base URL, without the token. */
  url: string;
  /** The URL to open: base URL plus `?token=`. */
  tokenUrl: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7878;

const STATUS_OF: Record<LabErrorCode, number> = {
  'invalid-request': 400,
  'invalid-config': 400,
  'invalid-data': 400,
  bundle: 400,
  'not-found': 404,
  conflict: 409,
  'out-of-memory': 413,
  store: 500,
  internal: 500,
};

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function sendJson(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  value: unknown,
  extraHeaders: Record<string, string> = {},
): void {
  const body = JSON.stringify(value === undefined ? null : value);
  response.writeHead(status, {
    ...commonHeaders(request),
    ...extraHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}

function sendError(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  error: LabErrorShape,
  extraHeaders: Record<string, string> = {},
): void {
  sendJson(request, response, status, { error }, extraHeaders);
}

const UNAUTHORISED: LabErrorShape = {
  code: 'invalid-request',
  message: 'missing or wrong access token: open the URL that `mtlab serve` printed (it ends in ?token=...)',
};

const QUERY_TOKEN: LabErrorShape = {
  code: 'invalid-request',
  message:
    'the access token in a URL is accepted only when the page is first opened; ' +
    'programs send it as `Authorization: Bearer TOKEN`',
};

function ownHeader(request: IncomingMessage, name: string): string | undefined {
  const value = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function wrongHost(host: string | undefined): string {
  return (
    `this lab does not answer requests for the host ${host === undefined ? '(none given)' : JSON.stringify(host)}: ` +
    'open it by the address `mtlab serve` printed, or start it with --allow-host NAME to use another name'
  );
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { lab } = options;
  const host = options.host ?? '127.0.0.1';
  const token = checkToken(options.token ?? newToken());
  const staticDir =
    options.staticDir === undefined || options.staticDir === null ? null : path.resolve(options.staticDir);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const hub = new EventHub();
  let port = options.port ?? DEFAULT_PORT;

  const dataDirs = resolveDataDirs(options.dataDirs ?? []);
  const hostAllowed = hostChecker(host, options.allowedHosts ?? [], os.hostname());

  const authorised = (
    request: IncomingMessage,
    url: URL,
    pageLoad: boolean,
  ): ReturnType<typeof credentials> & { ok: boolean } => {
    const matches = (found: ReturnType<typeof credentials>): boolean =>
      found.token !== null && tokensMatch(token, found.token);
    let found = credentials(request, url, port, pageLoad);
    // An old URL (the token of an earlier start) beside a good cookie: the cookie decides.
    if (!matches(found) && found.via === 'query' && pageLoad) found = credentials(request, url, port, false);
    return { ...found, ok: matches(found) };
  };

  /**
   * How this server answers two methods its own way, after the dispatcher has checked the request: an import by
   * path only from under `--data-dir`, and `exportData` as a stream (sent chunked, never built whole in memory).
   */
  const own: HostMethods = {
    importDataset: (request) => lab.importDataset(confineImportPaths(request, dataDirs)),
    ...(typeof lab.exportDataStream === 'function'
      ? { exportData: async (request: ExportDataRequest) => new Streamed(lab.exportDataStream!(request)) }
      : {}),
  };

  async function callMethod(request: IncomingMessage, response: ServerResponse, method: LabMethod): Promise<void> {
    const limit = (LAB_API[method] as MethodSpec).bodyLimit ?? DEFAULT_BODY_LIMIT;
    let body: Buffer;
    try {
      body = await readBody(request, limit);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        // Answer now and drop the rest of the upload unread (the connection closes after this response).
        sendError(request, response, 413, error.toJSON(), { Connection: 'close' });
        drainAndClose(request);
        return;
      }
      throw error;
    }
    if (body.length > 0 && !/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      sendError(request, response, 415, {
        code: 'invalid-request',
        message: 'the request body must be JSON, sent with `Content-Type: application/json`',
      });
      return;
    }
    const result = await dispatch(lab, method, parseJsonBody(body), own);
    if (result instanceof Streamed) await sendExport(request, response, result.stream);
    else sendJson(request, response, 200, result);
  }

  /**
   * The ExportedData JSON of `exportData`, `{"fileName","mimeType","content"}`, written as the content is read:
   * chunked transfer, waiting for the client to drain, stopping when it hangs up.
   */
  async function sendExport(request: IncomingMessage, response: ServerResponse, stream: DataStream): Promise<void> {
    const iterator = stream.chunks[Symbol.asyncIterator]();
    // The first chunk before the status line: an error there (a run deleted meanwhile) still gets its 4xx.
    let next = await iterator.next();
    response.writeHead(200, {
      ...commonHeaders(request),
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    let gone = false;
    const closed = once(response, 'close').then(() => {
      gone = true;
    });
    const write = async (text: string): Promise<void> => {
      if (!response.write(text)) await Promise.race([once(response, 'drain'), closed]);
    };
    try {
      await write(
        `{"fileName":${JSON.stringify(stream.fileName)},"mimeType":${JSON.stringify(stream.mimeType)},"content":"`,
      );
      while (next.done !== true && !gone) {
        await write(JSON.stringify(next.value).slice(1, -1));
        next = await iterator.next();
      }
    } finally {
      if (next.done !== true) await iterator.return?.();
    }
    if (gone) return;
    response.end('"}');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://mtlab.invalid');
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    if (!hostAllowed(ownHeader(request, 'host'))) {
      const message = wrongHost(ownHeader(request, 'host'));
      if (isApi) sendError(request, response, 403, { code: 'invalid-request', message });
      else plainPage(request, response, 403, 'Wrong host name', message);
      return;
    }
    const pageLoad = !isApi && (request.method === 'GET' || request.method === 'HEAD');
    const auth = authorised(request, url, pageLoad);

    if (!auth.ok) {
      const headers = { 'WWW-Authenticate': 'Bearer realm="mtlab"' };
      if (isApi) sendError(request, response, 401, auth.via === 'query' ? QUERY_TOKEN : UNAUTHORISED, headers);
      else {
        plainPage(
          request,
          response,
          401,
          'This lab needs its access token',
          'Open the URL that `mtlab serve` printed when it started: it ends in ?token=... . ' +
            'Anyone with that URL controls the lab, so it is not shown here.',
          headers,
        );
      }
      return;
    }

    if (!isApi) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        plainPage(request, response, 405, 'Method not allowed', `${request.method} is not served here.`, {
          Allow: 'GET, HEAD',
        });
        return;
      }
      if (auth.via === 'query') {
        // Trade the token in the URL for a cookie, and take it out of the address bar.
        url.searchParams.delete('token');
        response.writeHead(303, {
          ...commonHeaders(request),
          'Set-Cookie': sessionCookie(port, token),
          Location: url.pathname + url.search,
          'Cache-Control': 'no-store',
          'Content-Length': '0',
        });
        response.end();
        return;
      }
      if (!rendererBuilt(staticDir)) {
        plainPage(
          request,
          response,
          503,
          'The app is not built',
          `The lab's API is running, but there is no built renderer${staticDir === null ? '' : ` in ${staticDir}`}. ` +
            'Run `npm run build` in the mtlab checkout and reload this page.',
        );
        return;
      }
      const file = resolveStaticFile(staticDir!, url.pathname);
      if (file === null) plainPage(request, response, 404, 'Not found', `Nothing is served at ${url.pathname}.`);
      else sendFile(request, response, file);
      return;
    }

    if (!originAllowed(request)) {
      sendError(request, response, 403, {
        code: 'invalid-request',
        message: `requests from ${request.headers.origin} are refused: the lab answers only its own pages`,
      });
      return;
    }
    if (url.pathname === '/api/events') {
      sendError(
        request,
        response,
        426,
        {
          code: 'invalid-request',
          message: '/api/events is a WebSocket: connect with a WebSocket client',
        },
        { Upgrade: 'websocket' },
      );
      return;
    }
    const name = url.pathname.slice('/api/'.length);
    if (!isLabMethod(name)) {
      sendError(request, response, 404, {
        code: 'not-found',
        message: `the lab has no method "${name}" (it has: ${LAB_METHODS.join(', ')})`,
        detail: { method: name },
      });
      return;
    }
    if (request.method !== 'POST') {
      sendError(
        request,
        response,
        405,
        {
          code: 'invalid-request',
          message: `call ${name} with POST and its argument as a JSON body`,
        },
        { Allow: 'POST' },
      );
      return;
    }
    await callMethod(request, response, name);
  }

  function onRequest(request: IncomingMessage, response: ServerResponse): void {
    handle(request, response).catch((error: unknown) => {
      const shape = toErrorShape(error);
      const status = error instanceof LabError ? STATUS_OF[shape.code] : 500;
      if (status >= 500) log(`mtlab serve: ${request.method} ${request.url?.split('?')[0]} failed: ${describe(error)}`);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendError(request, response, status, shape);
    });
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://mtlab.invalid');
    const refuse = (status: number, reason: string): void => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostAllowed(ownHeader(request, 'host'))) return refuse(403, 'Forbidden');
    if (url.pathname !== '/api/events') return refuse(404, 'Not Found');
    if (!authorised(request, url, false).ok) return refuse(401, 'Unauthorized');
    if (!originAllowed(request)) return refuse(403, 'Forbidden');
    hub.accept(request, socket, head);
  }

  const server = http.createServer({ requestTimeout: 5 * 60_000 }, onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new LabError('conflict', `port ${port} on ${host} is in use; choose another with --port (0 = any)`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(new LabError('invalid-request', `cannot listen on ${host}: no such address on this machine`));
      } else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  const unsubscribe = lab.subscribe((event, payload) => hub.broadcast(event, payload));
  const url = `http://${urlHost(host)}:${port}/`;

  return {
    url,
    tokenUrl: `${url}?token=${token}`,
    host,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** An answer to be sent as a stream of chunks rather than one JSON value. */
class Streamed {
  constructor(readonly stream: DataStream) {}
}

/** Read and discard what is left of a refused upload, up to a bound, then hang up. */
function drainAndClose(request: IncomingMessage): void {
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > 256 * 1024 * 1024) request.socket.destroy();
  });
  request.resume();
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
