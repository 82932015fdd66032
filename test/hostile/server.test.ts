/**
 * Hostile inputs to `mtlab serve` (see README.md here): requests from a token holder that try to reach past the
 * API (prototype pollution through keys, bodies deep enough to overflow the stack), requests without the token in
 * the places where it is accepted, foreign `Host` headers (DNS rebinding), and import paths outside `--data-dir`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Lab } from '../../engine/lab.js';
import { type RunningServer, startServer } from '../../engine/serve.js';
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
    child.once('exit', () => resolve());
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
