/**
 * Keys that arrive from outside the process (request bodies, config files, `--set`, experiment overrides, bundle
 * manifests) and become property names. A key such as `__proto__` turns `target[key] = value` into a write to
 * `Object.prototype`, which every object in the process then inherits (issue 13: one request switched the token
 * check off); `constructor` and `toString` are found on every plain object by `in` and by a plain lookup, so they
 * pass "is this a known field?" checks. So every path that turns outside keys into objects refuses these names,
 * looks keys up with `Object.hasOwn` (or in a Map), and checks nesting depth with loops, never recursion.
 *
 * Pure (no Node, no DOM): the browser runtime's bundle reader uses it too.
 */

/**
 * Names that may never be keys: `Object.prototype`'s own members (`__proto__`, `constructor`, `toString`,
 * `hasOwnProperty`, `valueOf`, `__defineGetter__`, ...), taken when this module loads, and `prototype`.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  '__proto__',
  'constructor',
  'prototype',
]);

export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.has(key);
}

/** Why a reserved key is refused, in words for a message (`<field> ...`). */
export const RESERVED_REASON =
  'is a reserved name: __proto__, constructor, prototype and the other names of JavaScript objects ' +
  '(toString, valueOf, hasOwnProperty, ...) cannot be keys';

/** The deepest nesting any outside value may have (a config is 4 levels deep, a request body about 6). */
export const MAX_DEPTH = 64;

export interface KeyProblem {
  /** Where: `overrides.model.__proto__`, `weightsManifest[0].weights[2]` ('' for the value itself). */
  path: string;
  /** The key at fault, or null for a depth or cycle problem. */
  key: string | null;
  /** What is wrong, to follow the path in a message: `is a reserved name: ...`. */
  message: string;
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/**
 * Walk a parsed value (objects and arrays; loops, so any depth is safe) and report the first reserved key, a
 * nesting deeper than `maxDepth`, an object that contains itself (a YAML alias inside its own anchor), and with
 * `finiteNumbers`, a NaN or infinite number (which JSON cannot carry: it would silently become null).
 * `prefix` is prepended to the paths reported.
 */
export function findKeyProblem(
  value: unknown,
  options: { maxDepth?: number; prefix?: string; finiteNumbers?: boolean } = {},
): KeyProblem | null {
  const maxDepth = options.maxDepth ?? MAX_DEPTH;
  // Each entry: the value, its path, its depth, and the chain of objects above it (to see cycles).
  const stack: { value: unknown; path: string; depth: number; above: readonly object[] }[] = [
    { value, path: options.prefix ?? '', depth: 0, above: [] },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (options.finiteNumbers && typeof v === 'number' && !Number.isFinite(v)) {
      const what = Number.isNaN(v) ? 'NaN (not a number; YAML writes it .nan)' : "infinite (YAML's .inf)";
      return { path: item.path, key: null, message: `is ${what}: it must be a finite number` };
    }
    if (typeof v !== 'object' || v === null) continue;
    if (item.above.includes(v)) {
      return { path: item.path, key: null, message: 'contains itself (an alias inside its own anchor?)' };
    }
    if (item.depth >= maxDepth) {
      return { path: item.path, key: null, message: `is nested more than ${maxDepth} levels deep` };
    }
    const above = [...item.above, v];
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i] as unknown, path: `${item.path}[${i}]`, depth: item.depth + 1, above });
      }
      continue;
    }
    const keys = Reflect.ownKeys(v);
    for (const key of keys) {
      if (typeof key !== 'string') continue;
      if (isReservedKey(key)) return { path: join(item.path, key), key, message: RESERVED_REASON };
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (typeof key !== 'string') continue;
      const child = Object.getOwnPropertyDescriptor(v, key)?.value as unknown;
      stack.push({ value: child, path: join(item.path, key), depth: item.depth + 1, above });
    }
  }
  return null;
}

/**
 * How deeply `text` (JSON) nests arrays and objects, scanning no further than needed: the offset where it first
 * passes `limit`, or null if it never does. Runs before `JSON.parse`, so a 50,000-deep body is refused cheaply
 * and never reaches recursive code.
 */
export function jsonTooDeep(text: string, limit = MAX_DEPTH): { offset: number } | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return { offset: i };
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return null;
}

/** `table[key]` for an own property only: inherited members (`toString`, `constructor`) are not entries. */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * `target[key] = value` as an own data property whatever `key` is: a stored or outside name such as `__proto__`
 * becomes an ordinary entry instead of replacing `target`'s prototype (for maps returned as JSON objects).
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
