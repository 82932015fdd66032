/**
 * Benchmark: a metric export of runs with millions of points, through `mtlab serve`, in bounded memory and without
 * stalling the server (issue 13, item 2). Builds a store of RUNS runs × POINTS points (kept for later rounds),
 * starts `mtlab serve` on it as a separate process, exports every point as CSV over HTTP (read and discarded),
 * and meanwhile calls `listRuns` every 50 ms. Reports the export's size and time, the server's peak resident
 * memory (VmHWM, Linux) and the latency of the other requests.
 *
 *   node dist/bench/export-stream.js [--runs 4] [--points 3000000] [--db FILE] [--format csv|json] [--json]
 *
 * Target: peak RSS < 300 MB and every other request answered within 100 ms for 4 × 3 M points.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { requireValidConfig } from '../engine/config.js';
import { generate } from '../engine/data/service.js';
import { Store } from '../engine/store/store.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '4' },
    points: { type: 'string', default: '3000000' },
    db: { type: 'string' },
    format: { type: 'string', default: 'csv' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const points = Number(values.points);
const format = values.format === 'json' ? 'json' : 'csv';
const file = path.resolve(values.db ?? path.join(tmpdir(), `mtlab-export-bench-${runs}x${points}.db`));
const TOKEN = 'export-bench-token-0123456789';
const log = (line: string): void => {
  if (!values.json) process.stderr.write(line + '\n');
};

/** A store with `runs` runs of `points` points of one metric (built once; later rounds reuse it). */
function buildStore(): number[] {
  const store = Store.open(file);
  try {
    const existing = store.listRuns({}).map((r) => r.summary.id);
    if (existing.length >= runs) return existing.slice(0, runs);
    if (!store.hasDataset('bench')) generate(store, { generator: 'copy', name: 'bench', pairs: 100, seed: 1 });
    const config = requireValidConfig({ data: { dataset: 'bench' } });
    const ids: number[] = [];
    for (let r = 0; r < runs; r++) {
      const started = Date.now();
      const runId = store.createRun({
        name: `bench ${r}`,
        config,
        experimentId: null,
        totalSteps: points,
      });
      store.metrics.append(runId, [{ key: 'train/loss', step: points - 1, value: 0.5, wallTime: 1.7e9 }]);
      const keyId = store.db.prepare(`SELECT id FROM metric_keys WHERE name = 'train/loss'`).pluck().get() as number;
      const insert = store.db.prepare('INSERT OR IGNORE INTO metrics VALUES (?, ?, ?, ?, ?)');
      const batch = store.db.transaction((from: number, to: number) => {
        for (let step = from; step < to; step++) insert.run(runId, keyId, step, 1 / (1 + step), 1.7e9 + step);
      });
      for (let from = 0; from < points; from += 100_000) batch(from, Math.min(points, from + 100_000));
      store.metrics.rebuildRollups(runId);
      ids.push(runId);
      log(`built run ${runId}: ${points} points in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return ids;
  } finally {
    store.close();
  }
}

function peakRss(pid: number): number | null {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return null;
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
  return match === null ? null : Number(match[1]) * 1024;
}

async function main(): Promise<void> {
  const runIds = buildStore();
  const bin = fileURLToPath(new URL('../../bin/mtlab.js', import.meta.url));
  const server = spawn(process.execPath, [bin, 'serve', '--db', file, '--port', '0', '--token', TOKEN], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let text = '';
      server.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /serving the lab on (http:\/\/[^/\s]+\/)/.exec(text);
        if (match !== null) resolve(match[1]!);
      });
      server.once('exit', (code) => reject(new Error(`mtlab serve exited (${code}) before listening`)));
    });
    const post = (method: string, body: unknown): Promise<Response> =>
      fetch(new URL(`/api/${method}`, base), {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await (await post('listRuns', {})).json();
    const rssBefore = peakRss(server.pid!);

    const latencies: number[] = [];
    let exporting = true;
    const pinger = (async () => {
      while (exporting) {
        const started = performance.now();
        await (await post('listRuns', {})).json();
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const started = performance.now();
    const response = await post('exportData', { what: 'metrics', format, runIds });
    if (response.status !== 200) throw new Error(`exportData answered ${response.status}: ${await response.text()}`);
    let bytes = 0;
    for await (const chunk of response.body!) bytes += (chunk as Uint8Array).byteLength;
    const seconds = (performance.now() - started) / 1000;
    exporting = false;
    await pinger;

    latencies.sort((a, b) => a - b);
    const result = {
      runs,
      pointsPerRun: points,
      format,
      exportBytes: bytes,
      exportSeconds: Number(seconds.toFixed(2)),
      pointsPerSecond: Math.round((runs * points) / seconds),
      serverPeakRssBytes: peakRss(server.pid!),
      serverPeakRssBeforeExportBytes: rssBefore,
      otherRequests: latencies.length,
      otherRequestMaxMs: Number((latencies.at(-1) ?? 0).toFixed(1)),
      otherRequestP99Ms: Number((latencies[Math.floor(latencies.length * 0.99)] ?? 0).toFixed(1)),
    };
    if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const mb = (n: number | null): string => (n === null ? 'n/a' : `${(n / 1e6).toFixed(0)} MB`);
      log(
        `exported ${runs} × ${points} points (${mb(bytes)} of ${format}) in ${result.exportSeconds} s; ` +
          `server peak RSS ${mb(result.serverPeakRssBytes)} (before the export ${mb(rssBefore)}); ` +
          `${latencies.length} other requests meanwhile, slowest ${result.otherRequestMaxMs} ms, ` +
          `p99 ${result.otherRequestP99Ms} ms`,
      );
    }
  } finally {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

await main();
