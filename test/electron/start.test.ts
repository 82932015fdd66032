/**
 * `npm start` (scripts/start.mjs): the desktop app where it can run; otherwise one line saying why, then the lab in
 * the browser. Electron is replaced by a missing path or a small script ($MTLAB_ELECTRON).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { repoRoot, tempDir } from '../helpers/paths.js';

const START = path.join(repoRoot, 'scripts', 'start.mjs');

function start(args: string[], env: Record<string, string>): ChildProcess {
  const base = { ...process.env };
  for (const name of [
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'MTLAB_DB',
    'MTLAB_ELECTRON',
    'MTLAB_ELECTRON_SQLITE',
    'INIT_CWD',
  ]) {
    delete base[name];
  }
  return spawn(process.execPath, [START, '--no-build', '--no-open', '--port', '0', ...args], {
    cwd: tempDir(),
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Lines of stdout until the server's URL; then the server is asked whether it answers, and stopped. */
async function webModeLines(
  child: ChildProcess,
): Promise<{ lines: string[]; status: number; exitCode: number | null }> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  let url: string | null = null;
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    url = /serving the lab on (\S+)/.exec(line)?.[1] ?? null;
    if (url !== null) break;
  }
  assert.ok(url !== null, `no URL printed; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`);
  const response = await fetch(url, { redirect: 'manual' });
  child.kill('SIGTERM');
  const exitCode = await exited;
  assert.ok(!/\n\s+at /.test(stderr), `a stack trace on stderr:\n${stderr}`);
  return { lines, status: response.status, exitCode };
}

/** A stand-in for the Electron binary: records how it was started, then exits with `code`. */
function fakeElectron(code: number): { binary: string; record: string } {
  const dir = tempDir();
  const record = path.join(dir, 'started-with.txt');
  const binary = path.join(dir, 'electron');
  writeFileSync(
    binary,
    [
      '#!/bin/sh',
      `printf '%s\\n' "$@" "MTLAB_DB=$MTLAB_DB" "SQLITE=$MTLAB_ELECTRON_SQLITE" "RUN_AS_NODE=$ELECTRON_RUN_AS_NODE" > '${record}'`,
      `exit ${code}`,
    ].join('\n'),
  );
  chmodSync(binary, 0o755);
  return { binary, record };
}

describe('npm start', () => {
  it('without an Electron binary, says so in one line and serves the lab in the browser', async () => {
    const db = path.join(tempDir(), 'experiments.db');
    const child = start(['--db', db], { MTLAB_ELECTRON: path.join(tempDir(), 'no-electron-here') });
    const { lines, status } = await webModeLines(child);
    assert.match(
      lines[0]!,
      /^mtlab: no Electron binary at .*no-electron-here.*, so the lab opens in your browser instead/,
    );
    assert.match(lines[1]!, /^mtlab: serving the lab on http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    assert.equal(status, 303, 'the server answers (trading the token for a cookie)');
    assert.ok(existsSync(db), 'on the store asked for');
  });

  it(
    'with Electron but no display, serves the lab in the browser',
    { skip: process.platform !== 'linux' },
    async () => {
      const { binary, record } = fakeElectron(0);
      const child = start([], { MTLAB_ELECTRON: binary });
      const { lines, status } = await webModeLines(child);
      assert.match(lines[0]!, /^mtlab: there is no display \(neither \$DISPLAY nor \$WAYLAND_DISPLAY is set\)/);
      assert.equal(status, 303);
      assert.ok(!existsSync(record), 'Electron was not started');
    },
  );

  it('falls back to the browser when the app dies as it starts', { skip: process.platform === 'win32' }, async () => {
    const { binary, record } = fakeElectron(3);
    const child = start([], { MTLAB_ELECTRON: binary, DISPLAY: ':99', MTLAB_ELECTRON_SQLITE: '/cache/sqlite.node' });
    const { lines, status } = await webModeLines(child);
    assert.match(lines[0]!, /^mtlab: the desktop app stopped as it started \(exit code 3\), so the lab opens/);
    assert.equal(status, 303);
    assert.ok(existsSync(record));
  });

  it(
    'starts the desktop app on the store, with Electron running as an app',
    { skip: process.platform === 'win32' },
    async () => {
      const { binary, record } = fakeElectron(0);
      const db = path.join(tempDir(), 'mine.db');
      const child = start([], {
        MTLAB_ELECTRON: binary,
        DISPLAY: ':99',
        MTLAB_DB: db,
        MTLAB_ELECTRON_SQLITE: '/cache/sqlite.node',
        ELECTRON_RUN_AS_NODE: '1',
      });
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0);
      assert.equal(stdout, '', 'nothing to say when the app runs');
      assert.deepEqual(readFileSync(record, 'utf8').trim().split('\n'), [
        repoRoot,
        `MTLAB_DB=${db}`,
        'SQLITE=/cache/sqlite.node',
        'RUN_AS_NODE=',
      ]);
    },
  );

  it('refuses unknown options with the usage line', async () => {
    const child = start(['--frobnicate'], {});
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /Unknown option '--frobnicate'/);
    assert.match(stderr, /usage: npm start/);
  });
});
