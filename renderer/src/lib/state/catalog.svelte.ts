/** Datasets and experiments: small lists many views need (pickers, names), reloaded when the store says so. */
import type { DatasetSummary, ExperimentSummary } from '../../../../engine/contract/api.js';
import { lab } from '../lab/client.svelte.js';
import { Resource } from './resource.svelte.js';

class Catalog {
  readonly #datasets = new Resource<DatasetSummary[]>(() => lab.listDatasets());
  readonly #experiments = new Resource<ExperimentSummary[]>(() => lab.listExperiments());
  #started = false;

  get datasets(): Resource<DatasetSummary[]> {
    return this.#datasets;
  }

  get experiments(): Resource<ExperimentSummary[]> {
    return this.#experiments;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#datasets.load();
    void this.#experiments.load();
    lab.subscribe((event, payload) => {
      if (event !== 'store:changed') return;
      if (payload.what === 'datasets') void this.#datasets.load();
      if (payload.what === 'experiments' || payload.what === 'runs') void this.#experiments.load();
    });
  }

  experiment(id: number | null): ExperimentSummary | undefined {
    return id === null ? undefined : this.#experiments.value?.find((e) => e.id === id);
  }
}

export const catalog = new Catalog();
