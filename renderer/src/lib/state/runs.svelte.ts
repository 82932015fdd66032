/**
 * All runs, kept current by the lab's events: progress and validation events patch the run in place (batched to
 * one update per animation frame, so a busy lab cannot flood the page), status changes and store changes reload the
 * list. Every view that shows runs reads them from here.
 */
import type { LabEventListener, RunProgressEvent, RunSummary } from '../../../../engine/api.js';
import { lab } from '../lab/client.svelte.js';
import { type LabCallError, toLabCallError } from '../lab/errors.js';

const bleuOf = (metrics: Record<string, number>): number | null => {
  for (const [key, value] of Object.entries(metrics)) if (/(^|\/)bleu$/.test(key)) return value;
  return null;
};

class Runs {
  list = $state.raw<RunSummary[]>([]);
  loaded = $state(false);
  loading = $state(false);
  error = $state.raw<LabCallError | null>(null);
  /** The latest progress event of each running run (speed, ETA), which summaries do not carry. */
  live = $state.raw<ReadonlyMap<number, RunProgressEvent>>(new Map());
  /** Bumped on each validation event: views showing a run's series reload when it moves. */
  validations = $state(0);

  private readonly byId = $derived(new Map(this.list.map((run) => [run.id, run])));
  private pending = new Map<number, Partial<RunSummary>>();
  private frame = 0;
  private reloadTimer: number | undefined;
  private generation = 0;
  private started = false;

  get(id: number): RunSummary | undefined {
    return this.byId.get(id);
  }

  /** Load once and follow events from then on. */
  start(): void {
    if (this.started) return;
    this.started = true;
    lab.subscribe(this.onEvent);
    void this.reload();
  }

  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    try {
      const runs = await lab.listRuns({});
      if (generation !== this.generation) return;
      this.list = runs;
      this.error = null;
      this.loaded = true;
    } catch (error) {
      if (generation === this.generation) this.error = toLabCallError(error);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** Reload soon, once, however many events ask for it. */
  private reloadSoon(): void {
    window.clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => void this.reload(), 300);
  }

  private patch(id: number, change: Partial<RunSummary>): void {
    this.pending.set(id, { ...this.pending.get(id), ...change });
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    this.list = this.list.map((run) => {
      const change = pending.get(run.id);
      return change === undefined ? run : { ...run, ...change };
    });
  }

  private readonly onEvent: LabEventListener = (event, payload) => {
    switch (event) {
      case 'run:progress': {
        const progress = payload as RunProgressEvent;
        this.live = new Map([...this.live, [progress.runId, progress] as const]);
        this.patch(progress.runId, {
          status: 'running',
          lastLoss: progress.loss,
          progress: { step: progress.step, totalSteps: progress.totalSteps, epoch: progress.epoch },
        });
        break;
      }
      case 'run:validation': {
        const { runId, metrics } = payload as { runId: number; metrics: Record<string, number> };
        const bleu = bleuOf(metrics);
        const known = this.pending.get(runId)?.bestBleu ?? this.get(runId)?.bestBleu ?? null;
        if (bleu !== null && (known === null || bleu > known)) this.patch(runId, { bestBleu: bleu });
        this.validations++;
        break;
      }
      case 'run:status': {
        const { runId, status, error } = payload as {
          runId: number;
          status: RunSummary['status'];
          error: string | null;
        };
        this.patch(runId, { status, error });
        if (status !== 'running') {
          this.live = new Map([...this.live].filter(([id]) => id !== runId));
        }
        this.reloadSoon();
        break;
      }
      case 'store:changed': {
        const { what } = payload as { what: string };
        if (what === 'runs' || what === 'experiments') this.reloadSoon();
        break;
      }
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
