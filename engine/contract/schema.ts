/**
 * The schema helpers of the contract's requests, on zod (https://zod.dev, version 4, its tree-shakable `zod/mini`
 * API: the preload bundles this module, and a training worker loads it): each helper is a zod schema
 * whose messages say what the value must be, so that `parse` can throw one `LabError('invalid-request')` naming the
 * field at fault: `field "runIds[1]" must be at least 0`, `field "ID" is not a known field (known: id)`. The request
 * types are inferred from these schemas (`Infer<typeof schema>`), so a request's type and its check cannot drift
 * apart.
 *
 * Objects are strict (a misspelt field is refused, never ignored), an optional field may be left out or sent as null
 * (which JSON encoders produce for absent values), and keys that would reach JavaScript's object internals
 * (`__proto__`, `constructor`, ...) are refused anywhere in an argument before zod sees it.
 */
import * as z from 'zod/mini';
import { LabError } from '../errors.js';
import { findKeyProblem } from '../keys.js';

/** Any schema of the contract. */
export type AnySchema = z.ZodMiniType;
/** What a schema returns: the type of a request. */
export type Infer<S extends AnySchema> = z.output<S>;

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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

type RawIssue = z.core.$ZodRawIssue;

/**
 * The message of a value that is not what it must be: "must be a whole number, got "seven"", or, for a field left
 * out of an object, "is required (a whole number)". (A message follows the field it is about: `field "id" ...`.)
 */
const mismatch =
  (expected: string) =>
  (issue: RawIssue): string =>
    issue.input === undefined && (issue.path?.length ?? 0) > 0
      ? `is required (${expected})`
      : `must be ${expected}, got ${describeValue(issue.input)}`;

/** A schema's messages: what a value of the wrong type must be, and what each size limit says. */
function messages(expected: string, limits: { tooSmall?: string; tooBig?: (issue: RawIssue) => string } = {}) {
  return {
    error: (issue: RawIssue): string => {
      if (issue.code === 'too_small' && limits.tooSmall !== undefined) return limits.tooSmall;
      if (issue.code === 'too_big' && limits.tooBig !== undefined) return limits.tooBig(issue);
      return mismatch(expected)(issue);
    },
  };
}

const lengthOf = (issue: RawIssue): number => (issue.input as { length: number }).length;

export function string(limits: { minLength?: number; maxLength?: number } = {}) {
  const min = limits.minLength ?? 0;
  const expected = min > 0 ? 'a non-empty string' : 'a string';
  let schema = z.string(messages(expected));
  if (min > 0)
    schema = schema.check(z.minLength(min, min === 1 ? 'must not be empty' : `must have at least ${min} characters`));
  if (limits.maxLength !== undefined) {
    const max = limits.maxLength;
    schema = schema.check(
      z.maxLength(max, { error: (issue) => `must have at most ${max} characters, got ${lengthOf(issue)}` }),
    );
  }
  return describedAs(schema, expected);
}

function bounded<S extends z.ZodMiniType<number>>(schema: S, limits: { min?: number; max?: number }): S {
  let out = schema;
  // `check` returns a new schema (zod/mini schemas are immutable).
  if (limits.min !== undefined) out = out.check(z.minimum(limits.min, `must be at least ${limits.min}`));
  if (limits.max !== undefined) out = out.check(z.maximum(limits.max, `must be at most ${limits.max}`));
  return out;
}

/** A finite number (zod refuses NaN and the infinities). */
export function number(limits: { min?: number; max?: number } = {}) {
  return describedAs(bounded(z.number(messages('a number')), limits), 'a number');
}

export function integer(limits: { min?: number; max?: number } = {}) {
  // `z.int()` is a safe integer (its own bounds are ±(2^53 - 1)); past them, the message gives the field's bound.
  const schema = z.int(
    messages('a whole number', {
      tooSmall: `must be at least ${limits.min ?? Number.MIN_SAFE_INTEGER}`,
      tooBig: () => `must be at most ${limits.max ?? Number.MAX_SAFE_INTEGER}`,
    }),
  );
  return describedAs(bounded(schema, limits), 'a whole number');
}

export function boolean() {
  return describedAs(z.boolean(messages('true or false')), 'true or false');
}

export function oneOf<const V extends readonly [string, ...string[]]>(values: V) {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return describedAs(z.enum(values, messages(expected)), expected);
}

export function array<S extends AnySchema>(item: S, limits: { minLength?: number; maxLength?: number } = {}) {
  const expected = `an array of ${expectedOf(item).replace(/^an? /, '')}s`;
  let schema = z.array(item, messages(expected));
  const min = limits.minLength;
  if (min !== undefined)
    schema = schema.check(z.minLength(min, min === 1 ? 'must not be empty' : `needs at least ${min} items`));
  if (limits.maxLength !== undefined) {
    const max = limits.maxLength;
    schema = schema.check(
      z.maxLength(max, { error: (issue) => `may hold at most ${max} items, got ${lengthOf(issue)}` }),
    );
  }
  return describedAs(schema, expected);
}

/** Schemas made by `optional()`: their field may be left out, or sent as null. */
const OPTIONAL = new WeakSet<object>();

/** A field that may be left out (or sent as null, which JSON encoders produce for absent values). */
export function optional<S extends AnySchema>(schema: S) {
  const out = z.pipe<z.ZodMiniTransform, z.ZodMiniOptional<S>>(
    z.transform((value: unknown) => (value === null ? undefined : value)),
    z.optional(schema),
  );
  OPTIONAL.add(out);
  return describedAs(out, expectedOf(schema));
}

