/** Light, dark, or whatever the system prefers; remembered in localStorage and applied as `<html data-theme>`. */
export type ThemeChoice = 'light' | 'dark' | 'system';

const STORAGE_KEY = 'mtlab.theme';
const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

function stored(): ThemeChoice {
  const value = localStorage.getItem(STORAGE_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

class Theme {
  #choice = $state<ThemeChoice>(stored());
  #systemDark = $state(darkQuery.matches);
  readonly #resolved = $derived<'light' | 'dark'>(
    this.#choice === 'system' ? (this.#systemDark ? 'dark' : 'light') : this.#choice,
  );

  constructor() {
    darkQuery.addEventListener('change', (event) => {
      this.#systemDark = event.matches;
      this.#apply();
    });
    this.#apply();
  }

  /** What the person chose. */
  get choice(): ThemeChoice {
    return this.#choice;
  }

  /** What shows: the choice, or the system's preference when that is the choice. */
  get resolved(): 'light' | 'dark' {
    return this.#resolved;
  }

  set(choice: ThemeChoice): void {
    this.#choice = choice;
    if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, choice);
    this.#apply();
  }

  /** Flip between light and dark (from whatever is showing). */
  toggle(): void {
    this.set(this.#resolved === 'dark' ? 'light' : 'dark');
  }

  #apply(): void {
    document.documentElement.dataset.theme = this.#resolved;
  }
}

export const theme = new Theme();
