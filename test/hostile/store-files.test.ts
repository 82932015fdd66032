/**
 * Hostile store files: a store this user cannot write, files refused without leaving anything behind, a 0-byte
 * file, a reader that closes the pipe early, damaged checkpoint blobs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Store } from '../../engine/store/store.js';
import { trainTinyRun, tinyRunConfig, tinyStore } from '../engine/export/tiny-runs.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { mtlabBin, tempDir } from '../helpers/paths.js';

/** A store with one tiny trained run (with checkpoints) and its run id. */
async function trainedStore(): Promise<{ file: string; runId: number }> {
  const { store, file } = tinyStore();
  const runId = await trainTinyRun(store, tinyRunConfig('copy'));
  store.close();
  return { file, runId };
}

/** Run the CLI as a user who cannot write `file` (root ignores file modes, so as `nobody` when we are root). */
function runCliAsReader(args: string[]): Promise<CliResult> {
  const asRoot = process.getuid?.() === 0;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mtlabBin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a store this user cannot write', () => {
  it('`runs`, `show` and `db check` read it without writing anything', async () => {
    const { file, runId } = await trainedStore();
    const outer = tempDir();
    chmodSync(outer, 0o755);
    const dir = path.join(outer, 'readonly');
    mkdirSync(dir);
    const copy = path.join(dir, 'experiments.db');
    copyFileSync(file, copy);
    chmodSync(copy, 0o444);
    chmodSync(dir, 0o555);
    try {
      const runs = await runCliAsReader(['runs', '--db', copy, '--json']);
      assert.equal(runs.code, 0, runs.stderr);
      assert.deepEqual(
        (JSON.parse(runs.stdout) as { id: number }[]).map((r) => r.id),
        [runId],
      );
      const show = await runCliAsReader(['show', String(runId), '--db', copy]);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, new RegExp(`Run ${runId}: tiny`));
      assert.match(show.stdout, /last +step 2/);
      const check = await runCliAsReader(['db', 'check', '--db', copy, '--json']);
      assert.equal(check.code, 0, check.stderr);
      assert.equal((JSON.parse(check.stdout) as { ok: boolean }).ok, true);
      assert.deepEqual(readdirSync(dir), ['experiments.db'], 'no -wal or -shm beside it');
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe('files refused as stores', () => {
  it('a truncated store and a newer store are refused and leave no -wal or -shm behind', async () => {
    const { file } = await trainedStore();
    const dir = tempDir();
    const truncated = path.join(dir, 'truncated.db');
    const image = (await import('node:fs')).readFileSync(file);
    writeFileSync(truncated, image.subarray(0, Math.floor(image.length / 3)));
    const newer = path.join(dir, 'newer.db');
    copyFileSync(file, newer);
    const db = new Database(newer);
    db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'then')`).run();
    db.close();
    assert.deepEqual(readdirSync(dir).sort(), ['newer.db', 'truncated.db']);
    for (const [name, why] of [
      ['truncated.db', /is damaged/],
      ['newer.db', /written by a newer mtlab \(schema version 999/],
    ] as const) {
      for (const command of [['runs'], ['db', 'check'], ['train', '--preset', 'gru']]) {
        const result = await runCli([...command, '--db', path.join(dir, name)]);
        assert.equal(result.code, 1, `${command.join(' ')} ${name}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr, why);
        assert.doesNotMatch(result.stderr, /unexpected error/);
        assert.deepEqual(readdirSync(dir).sort(), ['newer.db', 'truncated.db'], `after ${command.join(' ')} ${name}`);
      }
    }
  });

  it('`db check` on a 0-byte file says it is empty, not that it does not exist', async () => {
    const file = path.join(tempDir(), 'empty.db');
    writeFileSync(file, '');
    const result = await runCli(['db', 'check', '--db', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /empty\.db is empty \(0 bytes\): it is not an experiment store/);
    assert.doesNotMatch(result.stderr, /does not exist/);
    const missing = await runCli(['db', 'check', '--db', path.join(path.dirname(file), 'missing.db')]);
    assert.match(missing.stderr, /missing\.db does not exist/);
  });
});

describe('a reader that stops early', () => {
  it('`mtlab db check | head -1` ends quietly, without an EPIPE stack', async () => {
    const { file } = await trainedStore();
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [mtlabBin, 'db', 'check', '--db', file], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Like `head -1` that has already read its line: the read end is gone before the command writes.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(result.stderr, '');
    assert.equal(result.code, 141, 'the exit code of a command stopped by SIGPIPE');
  });
});

describe('damaged checkpoints', () => {
  for (const [damage, spoil, legacy] of [
    ['cut short', (state: Buffer) => state.subarray(0, state.length - 40), false],
    // Saved by an mtlab that recorded no checksum: its structure gives it away.
    ['cut short, saved without a checksum', (state: Buffer) => state.subarray(0, state.length - 40), true],
    // A changed byte in the weights keeps the blob's shape: only the checksum sees it.
    [
      'with a byte changed',
      (state: Buffer) => {
        const copy = Buffer.from(state);
        copy[copy.length - 9] = copy[copy.length - 9]! ^ 0x40;
        return copy;
      },
      false,
    ],
  ] as const) {
    it(`a checkpoint ${damage}: \`db check\` finds it; translate and resume name the run and checkpoint`, async () => {
      const { file, runId } = await trainedStore();
      const db = new Database(file);
      const state = db.prepare(`SELECT state FROM checkpoints WHERE tag = 'last'`).pluck().get() as Buffer;
      db.prepare(`DELETE FROM checkpoints WHERE tag = 'best'`).run();
      db.prepare(`UPDATE checkpoints SET state = ? WHERE tag = 'last'`).run(spoil(state));
      if (legacy) db.prepare(`UPDATE checkpoints SET state_sha256 = NULL`).run();
      db.close();
      const check = await runCli(['db', 'check', '--db', file]);
      assert.equal(check.code, 1, check.stdout);
      assert.match(check.stdout, /DAMAGED/);
      assert.match(check.stdout, new RegExp(`problem: run ${runId}: the "last" checkpoint \\(step 2\\) is damaged`));
      const translate = await runCli(['translate', '--run', String(runId), '--db', file, 'a b c']);
      assert.equal(translate.code, 1);
      assert.match(translate.stderr, new RegExp(`run ${runId}: its "last" checkpoint \\(step 2\\) .* is damaged`));
      assert.doesNotMatch(translate.stderr, /unexpected error/);
      const store = Store.open(file);
      store.setRunStatus(runId, 'interrupted');
      store.close();
      const resume = await runCli(['resume', String(runId), '--db', file]);
      assert.equal(resume.code, 1);
      assert.match(resume.stderr, new RegExp(`run ${runId}: its "last" checkpoint \\(step 2\\) .* is damaged`));
      assert.doesNotMatch(resume.stderr, /unexpected error/);
    });
  }
});
