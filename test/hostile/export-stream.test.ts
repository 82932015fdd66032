/**
 * Hostile inputs: a metric export of runs with millions of points. The export streams (engine/export/data-stream.ts):
 * text leaves before the rows are all read, the HTTP answer is chunked, and the server answers other requests
 * while an export is under way. The 4 × 3 M points check of memory and latency is a benchmark
 * (bench/export-stream.ts), not a test; these use small data and check the behaviour, not the speed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExportDataRequest } from '../../engine/contract/api.js';
import { Lab } from '../../engine/lab.js';
import { type RunningServer, type ServedLab, startServer } from '../../engine/serve.js';
import { Store } from '../../engine/store/store.js';
import { addTinyDataset, fixtureConfig } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/paths.js';

const TOKEN = 'test-token-0123456789';
const POINTS = 20_000;

function labWithPoints(): { lab: Lab; runIds: number[] } {
  const store = Store.open(path.join(tempDir(), 'experiments.db'));
  addTinyDataset(store);
  const runIds = [0, 1].map((r) =>
    store.createRun({ name: `run ${r}`, config: fixtureConfig('tiny'), experimentId: null, totalSteps: POINTS }),
  );
  for (const runId of runIds) {
    for (let from = 0; from < POINTS; from += 5000) {
      const points = [];
      for (let step = from; step < from + 5000; step++) {
        points.push({ key: 'train/loss', step, value: 1 / (step + 1), wallTime: 1_700_000_000 + step });
        if (step % 10 === 0) points.push({ key: 'valid/bleu', step, value: step / POINTS, wallTime: 1_700_000_000 });
      }
      store.metrics.append(runId, points);
    }
  }
  return { lab: new Lab(store), runIds };
}

/** What the former all-in-memory export produced (the streamed text must be the same, byte for byte). */
function expectedCsv(lab: Lab, runIds: number[]): string {
  const lines = ['run,key,step,value,wall_time'];
  for (const runId of runIds)
    for (const key of lab.store.metrics.keys([runId]))
      for (const p of lab.store.metrics.points(runId, key))
        lines.push(`${runId},${key},${p.step},${p.value},${p.wallTime}`);
  return lines.join('\n') + '\n';
}

function expectedJson(lab: Lab, runIds: number[]): string {
  const runs = runIds.map((runId) => ({
    runId,
    metrics: Object.fromEntries(
      lab.store.metrics.keys([runId]).map((key) => [key, [...lab.store.metrics.points(runId, key)]]),
    ),
  }));
  return JSON.stringify({ runs });
}

describe('hostile: metric exports of many points stream', () => {
  let lab: Lab;
  let runIds: number[];
  let pointsRead = 0;
  let server: RunningServer;
  let openGate = (): void => {};
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const total = 2 * (POINTS + POINTS / 10);

  before(async () => {
    ({ lab, runIds } = labWithPoints());
    // The lab as served, with an export whose reading the test observes, and which waits at `gate` after its
    // first chunks (so the other request is sure to come while the export is under way, however fast it runs).
    const served = Object.create(lab) as ServedLab;
    served.exportDataStream = (request: ExportDataRequest) => {
      const stream = lab.exportDataStream(request, {
        chunkPoints: 1000,
        onPage: (n) => {
          pointsRead = n;
        },
      });
      return {
        ...stream,
        chunks: (async function* () {
          let n = 0;
          for await (const chunk of stream.chunks) {
            if (n++ === 3) await gate;
            yield chunk;
          }
        })(),
      };
    };
    server = await startServer({ lab: served, port: 0, token: TOKEN, staticDir: null, log: () => {} });
  });

  after(async () => {
    openGate();
    await server.close();
    await lab.close();
  });

  it('hands out text before the rows are all read, the same text as a whole export', async () => {
    for (const format of ['csv', 'json'] as const) {
      let read = 0;
      const stream = lab.exportDataStream(
        { what: 'metrics', format, runIds },
        {
          chunkPoints: 500,
          onPage: (n) => {
            read = n;
          },
        },
      );
      const parts: string[] = [];
      let readAtFirstPoints = -1;
      for await (const chunk of stream.chunks) {
        parts.push(chunk);
        if (readAtFirstPoints < 0 && /"step"|,train\/loss,/.test(chunk)) readAtFirstPoints = read;
      }
      assert.ok(readAtFirstPoints > 0 && readAtFirstPoints <= 500, `first points after ${readAtFirstPoints} read`);
      assert.equal(read, total);
      assert.equal(parts.join(''), format === 'csv' ? expectedCsv(lab, runIds) : expectedJson(lab, runIds));
      assert.equal(stream.fileName, `runs-${runIds.join('-')}-metrics.${format}`);
    }
  });

  it('answers exportData over HTTP as a chunked response, and other requests while it is under way', async () => {
    pointsRead = 0;
    const response = await fetch(new URL('/api/exportData', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ what: 'metrics', format: 'csv', runIds }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('transfer-encoding'), 'chunked');
    assert.equal(response.headers.get('content-length'), null);
    // The body is not read yet: the export waits for the client, and the server is free meanwhile.
    const other = await fetch(new URL('/api/listRuns', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(other.status, 200);
    assert.equal(((await other.json()) as unknown[]).length, 2);
    assert.ok(pointsRead < total, `the export had read ${pointsRead} of ${total} points when listRuns answered`);
    openGate();
    const body = (await response.json()) as { fileName: string; mimeType: string; content: string };
    assert.equal(body.mimeType, 'text/csv');
    assert.equal(body.fileName, `runs-${runIds.join('-')}-metrics.csv`);
    assert.equal(body.content, expectedCsv(lab, runIds));
    assert.equal(pointsRead, total);
  });

  it('still refuses a bad export with its 4xx before any of the body is sent', async () => {
    const response = await fetch(new URL('/api/exportData', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ what: 'metrics', format: 'csv', runIds: [999] }),
    });
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /999/);
  });
});
