// A separate process that appends metric points to a store: used to test concurrent writers and crashes.
// Usage: node append-metrics.js DB RUN_ID KEY BATCHES BATCH_SIZE   (BATCHES = 0: forever, until killed)
import { Store } from '../../engine/store/store.js';

const [file, runArg, key, batchesArg, sizeArg] = process.argv.slice(2);
const runId = Number(runArg);
const batches = Number(batchesArg);
const size = Number(sizeArg);
const store = Store.open(file!, { recover: false });
let step = 0;
for (let b = 0; batches === 0 || b < batches; b++) {
  const points = [];
  for (let i = 0; i < size; i++, step++)
    points.push({ key: key!, step, value: Math.sin(step), wallTime: Date.now() / 1000 });
  store.metrics.append(runId, points);
  if (b === 0) process.send?.('started');
}
store.close();
