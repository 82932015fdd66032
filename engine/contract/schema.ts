/**
 * A small declarative validator for the arguments of lab calls that arrive from outside the process (HTTP, IPC).
 *
 * A `Schema<T>` checks an `unknown` and returns it typed as `T`, or throws a `LabError('invalid-request')` whose
 * message names the field at fault (`runIds[2]`, `options.maxWords`). The contract's request types are inferred
 * from these schemas (`Infer<typeof schema>`), so a request's type and its check cannot drift apart.
 */
import { LabError } from '../errors.js';
import { findKeyProblem, isReservedKey, RESERVED_REASON } from '../keys.js';

/** What every schema has, whatever it checks (used as the constraint of object shapes). */
export interface AnySchema {
  /** What the value must be, in words: "a whole number", "one of "greedy", "beam"". */
  readonly expected: string;
  /** Set on schemas made by `optional()`: the field may be left out. */
  readonly optional?: true;
  /** Check `value` (found at `path`) and return it, or throw a LabError naming `path`. */
  parse(value: unknown, path: string): unknown;
}

export interface Schema<T> extends AnySchema {
  parse(value: unknown, path: string): T;
  /** Never set: makes `Schema<T>` invariant in `T` (a function property is contravariant in its parameter). */
  readonly _exactly?: (value: T) => T;
}

export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Shape = Record<string, AnySchema>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

/** Show a rejected value briefly in a message. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

export function invalid(path: string, message: string): LabError {
  const where = path === '' ? 'the request' : `field "${path}"`;
  return new LabError('invalid-request', `${where} ${message}`, { field: path });
}

function mismatch(path: string, expected: string, value: unknown): LabError {
  return invalid(path, `must be ${expected}, got ${describeValue(value)}`);
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A value passed through to the lab whole (a config, overrides) must not carry reserved keys (`__proto__`,
 * `constructor`, ...) or nest without end: checked here too, for hosts whose bodies are not JSON text (IPC).
 */
function checkPassedThrough(value: unknown, path: string): void {
  const problem = findKeyProblem(value, { prefix: path });
  if (problem !== null) throw invalid(problem.path, problem.message);
}

function make<T>(expected: string, parse: (value: unknown, path: string) => T): Schema<T> {
  return { expected, parse };
}

