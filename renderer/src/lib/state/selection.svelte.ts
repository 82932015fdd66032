/** Runs picked in the runs table to compare; kept for the session so going back and forth keeps the choice. */
import { SvelteSet } from 'svelte/reactivity';

const STORAGE_KEY = 'mtlab.selection';

function restore(): number[] {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '[]') as unknown;
    return Array.isArray(value) ? value.filter((n): n is number => Number.isInteger(n)) : [];
  } catch {
    return [];
  }
}

class Selection {
  readonly #ids = new SvelteSet<number>(restore());

  has(id: number): boolean {
    return this.#ids.has(id);
  }

  toggle(id: number): void {
    if (this.#ids.has(id)) this.#ids.delete(id);
    else this.#ids.add(id);
    this.#save();
  }

  /** Add runs to the selection (those already in it stay). */
  add(ids: Iterable<number>): void {
    for (const id of ids) this.#ids.add(id);
    this.#save();
  }

  /** Take runs out of the selection. */
  remove(ids: Iterable<number>): void {
    for (const id of ids) this.#ids.delete(id);
    this.#save();
  }

  set(ids: readonly number[]): void {
    this.#ids.clear();
    for (const id of ids) this.#ids.add(id);
    this.#save();
  }

  clear(): void {
    this.#ids.clear();
    this.#save();
  }

  /** The selected run ids, in ascending order. */
  get list(): number[] {
    return [...this.#ids].sort((a, b) => a - b);
  }

  #save(): void {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify([...this.#ids]));
  }
}

export const selection = new Selection();
