import type { LabErrorCode, LabErrorShape } from '../../../../engine/contract/api.js';

/** A failed lab call, as every view shows it: the lab's own message, which names the field or file at fault. */
export class LabCallError extends Error {
  readonly code: LabErrorCode | 'unreachable' | 'unauthorised';
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: LabCallError['code'], message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'LabCallError';
    this.code = code;
    this.detail = detail;
  }

  /** The field a validation error is about (`options.maxWords`), when the lab says. */
  get field(): string | null {
    const field = this.detail?.field;
    return typeof field === 'string' ? field : null;
  }
}

function isErrorShape(value: unknown): value is LabErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Whatever a call threw (a LabCallError, an IPC error carrying a LabErrorShape, a TypeError), as a LabCallError. */
export function toLabCallError(error: unknown): LabCallError {
  if (error instanceof LabCallError) return error;
  if (isErrorShape(error)) return new LabCallError(error.code, error.message, error.detail);
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (isErrorShape(cause)) return new LabCallError(cause.code, cause.message, cause.detail);
  const message = error instanceof Error ? error.message : String(error);
  return new LabCallError('internal', message);
}