export function string(limits: { minLength?: number; maxLength?: number } = {}): Schema<string> {
  const min = limits.minLength ?? 0;
  const max = limits.maxLength ?? Number.POSITIVE_INFINITY;
  const expected = min > 0 ? 'a non-empty string' : 'a string';
  return make(expected, (value, path) => {
    if (typeof value !== 'string') throw mismatch(path, expected, value);
    if (value.length < min) {
      throw invalid(path, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
    }
    if (value.length > max) throw invalid(path, `must have at most ${max} characters, got ${value.length}`);
    return value;
  });
}

export function number(limits: { min?: number; max?: number; integer?: boolean } = {}): Schema<number> {
  const expected = limits.integer ? 'a whole number' : 'a number';
  return make(expected, (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw mismatch(path, expected, value);
    if (limits.integer && !Number.isInteger(value)) throw mismatch(path, expected, value);
    if (limits.min !== undefined && value < limits.min) throw invalid(path, `must be at least ${limits.min}`);
    if (limits.max !== undefined && value > limits.max) throw invalid(path, `must be at most ${limits.max}`);
    return value;
  });
}

export function integer(limits: { min?: number; max?: number } = {}): Schema<number> {
  return number({ ...limits, integer: true });
}

export function boolean(): Schema<boolean> {
  return make('true or false', (value, path) => {
    if (typeof value !== 'boolean') throw mismatch(path, 'true or false', value);
    return value;
  });
}

export function oneOf<const V extends readonly string[]>(values: V): Schema<V[number]> {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return make(expected, (value, path) => {
    if (typeof value !== 'string' || !values.includes(value)) throw mismatch(path, expected, value);
    return value as V[number];
  });
}

export function array<T>(item: Schema<T>, limits: { minLength?: number; maxLength?: number } = {}): Schema<T[]> {
  const expected = `an array of ${item.expected.replace(/^an? /, '')}s`;
  return make(expected, (value, path) => {
    if (!Array.isArray(value)) throw mismatch(path, expected, value);
    if (limits.minLength !== undefined && value.length < limits.minLength) {
      throw invalid(path, limits.minLength === 1 ? 'must not be empty' : `needs at least ${limits.minLength} items`);
    }
    if (limits.maxLength !== undefined && value.length > limits.maxLength) {
      throw invalid(path, `may hold at most ${limits.maxLength} items, got ${value.length}`);
    }
    return value.map((v, i) => item.parse(v, `${path}[${i}]`));
  });
}

/** A field that may be left out (or sent as null, which JSON encoders produce for absent values). */
export function optional<T>(schema: Schema<T>): OptionalSchema<T> {
  return {
    expected: schema.expected,
    optional: true,
    parse(value: unknown, path: string): T | undefined {
      return value === undefined || value === null ? undefined : schema.parse(value, path);
    },
  };
}

/** A plain object with exactly these fields: unknown fields are refused, so a misspelt field is never ignored. */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  return make('an object', (value, path) => {
    if (!isPlainObject(value)) throw mismatch(path, 'an object', value);
    for (const key of Object.keys(value)) {
      if (isReservedKey(key)) throw invalid(join(path, key), RESERVED_REASON);
      if (!Object.hasOwn(shape, key)) {
        throw invalid(join(path, key), `is not a known field${keys.length > 0 ? ` (known: ${keys.join(', ')})` : ''}`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const field = shape[key]!;
      const raw = value[key];
      if (raw === undefined && !field.optional) throw invalid(join(path, key), `is required (${field.expected})`);
      const parsed = field.parse(raw, join(path, key));
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as ObjectOf<S>;
  });
}

/** The first alternative whose distinguishing field is present decides; the message lists the alternatives. */
export function union<A, B>(first: Schema<A>, firstKey: string, second: Schema<B>, secondKey: string): Schema<A | B> {
  const expected = `an object with either "${firstKey}" or "${secondKey}"`;
  return make(expected, (value, path) => {
    if (!isPlainObject(value)) throw mismatch(path, expected, value);
    if (Object.hasOwn(value, firstKey)) return first.parse(value, path);
    if (Object.hasOwn(value, secondKey)) return second.parse(value, path);
    throw invalid(path, `must have a "${firstKey}" or a "${secondKey}" field`);
  });
}

/** Any JSON object with string keys (its values are the callee's business). */
export function record(): Schema<Record<string, unknown>> {
  return make('an object', (value, path) => {
    if (!isPlainObject(value)) throw mismatch(path, 'an object', value);
    checkPassedThrough(value, path);
    return value;
  });
}

/** Anything at all: for fields the lab validates itself with its own, more precise messages. */
export function unknownValue(): Schema<unknown> {
  return make('any value', (value, path) => {
    checkPassedThrough(value, path);
    return value;
  });
}

/**
 * An object whose detailed shape the lab checks itself (a run config: `engine/config.ts` reports each field).
 * The transport only insists on an object; the type names what the lab will accept.
 */
export function checkedByLab<T extends object>(what: string): Schema<T> {
  return make(`${what} (an object)`, (value, path) => {
    if (!isPlainObject(value)) throw mismatch(path, `${what} (an object)`, value);
    checkPassedThrough(value, path);
    return value as T;
  });
}

/** No argument: an empty body, `null` or `{}`. */
export function none(): Schema<undefined> {
  return make('no argument', (value, path) => {
    if (value === undefined || value === null) return undefined;
    if (isPlainObject(value) && Object.keys(value).length === 0) return undefined;
    throw invalid(path, `takes no argument, got ${describeValue(value)}`);
  });
}
