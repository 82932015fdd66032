/**
 * What the contract's types promise its users, checked by the compiler (`npm run lint` type-checks this file: each
 * `@ts-expect-error` fails the build when the line under it compiles) and exercised on a real lab.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LabEventArgs, LabEventListener, MetricKey, StoreChangedEvent } from '../../engine/contract/api.js';
import { Lab } from '../../engine/lab.js';
import { tempDir } from '../helpers/paths.js';

describe('contract: events', () => {
  it('a switch on the event name narrows its payload, with no casts', async () => {
    const lab = Lab.open(path.join(tempDir(), 'experiments.db'));
    const changed: StoreChangedEvent['what'][] = [];
    const other: string[] = [];
    const listener: LabEventListener = (event, payload) => {
      switch (event) {
        case 'store:changed':
          changed.push(payload.what);
          break;
        case 'run:progress':
          other.push(`progress ${payload.step}/${payload.totalSteps}`);
          break;
        case 'run:validation':
          other.push(`validation ${payload.step}: best BLEU ${payload.bestBleu}`);
          break;
        case 'run:status': {
          // @ts-expect-error a status event has no `what`: the payload is narrowed to the status event
          other.push(payload.what);
          other.push(payload.status);
          break;
        }
        default: {
          const unheard: never = event;
          other.push(unheard);
        }
      }
    };
    const stop = lab.subscribe(listener);
    try {
      await lab.generateDataset({ generator: 'copy', name: 'copy', pairs: 20, seed: 1 });
      await lab.deleteDataset({ name: 'copy' });
    } finally {
      stop();
      await lab.close();
    }
    assert.deepEqual(changed, ['datasets', 'datasets']);
    assert.deepEqual(other, []);
  });
});

// Checked by the compiler only: each `@ts-expect-error` fails the build when the line under it compiles.
type Expect<T extends true> = T;
type IsMetricKey<K> = K extends MetricKey ? true : false;
type IsEventArgs<A> = A extends LabEventArgs ? true : false;

export type ContractTypeChecks = [
  // The metrics the engine records ...
  Expect<IsMetricKey<'train/loss'>>,
  Expect<IsMetricKey<'train/tokens_per_second'>>,
  Expect<IsMetricKey<'valid/bleu'>>,
  Expect<IsMetricKey<'valid/alignment_agreement'>>,
  Expect<IsMetricKey<'test/chrf'>>,
  // ... and nothing else.
  // @ts-expect-error a misspelt metric
  Expect<IsMetricKey<'valid/bleuu'>>,
  // @ts-expect-error a split the lab does not have
  Expect<IsMetricKey<'dev/bleu'>>,
  // @ts-expect-error an evaluation metric under train/
  Expect<IsMetricKey<'train/bleu'>>,
  // An event travels with its own payload ...
  Expect<IsEventArgs<['store:changed', { what: 'runs' }]>>,
  // @ts-expect-error ... never with another event's
  Expect<IsEventArgs<['run:status', { what: 'runs' }]>>,
];
