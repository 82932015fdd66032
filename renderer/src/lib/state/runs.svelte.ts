/**
 * All runs, kept current by the lab's events: progress and validation events patch the run in place (batched to
 * one update per animation frame, so a busy lab cannot flood the page), status changes and store changes reload the
 * list. Every view that shows runs reads them from here.
 */
import { createSubscriber, SvelteMap } from 'svelte/reactivity';
import type { LabEventListener, RunProgressEvent, RunSummary } from '../../../../engine/contract/api.js';
import { lab } from '../lab/client.svelte.js';
import type { LabCallError } from '../lab/errors.js';
import { Resource } from './resource.svelte.js';

const NO_RUNS: readonly RunSummary[] = [];

/** The time, read reactively: it ticks each second while something on the page shows it, and not otherwise. */
class Clock {
  readonly #subscribe = createSubscriber((update) => {
    const timer = window.setInterval(update, 1000);
    return () => window.clearInterval(timer);
  });

  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}
const clock = new Clock();

class Runs {
  readonly #resource = new Resource<RunSummary[]>(() => lab.listRuns({}));
  readonly #byId = $derived(new Map((this.#resource.value ?? NO_RUNS).map((run) => [run.id, run])));
  /** The latest progress event of each running run (speed, ETA), which summaries do not carry. */
  readonly #live = new SvelteMap<number, RunProgressEvent>();
  /** Validation events heard per run: what shows a run's series reloads when its count moves. */
  readonly #validations = new SvelteMap<number, number>();
  /**
   * Running runs' training time as last heard (the store's, at a list load or when a run starts) and when: the
   * time shown goes on from there, since progress events do not carry it.
   */
  readonly #trainingSince = new SvelteMap<number, { seconds: number; at: number }>();
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

  /** Seconds a run has trained, going up each second while it trains. */
  trainingSeconds(run: RunSummary): number | null {
    const since = this.#trainingSince.get(run.id);
    if (run.status !== 'running' || since === undefined) return run.durationSeconds;
    return since.seconds + Math.max(0, (clock.now - since.at) / 1000);
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

  async reload(): Promise<void> {
    await this.#resource.load();
    const at = Date.now();
    for (const id of [...this.#trainingSince.keys()])
      if (this.get(id)?.status !== 'running') this.#trainingSince.delete(id);
    for (const run of this.list)
      if (run.status === 'running') this.#trainingSince.set(run.id, { seconds: run.durationSeconds ?? 0, at });
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
        if (payload.status !== 'running') {
          this.#live.delete(payload.runId);
          this.#trainingSince.delete(payload.runId);
        } else if (!this.#trainingSince.has(payload.runId)) {
          this.#trainingSince.set(payload.runId, {
            seconds: this.get(payload.runId)?.durationSeconds ?? 0,
            at: Date.now(),
          });
        }
        this.#reloadSoon();
        break;
      case 'store:changed':
        if (payload.what === 'runs' || payload.what === 'experiments') this.#reloadSoon();
        break;
    }
  };
}

export const runs = new Runs();

/**
 * A run's colour, from its id: the same run has the same colour on its own page, in every comparison and in the
 * attention view, whatever the order it is listed in (as W&B and Aim do). Runs made together (an experiment's) have
 * consecutive ids and so distinct colours; ids 12 apart share one.
 */
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

export function runColour(runId: number): string {
  const n = RUN_COLOURS.length;
  return RUN_COLOURS[(((runId - 1) % n) + n) % n]!;
}
