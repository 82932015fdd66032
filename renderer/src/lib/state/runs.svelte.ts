/**
 * All runs, kept current by the lab's events: progress and validation events patch the run in place (batched to
 * one update per animation frame, so a busy lab cannot flood the page), status changes and store changes reload the
 * list. Every view that shows runs reads them from here.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { LabEventListener, RunProgressEvent, RunSummary } from '../../../../engine/contract/api.js';
import { lab } from '../lab/client.svelte.js';
import type { LabCallError } from '../lab/errors.js';
import { Resource } from './resource.svelte.js';

const NO_RUNS: readonly RunSummary[] = [];

class Runs {
  readonly #resource = new Resource<RunSummary[]>(() => lab.listRuns({}));
  readonly #byId = $derived(new Map((this.#resource.value ?? NO_RUNS).map((run) => [run.id, run])));
  /** The latest progress event of each running run (speed, ETA), which summaries do not carry. */
  readonly #live = new SvelteMap<number, RunProgressEvent>();
  /** Validation events heard per run: what shows a run's series reloads when its count moves. */
  readonly #validations = new SvelteMap<number, number>();
  #pending = new Map<number, Partial<RunSummary>>();
  #frame = 0;
  #reloadTimer: number | undefined;
  #started = false;

  get list(): readonly RunSummary[] {
    return this.#resource.value ?? NO_RUNS;
  }

  /** Whether the list was loaded once (it may be reloading, or have failed to reload since). */
  get loaded(): boolean {
    return this.#resource.loaded;
  }

  get loading(): boolean {
    return this.#resource.loading;
  }

  get error(): LabCallError | null {
    return this.#resource.error;
  }

  get(id: number): RunSummary | undefined {
    return this.#byId.get(id);
  }

  /** The latest progress of a running run (speed, ETA); undefined once it stops. */
  progressOf(id: number): RunProgressEvent | undefined {
    return this.#live.get(id);
  }

  /** How many validations of the run were heard since the page opened. */
  validationsOf(id: number): number {
    return this.#validations.get(id) ?? 0;
  }

  /** Load once and follow events from then on. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    lab.subscribe(this.#onEvent);
    void this.reload();
  }

  reload(): Promise<void> {
    return this.#resource.load();
  }

  /** Reload soon, once, however many events ask for it. */
  #reloadSoon(): void {
    window.clearTimeout(this.#reloadTimer);
    this.#reloadTimer = window.setTimeout(() => void this.reload(), 300);
  }

  #patch(id: number, change: Partial<RunSummary>): void {
    this.#pending.set(id, { ...this.#pending.get(id), ...change });
    if (this.#frame === 0) this.#frame = requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    this.#frame = 0;
    if (this.#pending.size === 0) return;
    const pending = this.#pending;
    this.#pending = new Map();
    this.#resource.update((list) =>
      list.map((run) => {
        const change = pending.get(run.id);
        return change === undefined ? run : { ...run, ...change };
      }),
    );
  }

  readonly #onEvent: LabEventListener = (event, payload) => {
    switch (event) {
      case 'run:progress':
        this.#live.set(payload.runId, payload);
        this.#patch(payload.runId, {
          status: 'running',
          lastLoss: payload.loss,
          progress: { step: payload.step, totalSteps: payload.totalSteps, epoch: payload.epoch },
        });
        break;
      case 'run:validation':
        // The lab says what the best BLEU is now (it keeps it in the store): nothing to work out here.
        this.#patch(payload.runId, { bestBleu: payload.bestBleu });
        this.#validations.set(payload.runId, this.validationsOf(payload.runId) + 1);
        break;
      case 'run:status':
        this.#patch(payload.runId, { status: payload.status, error: payload.error });
        if (payload.status !== 'running') this.#live.delete(payload.runId);
        this.#reloadSoon();
        break;
      case 'store:changed':
        if (payload.what === 'runs' || payload.what === 'experiments') this.#reloadSoon();
        break;
    }
  };
}

export const runs = new Runs();

/** A run's colour in charts, by its position among the runs shown (stable for a given selection). */
export const RUN_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
  '#8cd17d',
  '#499894',
  '#d37295',
];

export function runColour(index: number): string {
  return RUN_COLOURS[index % RUN_COLOURS.length]!;
}
