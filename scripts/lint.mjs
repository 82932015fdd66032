#!/usr/bin/env node
// `npm run lint`: type-check each runtime with its own tsconfig, then ESLint, then Prettier (check only).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const steps = [
  ['types: engine, CLI, tests', bin('tsc'), ['-p', 'tsconfig.json']],
  existsSync(path.join(root, 'electron/tsconfig.json')) && [
    'types: electron main + preload',
    bin('tsc'),
    ['-p', 'electron/tsconfig.json'],
  ],
  existsSync(path.join(root, 'test/e2e/tsconfig.json')) && [
    'types: browser tests',
    bin('tsc'),
    ['-p', 'test/e2e/tsconfig.json'],
  ],
  existsSync(path.join(root, 'renderer/tsconfig.json')) && [
    'types: renderer (svelte-check)',
    bin('svelte-check'),
    ['--tsconfig', 'renderer/tsconfig.json', '--fail-on-warnings', '--output', 'human'],
  ],
  ['eslint', bin('eslint'), ['--max-warnings', '0', '.']],
  ['prettier', bin('prettier'), ['--check', '--log-level', 'warn', '.']],
].filter(Boolean);

let failed = 0;
for (const [label, command, args] of steps) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) console.log(`lint: ${label} ok (${seconds} s)`);
  else {
    console.error(`lint: ${label} FAILED`);
    failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
