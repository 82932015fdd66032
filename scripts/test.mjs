#!/usr/bin/env node
// `npm test`: lint and type checks, a fresh build, the node test suites (engine, CLI, server), then the browser
// tests (Playwright in Chromium) and the desktop tests (which report themselves skipped without an Electron binary).
// `npm test -- --quick` skips lint; `npm test -- PATTERN` runs only node test files whose path contains PATTERN.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const patterns = args.filter((a) => !a.startsWith('--'));

function run(label, command, commandArgs, env = {}) {
  console.log(`\n== ${label}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`\nnpm test: ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

if (!quick) run('lint', process.execPath, ['scripts/lint.mjs']);
run('build', process.execPath, ['scripts/build.mjs']);

const nodeTests = walk(path.join(root, 'dist/test'))
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => patterns.length === 0 || patterns.some((p) => f.includes(p)))
  .sort();
if (nodeTests.length > 0) {
  run('node tests', process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...nodeTests]);
}

const playwrightConfig = path.join(root, 'test/playwright.config.ts');
if (patterns.length === 0 && existsSync(playwrightConfig)) {
  run('browser and desktop tests', path.join(root, 'node_modules/.bin/playwright'), ['test', '-c', playwrightConfig]);
}
console.log('\nnpm test: all passed');
