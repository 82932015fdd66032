import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { LabEventArgs, LabInfo } from '../../../engine/contract/api.js';
import { LabError } from '../../../engine/errors.js';
import { Lab } from '../../../engine/lab.js';
import { type RunningServer, type ServedLab, startServer } from '../../../engine/serve.js';
import { Store } from '../../../engine/store/store.js';
import { addTinyDataset, fixtureConfig } from '../../helpers/fixtures.js';
import { mtlabBin, tempDir } from '../../helpers/paths.js';

const TOKEN = 'test-token-0123456789';

/** A Lab whose events the test can fire. */
class EmittingLab extends Lab {
  fire(...event: LabEventArgs): void {
    this.emit(...event);
  }
}

function labWithRun(): { lab: EmittingLab; runId: number } {
  const store = Store.open(path.join(tempDir(), 'experiments.db'));
  addTinyDataset(store);
  const runId = store.createRun({ name: 'gru', config: fixtureConfig('tiny'), experimentId: null, totalSteps: 10 });
  return { lab: new EmittingLab(store), runId };
}

function staticDir(): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>mtlab</title>');
  writeFileSync(path.join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(path.join(tempDir(), 'secret.txt'), 'no');
  return dir;
}

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

function call(server: RunningServer, method: string, body?: unknown, init: RequestInit = {}): Promise<Answer> {
  return send(server, `/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

async function send(server: RunningServer, urlPath: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(new URL(urlPath, server.url), { redirect: 'manual', ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}

function errorOf(answer: Answer): { code: string; message: string } {
  const error = (answer.body as { error?: { code: string; message: string } }).error;
  assert.ok(error, `expected an error body, got ${JSON.stringify(answer.body)}`);
  return error;
}

describe('mtlab serve: HTTP', () => {
  let server: RunningServer;
  let lab: EmittingLab;
  let runId: number;

  before(async () => {
    ({ lab, runId } = labWithRun());
    server = await startServer({ lab, port: 0, token: TOKEN, staticDir: staticDir(), log: () => {} });
  });
  after(async () => {
    await server.close();
    await lab.close();
  });

  it('listens on 127.0.0.1 and gives the URL with its token', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
    assert.equal(server.tokenUrl, `http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it('refuses the page, assets and API without the token, or with a wrong one', async () => {
    for (const urlPath of ['/', '/assets/app-1234.js', `/?token=wrong-token-123`]) {
      const answer = await send(server, urlPath);
      assert.equal(answer.status, 401, urlPath);
      assert.doesNotMatch(String(answer.body), new RegExp(TOKEN));
    }
    assert.equal((await send(server, '/api/info', { method: 'POST' })).status, 401);
    const wrong = await call(server, 'info', undefined, { headers: { authorization: 'Bearer nope-nope-nope' } });
    assert.equal(wrong.status, 401);
    assert.match(errorOf(wrong).message, /access token/);
    const wrongCookie = await send(server, '/', { headers: { cookie: `mtlab_token_${server.port}=guess-guess` } });
    assert.equal(wrongCookie.status, 401);
  });

  it('trades the token in the URL for an HttpOnly SameSite=Strict cookie, then serves the app', async () => {
    const first = await send(server, `/?token=${TOKEN}`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/');
    const cookie = first.headers.get('set-cookie') ?? '';
    assert.match(cookie, new RegExp(`^mtlab_token_${server.port}=${TOKEN};`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);

    const jar = { cookie: cookie.split(';')[0]! };
    const page = await send(server, '/', { headers: jar });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');

    const script = await send(server, '/assets/app-1234.js', { headers: jar });
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(script.headers.get('cache-control') ?? '', /immutable/);

    const api = await send(server, '/api/info', { method: 'POST', headers: jar });
    assert.equal(api.status, 200);
    assert.equal((api.body as LabInfo).schemaVersion, lab.store.schemaVersion);
  });

  it('serves nothing outside the renderer folder', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const urlPath of ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/missing.js', '/assets']) {
      assert.equal((await send(server, urlPath, { headers: auth })).status, 404, urlPath);
    }
  });

  it('answers a method with its JSON result', async () => {
    const runs = await call(server, 'listRuns', {});
    assert.equal(runs.status, 200);
    assert.deepEqual(
      (runs.body as { id: number }[]).map((r) => r.id),
      [runId],
    );
    const empty = await call(server, 'listRuns');
    assert.equal(empty.status, 200);
    const run = await call(server, 'getRun', { id: runId });
    assert.equal((run.body as { name: string }).name, 'gru');
    const attention = await call(server, 'getAttention', { runId, sampleIndex: 0 });
    assert.equal(attention.status, 200);
    assert.equal(attention.body, null);
  });

  it('maps lab errors to 4xx with their code and message', async () => {
    const missing = await call(server, 'getRun', { id: 999 });
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing).code, 'not-found');
    assert.match(errorOf(missing).message, /999/);
  });

  it('refuses malformed JSON, unknown methods, wrong and unknown fields with a message naming them', async () => {
    const malformed = await call(server, 'getRun', '{"id": 1,');
    assert.equal(malformed.status, 400);
    assert.match(errorOf(malformed).message, /not valid JSON/);

    const unknown = await call(server, 'launchMissiles', {});
    assert.equal(unknown.status, 404);
    assert.match(errorOf(unknown).message, /no method "launchMissiles"/);

    const wrongType = await call(server, 'getRun', { id: 'seven' });
    assert.equal(wrongType.status, 400);
    assert.equal(errorOf(wrongType).code, 'invalid-request');
    assert.match(errorOf(wrongType).message, /field "id" must be a whole number, got "seven"/);

    const nested = await call(server, 'getMetricSeries', { runIds: [1, -2], keys: ['train/loss'] });
    assert.equal(nested.status, 400);
    assert.match(errorOf(nested).message, /field "runIds\[1\]" must be at least 0/);

    const missingField = await call(server, 'getAttention', { runId });
    assert.match(errorOf(missingField).message, /field "sampleIndex" is required/);

    const misspelt = await call(server, 'getRun', { id: 1, ID: 2 });
    assert.equal(misspelt.status, 400);
    assert.match(errorOf(misspelt).message, /field "ID" is not a known field/);

    const argumentForNone = await call(server, 'info', [1, 2]);
    assert.match(errorOf(argumentForNone).message, /takes no argument/);

    const notAnObject = await call(server, 'getRun', 'null');
    assert.equal(notAnObject.status, 400);
    assert.match(errorOf(notAnObject).message, /must be an object/);
  });

  it('refuses the wrong HTTP method, a non-JSON body and foreign origins', async () => {
    const get = await send(server, '/api/info', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(get.status, 405);
    const text = await call(server, 'getRun', '{"id":1}', {
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
    });
    assert.equal(text.status, 415);
    const foreign = await call(server, 'info', undefined, {
      headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' },
    });
    assert.equal(foreign.status, 403);
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    const huge = JSON.stringify({ id: 1, padding: 'x'.repeat(2 * 1024 * 1024) });
    const answer = await call(server, 'getRun', huge);
    assert.equal(answer.status, 413);
    assert.match(errorOf(answer).message, /larger than the 1 MiB/);
    // A body that declares no length (chunked) is cut off too.
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(32));
        controller.close();
      },
    });
    const streamed = await call(server, 'getRun', undefined, {
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    const after = await call(server, 'getRun', { id: runId });
    assert.equal(after.status, 200);
  });

  it('accepts dataset uploads larger than the default limit', async () => {
    const content = 'go\tva\n'.repeat(400_000); // 2.4 MB
    const answer = await call(server, 'importDataset', {
      name: 'upload',
      format: 'tatoeba',
      source: { fileName: 'fra.txt', content },
    });
    // Whatever the lab makes of it (it may not import yet), the size was not the problem.
    assert.notEqual(answer.status, 413);
    assert.notEqual(answer.status, 400, JSON.stringify(answer.body).slice(0, 300));
  });
});

