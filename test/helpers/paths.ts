import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/..., sources live in test/...). */
export const repoRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
})();

/**
 * Real corpora and metric vectors on our own machines and CI (never copied into the repository; a bare clone has
 * none). Only test/engine/shared-data.test.ts reads them, and skips, saying so once, where they are missing.
 */
export const sharedData = process.env.MTLAB_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');

/** Data the project ships for its tests (test/fixtures/, each file with the script or note that made it). */
export function fixture(name: string): string {
  return path.join(repoRoot, 'test', 'fixtures', name);
}

/** The built `mtlab` command. */
export const mtlabBin = path.join(repoRoot, 'bin', 'mtlab.js');

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix = 'mtlab-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
