/**
 * Checks on dataset requests. Requests arrive as JSON from any front end (CLI, HTTP, IPC), so every field is
 * checked before any work starts, and a mistake names its field.
 */
import { LabError } from '../errors.js';

const NAME = /^[\p{L}\p{N}][\p{L}\p{N}._+-]*$/u;
export const MAX_NAME_LENGTH = 80;

function invalid(field: string, message: string): LabError {
  return new LabError('invalid-request', `${field}: ${message}`, { field });
}

export function checkObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object');
  return value as Record<string, unknown>;
}

export function checkDatasetName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'a dataset needs a name');
  if (value.length > MAX_NAME_LENGTH) throw invalid(field, `at most ${MAX_NAME_LENGTH} characters`);
  if (!NAME.test(value)) {
    throw invalid(
      field,
      `"${value}" is not a dataset name: use letters, digits and . _ + - (starting with a letter or digit)`,
    );
  }
  return value;
}

/** A name to look up: any non-empty string (the store says whether it exists). */
export function checkLookupName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'which dataset? give its name');
  return value;
}

export function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
  return value;
}

export function optionalInteger(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function optionalFraction(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw invalid(field, `must be a fraction from 0 up to (not including) 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'must be a non-empty string');
  return value;
}

export function optionalChoice<T extends string>(value: unknown, field: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function requiredChoice<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  const choice = optionalChoice(value, field, choices);
  if (choice === undefined) throw invalid(field, `is required (one of ${choices.join(', ')})`);
  return choice;
}

/** Seeds are 32-bit unsigned integers (what engine/random.ts takes). */
export function optionalSeed(value: unknown, field = 'seed'): number | undefined {
  return optionalInteger(value, field, 0, 0xffffffff);
}