/** A plain object with exactly these fields: unknown fields are refused, so a misspelt field is never ignored. */
export function object<Shape extends z.core.$ZodShape>(shape: Shape) {
  const keys = Object.keys(shape);
  const optionalKeys = keys.filter((key) => OPTIONAL.has(shape[key]!));
  const known = keys.length > 0 ? ` (known: ${keys.join(', ')})` : '';
  const strict = z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `is not a known field${known}` : mismatch('an object')(issue),
  });
  // An optional field sent as null is a field left out: it is not in what the schema returns.
  const withoutNulls = (value: unknown): unknown => {
    if (!isPlainObject(value) || !optionalKeys.some((key) => Object.hasOwn(value, key) && value[key] === null)) {
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value))
      if (!(field === null && optionalKeys.includes(key))) out[key] = field;
    return out;
  };
  return describedAs(z.pipe<z.ZodMiniTransform, typeof strict>(z.transform(withoutNulls), strict), 'an object');
}

/**
 * One of two objects, told apart by a field only the first has (`firstKey`) and one only the second has: the
 * message is about the alternative the value meant, or lists both.
 */
export function union<A extends AnySchema, B extends AnySchema>(
  first: A,
  firstKey: string,
  second: B,
  secondKey: string,
) {
  const expected = `an object with either "${firstKey}" or "${secondKey}"`;
  return describedAs(
    z.union([first, second], {
      error: (issue) =>
        isPlainObject(issue.input) ? `must have a "${firstKey}" or a "${secondKey}" field` : mismatch(expected)(issue),
    }),
    expected,
  );
}

/** Any JSON object with string keys (its values are the callee's business). */
export function record() {
  return describedAs(z.custom<Record<string, unknown>>(isPlainObject, messages('an object')), 'an object');
}

/** Anything at all: for fields the lab validates itself with its own, more precise messages. */
export function unknownValue() {
  return describedAs(
    z.custom<unknown>((value) => value !== undefined, messages('any value')),
    'any value',
  );
}

/**
 * An object whose detailed shape the lab checks itself (a run config: `engine/config.ts` reports each field).
 * The transport only insists on an object; the type names what the lab will accept.
 */
export function checkedByLab<T extends object>(what: string) {
  return describedAs(z.custom<T>(isPlainObject, messages(`${what} (an object)`)), `${what} (an object)`);
}

/** No argument: an empty body, `null` or `{}`. */
export function none() {
  return describedAs(
    z.transform((value: unknown, context): undefined => {
      if (value === undefined || value === null) return undefined;
      if (isPlainObject(value) && Object.keys(value).length === 0) return undefined;
      context.issues.push({ code: 'custom', input: value, message: `takes no argument, got ${describeValue(value)}` });
      return z.NEVER;
    }),
    'no argument',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// What a value must be, in words, per schema (an array's message names its items: "an array of whole numbers").

const EXPECTED = new WeakMap<AnySchema, string>();

function describedAs<S extends AnySchema>(schema: S, expected: string): S {
  EXPECTED.set(schema, expected);
  return schema;
}

function expectedOf(schema: AnySchema): string {
  return EXPECTED.get(schema) ?? 'a value';
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

function pathText(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

const startsWith = (path: readonly PathKey[], prefix: readonly PathKey[]): boolean =>
  prefix.length <= path.length && prefix.every((key, i) => path[i] === key);

/**
 * The one issue to report, with its full path: the first, as the value is read from the top (an unknown field of an
 * object before what is wrong inside it), and inside a union, the issue of the alternative the value meant.
 */
function firstIssue(issues: readonly Issue[], base: readonly PathKey[] = []): { path: PathKey[]; message: string } {
  let chosen = issues[0]!;
  // zod lists an object's unknown fields after its fields' issues; read top-down, they come first.
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && startsWith(chosen.path, issue.path)) {
      if (chosen.code !== 'unrecognized_keys' || issue.path.length < chosen.path.length) chosen = issue;
    }
  }
  const path = [...base, ...chosen.path];
  if (chosen.code === 'unrecognized_keys') return { path: [...path, chosen.keys[0]!], message: chosen.message };
  if (chosen.code === 'invalid_union' && chosen.errors.length > 0) {
    // The alternative meant is the one whose own fields are all there (no unknown field at its top); with none,
    // the first; with several, the value names neither, and the union's own message says so.
    const meant = chosen.errors.filter(
      (branch) => !branch.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0),
    );
    if (meant.length <= 1) return firstIssue(meant[0] ?? chosen.errors[0]!, path);
  }
  return { path, message: chosen.message };
}

/** Where the request's fields are named: `field "options.maxWords"`, or `the request` for the whole argument. */
export function invalid(path: string, message: string): LabError {
  const where = path === '' ? 'the request' : `field "${path}"`;
  return new LabError('invalid-request', `${where} ${message}`, { field: path });
}

/** Check `value` with `schema`; return what it returns, or throw LabError('invalid-request') naming the field. */
export function parse<S extends AnySchema>(schema: S, value: unknown): Infer<S> {
  // Reserved keys and runaway nesting are refused anywhere in the value, before any schema reads it.
  const problem = findKeyProblem(value);
  if (problem !== null) throw invalid(problem.path, problem.message);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { path, message } = firstIssue(result.error.issues);
  throw invalid(pathText(path), message);
}
