import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WebSocket } from 'ws';
import type { RunProgressEvent, RunStatusEvent } from '../../../engine/contract/api.js';
import { Lab } from '../../../engine/lab.js';
import { startServer } from '../../../engine/serve.js';
import { storeWithDataset, tinyConfig } from '../../helpers/training.js';

it('a WebSocket client sees a running run progress within a second of each step', async () => {
  const { store, file } = storeWithDataset('reverse', 80);
  store.close();
  const lab = Lab.open(file, { startQueue: true });
  const server = await startServer({ lab, port: 0, staticDir: null, log: () => {} });
  try {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}api/events`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const progress: { event: RunProgressEvent; receivedAt: number }[] = [];
    const ended: number[] = [];
    let onEnd = (): void => {};
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { event: string; payload: RunProgressEvent & RunStatusEvent };
      if (message.event === 'run:progress') progress.push({ event: message.payload, receivedAt: Date.now() / 1000 });
      if (message.event === 'run:status' && message.payload.status === 'finished') {
        ended.push(message.payload.runId);
        onEnd();
      }
    });
    // Start the run over HTTP, as the app does.
    const response = await fetch(`${server.url}api/createRun`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config: tinyConfig('reverse', { train: { steps: 60, validateEvery: 30 } }) }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const run = (await response.json()) as { id: number };
    assert.equal(await lab.waitForRun(run.id), 'finished');
    // The lab sends the last progress before the run's end, in order on one socket: wait for the end to arrive.
    await new Promise<void>((resolve) => {
      onEnd = () => {
        if (ended.includes(run.id)) resolve();
      };
      onEnd();
    });
    socket.close();
    assert.ok(progress.length >= 3, `${progress.length} progress events`);
    assert.equal(progress.at(-1)!.event.step, 60, 'the last step is never left out by throttling');
    // Each event arrives within a second of the step it reports (the step's time is when its loss was logged).
    const stepTimes = new Map([...lab.store.metrics.points(run.id, 'train/loss')].map((p) => [p.step, p.wallTime]));
    for (const { event, receivedAt } of progress) {
      const delay = receivedAt - stepTimes.get(event.step)!;
      assert.ok(delay < 1, `step ${event.step} arrived ${delay.toFixed(3)} s after it happened`);
    }
    // Throttled: far fewer events than steps.
    assert.ok(progress.length < 60);
  } finally {
    await server.close();
    await lab.close();
  }
});
