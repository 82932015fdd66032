/**
 * The lab's errors: the shape every transport carries back (part of the contract; engine/contract/api.ts hands it
 * on) and `LabError`, which throws it.
 */

/**
 * The error every transport carries back to the caller. `code` is stable for programs; `message` is for people and
 * names the file, line or field at fault.
 */
export interface LabErrorShape {
  code: LabErrorCode;
  message: string;
  /** The field, file or line the error is about, when there is one. */
  detail?: Record<string, unknown>;
}

export type LabErrorCode =
  | 'not-found'
  | 'invalid-request'
  | 'invalid-config'
  | 'invalid-data'
  | 'conflict'
  | 'store'
  | 'bundle'
  /** The work does not fit in memory (the message gives the sizes). */
  | 'out-of-memory'
  | 'internal';

/** An error meant for a person: the message names the file, line or field at fault. */
export class LabError extends Error {
  readonly code: LabErrorCode;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: LabErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'LabError';
    this.code = code;
    this.detail = detail;
  }

  toJSON(): LabErrorShape {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

export function notFound(what: string, id: string | number): LabError {
  return new LabError('not-found', `${what} ${JSON.stringify(id)} does not exist`, { what, id });
}

/** Turn anything thrown into the shape transports carry. */
export function toErrorShape(error: unknown): LabErrorShape {
  if (error instanceof LabError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

export function isLabErrorShape(value: unknown): value is LabErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
