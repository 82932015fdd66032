/**
 * The metric curves of some runs, kept current while they train: one refresh policy for every view that charts
 * runs (the run view, the compare view).
 *
 * - The metric names are reloaded when the runs shown change, and whenever one of them changes status or reports a
 *   validation (a validation may log names not seen before: `valid/bleu` appears at the first one, `test/*` at the
 *   end).
 * - The series are reloaded (`refresh` moves) at the same moments, and, while one of the runs is training, as its
 *   steps move: at most once every `intervalMs`, however fast the lab reports progress.
 *
 * Made while a component initialises (its effects belong to that component and stop with it).
 */
import { untrack } from 'svelte';
import { lab } from '../lab/client.svelte.js';
import { Resource } from './resource.svelte.js';
import { runs } from './runs.svelte.js';

export const LIVE_REFRESH_MS = 1500;

export class LiveSeries {
  readonly #keys: Resource<string[]>;
  #refresh = $state(0);
  #changes = $state(0);
  #timer: number | undefined;

  /** `runIds` is read reactively: when what it returns changes, the manager follows. */
  constructor(runIds: () => readonly number[], intervalMs = LIVE_REFRESH_MS) {
    this.#keys = new Resource<string[]>(() => {
      const ids = runIds();
      return ids.length === 0 ? Promise.resolve([]) : lab.getMetricKeys({ runIds: [...ids] });
    });

    // Which runs, what state each is in, how many validations each reported: any change reloads names and series.
    const states = $derived(
      runIds()
        .map((id) => `${id}:${runs.get(id)?.status ?? '?'}:${runs.validationsOf(id)}`)
        .join(','),
    );
    const training = $derived(runIds().some((id) => runs.get(id)?.status === 'running'));
    const steps = $derived(
      runIds()
        .map((id) => runs.get(id)?.progress.step ?? 0)
        .join(','),
    );

    $effect(() => {
      void states;
      untrack(() => {
        this.#changes++;
        this.#reload();
      });
    });
    $effect(() => {
      void steps;
      if (!training || this.#timer !== undefined) return;
      this.#timer = window.setTimeout(() => {
        this.#timer = undefined;
        this.#reload();
      }, intervalMs);
    });
    $effect(() => () => {
      window.clearTimeout(this.#timer);
      this.#timer = undefined;
    });
  }

  /** The metric names the runs logged (with the states of loading them). */
  get keys(): Resource<string[]> {
    return this.#keys;
  }

  /** Moves whenever the series should be reloaded: pass it to the charts. */
  get refresh(): number {
    return this.#refresh;
  }

  /**
   * Moves when one of the runs changes status or reports a validation: what else a view shows of them (a
   * comparison table, a run's detail) is stale then.
   */
  get changes(): number {
    return this.#changes;
  }

  #reload(): void {
    void this.#keys.load();
    this.#refresh++;
  }
}
