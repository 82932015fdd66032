/**
 * A hash router: `#/runs/12?tab=samples`. The hash keeps every view linkable and the page reloadable, and needs
 * nothing from the server (the same files are served by `mtlab serve` and loaded from disk by Electron).
 */
export interface Route {
  /** Path segments: `#/runs/12` → `['runs', '12']`. */
  path: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [pathPart = '', queryPart = ''] = text.split('?', 2);
  return {
    path: pathPart
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s)),
    query: new URLSearchParams(queryPart),
  };
}

export type QueryValues = Record<string, string | number | boolean | readonly (string | number)[] | null | undefined>;

/** `href(['runs', 3], { tab: 'samples' })` → `#/runs/3?tab=samples` (empty values are left out). */
export function href(path: readonly (string | number)[], query: QueryValues = {}): string {
  const search = Object.entries(query)
    .filter(([, value]) => value !== null && value !== undefined && value !== '' && value !== false)
    .map(([key, value]) => {
      const text = Array.isArray(value) ? value.join(',') : String(value);
      return `${encodeURIComponent(key)}=${encodeURIComponent(text).replace(/%2C/g, ',')}`;
    })
    .join('&');
  return `#/${path.map((s) => encodeURIComponent(String(s))).join('/')}${search === '' ? '' : `?${search}`}`;
}

class Router {
  #current = $state.raw<Route>(parse(window.location.hash));
  #changedAt = performance.now();

  constructor() {
    window.addEventListener('hashchange', () => {
      this.#changedAt = performance.now();
      this.#current = parse(window.location.hash);
    });
  }

  /** The route shown now. */
  get current(): Route {
    return this.#current;
  }

  /** When the route last changed (performance.now()), for the views that time how fast they draw. */
  get changedAt(): number {
    return this.#changedAt;
  }

  go(path: readonly (string | number)[], query: QueryValues = {}): void {
    window.location.hash = href(path, query);
  }

  /** Change query values of the current view without a new history entry (sliders, pickers). */
  setQuery(changes: QueryValues): void {
    const query: QueryValues = Object.fromEntries(this.#current.query.entries());
    Object.assign(query, changes);
    const next = href(this.#current.path, query);
    history.replaceState(history.state, '', next);
    this.#current = parse(next);
  }
}

export const router = new Router();

/** Comma-separated ids from a query value: `"3,5,9"` → `[3, 5, 9]`. */
export function idList(value: string | null): number[] {
  if (value === null) return [];
  return value
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n >= 0);
}
