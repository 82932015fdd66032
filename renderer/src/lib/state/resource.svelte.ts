import { untrack } from 'svelte';
import { type LabCallError, toLabCallError } from '../lab/errors.js';

/**
 * One thing loaded from the lab, with the states every view must show: loading, failed (with the lab's message),
 * loaded. A newer `load()` wins over an older one still in flight. The value is stored raw (not deeply reactive):
 * series and matrices are large and are replaced, never edited.
 */
export class Resource<T> {
  #value = $state.raw<T | undefined>(undefined);
  #error = $state.raw<LabCallError | null>(null);
  #loading = $state(false);
  #generation = 0;
  readonly #fetcher: () => Promise<T>;

  constructor(fetcher: () => Promise<T>) {
    this.#fetcher = fetcher;
  }

  /** The last value loaded (kept while a reload is in flight or after a reload failed). */
  get value(): T | undefined {
    return this.#value;
  }

  /** Why the last load failed; null once one succeeds. */
  get error(): LabCallError | null {
    return this.#error;
  }

  get loading(): boolean {
    return this.#loading;
  }

  /** Whether a value was ever loaded. */
  get loaded(): boolean {
    return this.#value !== undefined;
  }

  /** Reload. Reactive reads inside the fetcher are not tracked: callers say what a reload depends on. */
  load(): Promise<void> {
    return untrack(() => this.#run());
  }

  /**
   * Replace the loaded value with one derived from it (e.g. patched from the lab's events). A load in flight still
   * wins when it lands: it is newer than what the events said.
   */
  update(change: (value: T) => T): void {
    if (this.#value !== undefined) this.#value = change(this.#value);
  }

  /** Forget the value (e.g. when what it was about is gone). */
  reset(): void {
    this.#generation++;
    this.#value = undefined;
    this.#error = null;
    this.#loading = false;
  }

  async #run(): Promise<void> {
    const generation = ++this.#generation;
    this.#loading = true;
    try {
      const value = await this.#fetcher();
      if (generation !== this.#generation) return;
      this.#value = value;
      this.#error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#error = toLabCallError(error);
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }
}
