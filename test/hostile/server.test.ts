/**
 * Hostile inputs to `mtlab serve` (see README.md here): requests from a token holder that try to reach past the
 * API (prototype pollution through keys, bodies deep enough to overflow the stack), requests without the token in
 * the places where it is accepted, foreign `Host` headers (DNS rebinding), and import paths outside `--data-dir`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Lab } from '../../engine/lab.js';
import { type RunningServer, startServer } from '../../engine/serve.js';
import { hostChecker } from '../../engine/serve/auth.js';
import { Store } from '../../engine/store/store.js';
import { addTinyDataset } from '../helpers/fixtures.js';
import { mtlabBin, tempDir } from '../helpers/paths.js';
import { RESERVED_KEYS, watchPrototypes } from './prototype.js';

const TOKEN = 'hostile-token-0123456789';

interface Answer {
  status: number;
  body: unknown;
}

async function post(
  base: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(new URL(`/api/${method}`, base), {
    method: 'POST',
    redirect: 'manual',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

/** A request without any token at all (no header, no cookie, no query). */
async function tokenless(base: string): Promise<number> {
  const response = await fetch(new URL('/api/listRuns', base), { method: 'POST' });
  await response.text();
  return response.status;
}

function errorOf(answer: Answer): { code: string; message: string; detail?: { field?: string } } {
  const error = (answer.body as { error?: { code: string; message: string; detail?: { field?: string } } }).error;
  assert.ok(error, `expected an error body, got ${JSON.stringify(answer.body).slice(0, 300)}`);
  return error;
}

function storeWithToy(): string {
  const file = path.join(tempDir(), 'experiments.db');
  const store = Store.open(file);
  addTinyDataset(store, 'toy');
  store.close();
  return file;
}

const REPRO = {
  dataset: 'toy',
  preset: 'rnn-gru-attention',
  overrides: { '__proto__.authorization': `Bearer ${TOKEN}` },
};

