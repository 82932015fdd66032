#!/usr/bin/env node
// The `mtlab` command: runs the built CLI (npm ci and npm run build produce dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/engine/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('mtlab: this checkout is not built yet; run `npm run build` (npm ci does it for you)');
  process.exit(1);
}
process.setSourceMapsEnabled(true);
const { main, exitQuietlyOnBrokenPipe, registerCommands } = await import(entry.href);
// `mtlab bench` lives with the benchmarks (bench/command.ts), which a checkout builds and the packaged app leaves out.
const bench = new URL('../dist/bench/command.js', import.meta.url);
if (existsSync(bench)) registerCommands((await import(bench.href)).benchCommands);
// `mtlab db check | head -1`: a reader that stops early is not an error.
exitQuietlyOnBrokenPipe(process.stdout, (code) => process.exit(code));
process.exitCode = await main(process.argv.slice(2));