describe('mtlab serve: getRunKernelSet', () => {
  const kernelSet = { backend: 'wasm', addon: 'avx2', threads: 2 } as const;
  let server: RunningServer;
  let lab: Lab;
  let trained: number;
  let fresh: number;

  before(async () => {
    const store = Store.open(path.join(tempDir(), 'experiments.db'));
    addTinyDataset(store);
    const config = fixtureConfig('tiny');
    trained = store.createRun({ name: 'trained', config, experimentId: null, totalSteps: 10 });
    fresh = store.createRun({ name: 'fresh', config, experimentId: null, totalSteps: 10 });
    store.markRunning(trained, { pid: process.pid, backend: 'wasm', parameters: 10, totalSteps: 10, kernelSet });
    lab = new Lab(store);
    server = await startServer({ lab, port: 0, token: TOKEN, staticDir: null, log: () => {} });
  });
  after(async () => {
    await server.close();
    await lab.close();
  });

  it('answers the kernel set a run trained with, null before it starts', async () => {
    const answer = await call(server, 'getRunKernelSet', { runId: trained });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, kernelSet);
    // The same as the run's detail says.
    const detail = (await call(server, 'getRun', { id: trained })).body as { kernelSet: unknown };
    assert.deepEqual(detail.kernelSet, kernelSet);

    const notStarted = await call(server, 'getRunKernelSet', { runId: fresh });
    assert.equal(notStarted.status, 200);
    assert.equal(notStarted.body, null);
  });

  it('refuses an unknown run and a malformed request, naming the field', async () => {
    const missing = await call(server, 'getRunKernelSet', { runId: 999 });
    assert.equal(missing.status, 404);
    assert.match(errorOf(missing).message, /999/);
    const misnamed = await call(server, 'getRunKernelSet', { id: trained });
    assert.equal(misnamed.status, 400);
    assert.match(errorOf(misnamed).message, /field "id" is not a known field \(known: runId\)/);
    const wrongType = await call(server, 'getRunKernelSet', { runId: 'seven' });
    assert.match(errorOf(wrongType).message, /field "runId" must be a whole number, got "seven"/);
  });
});