describe('hostile: prototype pollution over HTTP (issue 13, item 1)', () => {
  let server: RunningServer;
  let lab: Lab;

  before(async () => {
    lab = Lab.open(storeWithToy());
    server = await startServer({ lab, port: 0, token: TOKEN, staticDir: null, log: () => {} });
  });
  after(async () => {
    await server.close();
    await lab.close();
  });

  it('refuses the reproduction with 400 naming the key, and a token-less request still gets 401', async () => {
    const untouched = watchPrototypes();
    const answer = await post(server.url, 'createExperiment', REPRO);
    untouched();
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.match(errorOf(answer).message, /overrides\.__proto__\.authorization/);
    assert.equal(await tokenless(server.url), 401);
    assert.equal((await lab.listExperiments()).length, 0, 'no experiment was stored');
  });

  it('refuses every reserved key in overrides, dotted or nested, and in configs', async () => {
    for (const key of RESERVED_KEYS) {
      const cases: [string, unknown][] = [
        ['createExperiment', { ...REPRO, overrides: { [`${key}.x`]: 1 } }],
        ['createExperiment', { ...REPRO, overrides: { [`model.${key}`]: 5 } }],
        ['createExperiment', `{"dataset":"toy","overrides":{"model":{"${key}":{"x":1}}}}`],
        ['validateConfig', `{"config":{"model":{"${key}":5}}}`],
        ['createRun', `{"config":{"train":{"${key}":{"polluted":true}}}}`],
      ];
      for (const [method, body] of cases) {
        const untouched = watchPrototypes();
        const answer = await post(server.url, method, body);
        untouched();
        assert.equal(answer.status, 400, `${method} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
        assert.match(errorOf(answer).message, new RegExp(key), `${method} ${JSON.stringify(body)}`);
      }
    }
    assert.equal(await tokenless(server.url), 401);
    assert.equal((await lab.listExperiments()).length, 0);
    assert.equal((await lab.listRuns()).length, 0);
  });

  it('refuses __proto__ and constructor anywhere in a request body, naming where', async () => {
    const untouched = watchPrototypes();
    const bodies = [
      '{"__proto__":{"authorization":"x"}}',
      '{"name":"n","format":"tsv","source":{"fileName":"a","content":"a\\tb","__proto__":{"x":1}}}',
      '{"id":1,"constructor":{"prototype":{"x":1}}}',
    ];
    for (const body of bodies) {
      const answer = await post(server.url, bodies.indexOf(body) === 1 ? 'importDataset' : 'getRun', body);
      assert.equal(answer.status, 400, body);
      assert.match(errorOf(answer).message, /__proto__|constructor/, body);
    }
    untouched();
    assert.equal(await tokenless(server.url), 401);
  });
});

/** Start `mtlab serve` on a store and resolve with its base URL (and the process, to stop it). */
function serve(db: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [mtlabBin, 'serve', '--db', db, '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MTLAB_TOKEN: TOKEN },
  });
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const found = /serving the lab on (http:\/\/[^/\s]+\/)/.exec(out);
      if (found) resolve({ child, url: found[1]!, output: () => out });
    });
    child.on('exit', (code) => reject(new Error(`mtlab serve exited (${code}) before serving: ${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    // A server frozen by a regression ignores SIGTERM: do not let the suite hang on it.
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('hostile: the reproduction against the `mtlab serve` command', () => {
  it('answers 400, and the next token-less request is still 401', async () => {
    const { child, url, output } = await serve(storeWithToy());
    try {
      const answer = await post(url, 'createExperiment', REPRO);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match(errorOf(answer).message, /__proto__/);
      assert.equal(await tokenless(url), 401, output());
      const runs = await post(url, 'listRuns', {});
      assert.deepEqual(runs.body, []);
    } finally {
      await stop(child);
    }
  });
});

/** A request with any headers at all (fetch will not send a forged Host). */
function raw(
  base: string,
  urlPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer & { headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      new URL(urlPath, base),
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (d: string) => (text += d));
        response.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: response.statusCode ?? 0, body, headers: response.headers });
        });
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('hostile: where the token is accepted, and for which Host (issue 13, item 9)', () => {
  let server: RunningServer;
  let lab: Lab;

  before(async () => {
    lab = Lab.open(storeWithToy());
    server = await startServer({
      lab,
      port: 0,
      token: TOKEN,
      staticDir: null,
      allowedHosts: ['lab.example.org'],
      log: () => {},
    });
  });
  after(async () => {
    await server.close();
    await lab.close();
  });

  it('accepts the token in the URL only for the first page load, which trades it for the cookie', async () => {
    const page = await raw(server.url, `/?token=${TOKEN}`);
    assert.equal(page.status, 303);
    assert.match(String(page.headers['set-cookie']), new RegExp(`mtlab_token_${server.port}=${TOKEN}`));
    for (const method of ['info', 'listRuns']) {
      const api = await raw(server.url, `/api/${method}?token=${TOKEN}`, { method: 'POST' });
      assert.equal(api.status, 401, method);
      assert.match(errorOf(api).message, /token in a URL is accepted only when the page is first opened/);
    }
    const posted = await raw(server.url, `/?token=${TOKEN}`, { method: 'POST' });
    assert.equal(posted.status, 401);
  });

  it('the printed URL wins over the cookie of an earlier server on the same port', async () => {
    const stale = { cookie: `mtlab_token_${server.port}=token-of-an-earlier-start` };
    const page = await raw(server.url, `/?token=${TOKEN}`, { headers: stale });
    assert.equal(page.status, 303);
    const good = { cookie: `mtlab_token_${server.port}=${TOKEN}` };
    const oldUrl = await raw(server.url, '/?token=token-of-an-earlier-start', { headers: good });
    assert.notEqual(oldUrl.status, 401);
  });

  it('refuses a foreign Host (DNS rebinding) before looking at the token, on pages, API and WebSocket', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const host of [`evil.example:${server.port}`, 'evil.example', `127.0.0.1.evil.example:${server.port}`]) {
      const api = await raw(server.url, '/api/info', { method: 'POST', headers: { ...auth, host } });
      assert.equal(api.status, 403, host);
      assert.match(errorOf(api).message, /does not answer requests for the host/);
      const page = await raw(server.url, `/?token=${TOKEN}`, { headers: { host } });
      assert.equal(page.status, 403, host);
      assert.equal(page.headers['set-cookie'], undefined);
    }
    const upgrade = await raw(server.url, '/api/events', {
      headers: { ...auth, host: 'evil.example', connection: 'Upgrade', upgrade: 'websocket' },
    });
    assert.equal(upgrade.status, 403);
  });

  it('answers the listening address, localhost (SSH tunnels, any port) and --allow-host names', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const host of [
      `127.0.0.1:${server.port}`,
      'localhost:9999',
      `LOCALHOST:${server.port}`,
      '[::1]:7878',
      'lab.example.org',
    ]) {
      const api = await raw(server.url, '/api/info', { method: 'POST', headers: { ...auth, host } });
      assert.equal(api.status, 200, host);
    }
  });

  it('on every interface, any IP address and the host name, but still no other name', () => {
    const wildcard = hostChecker('0.0.0.0', [], 'gpubox');
    for (const host of ['10.1.2.3:7878', '[fe80::1]:7878', 'gpubox:7878', 'localhost']) assert.ok(wildcard(host), host);
    for (const host of ['evil.example', '10.1.2.3.evil.example', undefined]) assert.ok(!wildcard(host), String(host));
    const loopback = hostChecker('127.0.0.1', [], 'gpubox');
    assert.ok(!loopback('gpubox:7878'));
    assert.ok(!loopback('10.1.2.3:7878'));
  });

  it('refuses a body nested 50,000 deep with 400, and keeps serving', async () => {
    const deep = '{"config":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}';
    const answer = await post(server.url, 'validateConfig', deep);
    assert.equal(answer.status, 400, JSON.stringify(answer.body).slice(0, 200));
    assert.match(errorOf(answer).message, /nested more than 64 levels deep/);
    const object = '{"config":' + '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000) + '}';
    assert.equal((await post(server.url, 'validateConfig', object)).status, 400);
    // Brackets inside strings are text, not nesting.
    const text = await post(server.url, 'validateConfig', { config: { data: { dataset: '['.repeat(1000) } } });
    assert.equal(text.status, 200);
    assert.equal((await post(server.url, 'info', undefined as unknown as string)).status, 200);
  });
});

