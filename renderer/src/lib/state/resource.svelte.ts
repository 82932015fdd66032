import { untrack } from 'svelte';
import { type LabCallError, toLabCallError } from '../lab/errors.js';

/**
 * One thing loaded from the lab, with the states every view must show: loading, failed (with the lab's message),
 * loaded. A newer `load()` wins over an older one still in flight. The value is stored raw (not deeply reactive):
 * series and matrices are large and are replaced, never edited.
 */
export class Resource<T> {
  value = $state.raw<T | undefined>(undefined);
  error = $state.raw<LabCallError | null>(null);
  loading = $state(false);
  private generation = 0;

  constructor(private readonly fetcher: () => Promise<T>) {}

  /** Reload. Reactive reads inside the fetcher are not tracked: callers say what a reload depends on. */
  load(): Promise<void> {
    return untrack(() => this.run());
  }

  /** Forget the value (e.g. when what it was about is gone). */
  reset(): void {
    this.generation++;
    this.value = undefined;
    this.error = null;
    this.loading = false;
  }

  private async run(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    try {
      const value = await this.fetcher();
      if (generation !== this.generation) return;
      this.value = value;
      this.error = null;
    } catch (error) {
      if (generation !== this.generation) return;
      this.error = toLabCallError(error);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }
}