describe('mtlab serve: a lab that fails', () => {
  let server: RunningServer;
  const logged: string[] = [];

  before(async () => {
    // Only the methods these tests call.
    const lab = {
      subscribe: () => () => {},
      info: () => Promise.reject(new Error('the disk caught fire')),
      getRun: ({ id }: { id: number }) => Promise.reject(new LabError('conflict', `run ${id} is busy`)),
    } as Partial<ServedLab> as ServedLab;
    server = await startServer({ lab, port: 0, token: TOKEN, staticDir: null, log: (line) => logged.push(line) });
  });
  after(() => server.close());

  it('answers 500 for an unexpected failure, logs it, and keeps serving', async () => {
    const answer = await call(server, 'info');
    assert.equal(answer.status, 500);
    assert.equal(errorOf(answer).code, 'internal');
    assert.match(errorOf(answer).message, /disk caught fire/);
    assert.ok(logged.some((line) => line.includes('disk caught fire')));
    assert.equal((await call(server, 'getRun', { id: 3 })).status, 409);
  });

  it('says so when the app is not built', async () => {
    const page = await send(server, '/', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(page.status, 503);
    assert.match(String(page.body), /npm run build/);
  });
});

describe('mtlab serve: events over WebSocket', () => {
  let server: RunningServer;
  let lab: EmittingLab;

  before(async () => {
    ({ lab } = labWithRun());
    server = await startServer({ lab, port: 0, token: TOKEN, staticDir: null, log: () => {} });
  });
  after(async () => {
    await server.close();
    await lab.close();
  });

  const eventsUrl = (): string => server.url.replace(/^http/, 'ws') + 'api/events';

  function refusal(url: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('open', () => reject(new Error('the connection was accepted')));
      socket.on('error', () => {});
    });
  }

  it('refuses a connection without the right token or from a foreign origin', async () => {
    assert.equal(await refusal(eventsUrl()), 401);
    assert.equal(await refusal(eventsUrl(), { authorization: 'Bearer wrong-wrong-wrong' }), 401);
    assert.equal(await refusal(`${eventsUrl()}?token=wrong-wrong-wrong`), 401);
    // The token in a URL opens the page once; a WebSocket carries the cookie or a header.
    assert.equal(await refusal(`${eventsUrl()}?token=${TOKEN}`), 401);
    assert.equal(await refusal(eventsUrl(), { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }), 403);
  });

  it('delivers every lab event to every connected client', async () => {
    const connect = (headers: Record<string, string>): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(eventsUrl(), { headers });
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    const clients = [
      await connect({ cookie: `mtlab_token_${server.port}=${TOKEN}` }),
      await connect({ authorization: `Bearer ${TOKEN}` }),
    ];
    const received = clients.map(
      (socket) =>
        new Promise<unknown>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data))))),
    );
    const payload = { runId: 1, step: 5, totalSteps: 10, epoch: 0.5, loss: 2.5, learningRate: 0.001 };
    lab.fire('run:progress', { ...payload, tokensPerSecond: 1000, etaSeconds: 3 });
    for (const message of await Promise.all(received)) {
      assert.deepEqual(message, {
        event: 'run:progress',
        payload: { ...payload, tokensPerSecond: 1000, etaSeconds: 3 },
      });
    }
    for (const socket of clients) socket.close();
    // The HTTP side still answers after the sockets come and go.
    assert.equal((await call(server, 'info')).status, 200);
  });
});

describe('mtlab serve (the command)', () => {
  it('prints the URL with its token, serves, and stops cleanly on SIGTERM', async () => {
    const db = path.join(tempDir(), 'experiments.db');
    const child = spawn(process.execPath, [mtlabBin, 'serve', '--db', db, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MTLAB_TOKEN: TOKEN },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        const found = /serving the lab on (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stdout);
        if (found) resolve(found[1]!);
      });
      child.on('exit', () => reject(new Error(`mtlab serve exited early: ${stdout}${stderr}`)));
    });
    assert.ok(url.endsWith(`?token=${TOKEN}`));
    const info = await fetch(new URL('/api/info', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(info.status, 200);
    assert.equal(((await info.json()) as LabInfo).storePath, db);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (exitCode) => resolve(exitCode));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0, stderr);
  });

  it('warns when listening beyond this machine', async () => {
    const db = path.join(tempDir(), 'experiments.db');
    const child = spawn(process.execPath, [mtlabBin, 'serve', '--db', db, '--port', '0', '--host', '0.0.0.0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', () => resolve());
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    });
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    assert.match(stderr, /WARNING: .*anyone who can reach port \d+ and has the token controls this lab/);
  });

  it('refuses a token that cannot travel in a URL', async () => {
    const db = path.join(tempDir(), 'experiments.db');
    const child = spawn(process.execPath, [mtlabBin, 'serve', '--db', db, '--port', '0', '--token', 'a b'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /access token must be/);
  });
});