const posix = process.platform !== 'win32';

describe('hostile: import by path in web mode (issue 13, item 8)', () => {
  let data: string;
  let outside: string;
  let lab: Lab;
  let open: RunningServer;
  let confined: RunningServer;

  before(async () => {
    const root = tempDir();
    data = path.join(root, 'data');
    mkdirSync(path.join(data, 'sub'), { recursive: true });
    writeFileSync(path.join(data, 'sub', 'pairs.tsv'), 'go\tva\nrun\tcours\nhi\tsalut\n');
    outside = path.join(root, 'secret.tsv');
    writeFileSync(outside, 'secret\tsecret\n');
    symlinkSync(outside, path.join(data, 'link.tsv'));
    if (posix) execFileSync('mkfifo', [path.join(data, 'pipe.tsv')]);
    lab = Lab.open(storeWithToy());
    open = await startServer({ lab, port: 0, token: TOKEN, staticDir: null, log: () => {} });
    confined = await startServer({ lab, port: 0, token: TOKEN, staticDir: null, dataDirs: [data], log: () => {} });
  });
  after(async () => {
    await open.close();
    await confined.close();
    await lab.close();
  });

  const importPath = (server: RunningServer, file: string, name = 'x'): Promise<Answer> =>
    post(server.url, 'importDataset', { name, format: 'tatoeba', source: { path: file } });

  it('without --data-dir, refuses every path import and says how to allow it', async () => {
    for (const file of ['/etc/passwd', path.join(data, 'sub', 'pairs.tsv')]) {
      const answer = await importPath(open, file);
      assert.equal(answer.status, 400, file);
      assert.match(
        errorOf(answer).message,
        /importing by path is turned off .* upload the file, or start `mtlab serve --data-dir DIR`/,
      );
      assert.equal(errorOf(answer).detail?.field, 'source');
    }
    const upload = await post(open.url, 'importDataset', {
      name: 'uploaded',
      format: 'tatoeba',
      source: { fileName: 'pairs.tsv', content: 'go\tva\nrun\tcours\nhi\tsalut\n' },
    });
    assert.equal(upload.status, 200, JSON.stringify(upload.body));
  });

  it('with --data-dir, imports files under it (relative paths too), and nothing else', async () => {
    const inside = await importPath(confined, path.join(data, 'sub', 'pairs.tsv'), 'inside');
    assert.equal(inside.status, 200, JSON.stringify(inside.body));
    const relative = await importPath(confined, 'sub/pairs.tsv', 'relative');
    assert.equal(relative.status, 200, JSON.stringify(relative.body));
    const refusals: [string, RegExp][] = [
      ['/etc/passwd', /\/etc\/passwd is outside the data folders this lab imports from/],
      [outside, /is outside the data folders/],
      [path.join(data, '..', 'secret.tsv'), /is outside the data folders/],
      ['../secret.tsv', /is outside the data folders/],
      [data, /is outside the data folders/],
      [path.join(data, 'link.tsv'), /leads \(through a symbolic link\) to .*secret\.tsv, outside the data folders/],
    ];
    for (const [file, pattern] of refusals) {
      const answer = await importPath(confined, file);
      assert.equal(answer.status, 400, file);
      assert.match(errorOf(answer).message, pattern, file);
    }
    const missing = await importPath(confined, path.join(data, 'nope.tsv'));
    assert.equal(missing.status, 404);
    // Nothing from outside reached the store.
    const names = (
      (await post(confined.url, 'listDatasets', undefined as unknown as string)).body as { name: string }[]
    ).map((d) => d.name);
    assert.deepEqual(names.sort(), ['inside', 'relative', 'toy', 'uploaded']);
  });

  it(
    'refuses a FIFO inside a data folder at once, and keeps answering (a separate `mtlab serve`, so a freeze fails)',
    { skip: !posix && 'no FIFOs on Windows' },
    async () => {
      const { child, url } = await serve(storeWithToy(), ['--data-dir', data]);
      try {
        const response = await fetch(new URL('/api/importDataset', url), {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'x', format: 'tatoeba', source: { path: path.join(data, 'pipe.tsv') } }),
          signal: AbortSignal.timeout(15_000),
        });
        const answer = { status: response.status, body: (await response.json()) as unknown };
        assert.equal(answer.status, 400);
        assert.match(errorOf(answer).message, /pipe\.tsv is a FIFO \(named pipe\), not a regular file/);
        const info = await fetch(new URL('/api/info', url), {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
          signal: AbortSignal.timeout(15_000),
        });
        assert.equal(info.status, 200);
      } finally {
        await stop(child);
      }
    },
  );

  it('`mtlab serve` refuses a --data-dir that does not exist', async () => {
    await assert.rejects(
      serve(storeWithToy(), ['--data-dir', path.join(data, 'missing')]),
      /--data-dir .*missing does not exist/,
    );
  });
});
