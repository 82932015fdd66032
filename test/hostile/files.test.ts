/**
 * Hostile files (see README.md here): a FIFO, a device or a folder where the CLI expects a regular file (a corpus, a
 * config, a bundle's model.json, a score's references) is refused at once with what it is, instead of blocking
 * (a FIFO waits for a writer), never ending (/dev/zero) or reading garbage. Each command runs with a time limit,
 * so a regression fails instead of hanging the suite.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { mtlabBin, tempDir } from '../helpers/paths.js';

function mtlab(args: string[]): { code: number | null; stderr: string; signal: NodeJS.Signals | null } {
  const result = spawnSync(process.execPath, [mtlabBin, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stderr: result.stderr, signal: result.signal };
}

const posix = process.platform !== 'win32';

describe('hostile: FIFOs, devices and folders given to the CLI', { skip: !posix && 'no FIFOs on Windows' }, () => {
  let dir: string;
  let fifo: string;
  let db: string;

  before(() => {
    dir = tempDir();
    fifo = path.join(dir, 'pipe.tsv');
    execFileSync('mkfifo', [fifo]);
    db = path.join(dir, 'experiments.db');
  });

  function refused(args: string[], pattern: RegExp): void {
    const result = mtlab(args[0] === 'score' ? args : [...args, '--db', db]);
    assert.equal(result.signal, null, `${args.join(' ')} did not finish: ${result.stderr}`);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, pattern);
    assert.doesNotMatch(result.stderr, /unexpected error|at .*\.js:\d+/);
  }

  it('data import: a FIFO, /dev/zero and a folder', () => {
    refused(
      ['data', 'import', fifo, '--format', 'tatoeba', '--name', 'x'],
      /corpus file .*pipe\.tsv is a FIFO \(named pipe\), not a regular file/,
    );
    refused(
      ['data', 'import', '/dev/zero', '--format', 'tatoeba', '--name', 'x'],
      /corpus file \/dev\/zero is a character device, not a regular file/,
    );
    refused(['data', 'import', dir, '--format', 'tatoeba', '--name', 'x'], /corpus file .* is a folder/);
    const good = path.join(dir, 'good.tsv');
    writeFileSync(good, 'go\tva\nrun\tcours\nhi\tsalut\n');
    refused(['data', 'import', good, '--tgt', fifo, '--format', 'parallel', '--name', 'x'], /pipe\.tsv is a FIFO/);
  });

  it('train --config: a FIFO and /dev/zero', () => {
    const config = path.join(dir, 'run.yaml');
    execFileSync('mkfifo', [config]);
    refused(['train', '--config', config], /config file .*run\.yaml is a FIFO \(named pipe\), not a regular file/);
    refused(['train', '--config', '/dev/zero'], /config file \/dev\/zero is a character device/);
  });

  it('score: references and hypotheses', () => {
    const hyp = path.join(dir, 'hyp.txt');
    writeFileSync(hyp, 'a b c\n');
    refused(['score', '--metric', 'bleu', '--ref', fifo, '--hyp', hyp], /reference file .*pipe\.tsv is a FIFO/);
    refused(
      ['score', '--metric', 'bleu', '--ref', hyp, '--hyp', '/dev/zero'],
      /hypothesis file \/dev\/zero is a character device/,
    );
  });

  it('translate --model: a bundle whose model.json is a FIFO', () => {
    const bundle = path.join(dir, 'bundle');
    mkdirSync(bundle);
    execFileSync('mkfifo', [path.join(bundle, 'model.json')]);
    refused(['translate', '--model', bundle, 'hello'], /model\.json is a FIFO \(named pipe\), not a regular file/);
  });
});
