/**
 * The one way a call from outside the process reaches the lab: its method looked up in the contract's table, its
 * argument checked by that method's schema, then the lab's method called with what the schema returned. `mtlab
 * serve` (engine/serve.ts) and the desktop app's engine host (electron/lab-host.ts) both answer calls with it, so
 * a method added to `LAB_API` is served by both with no code of its own.
 *
 * Requests are checked here once. The lab trusts their shape and checks only what a schema cannot know (a run that
 * exists, a config's fields, token limits); in-process callers (the CLI) are held to the same types by the compiler
 * and check their own flags.
 */
import { LabError } from '../errors.js';
import { LAB_API, LAB_METHODS, type LabApi, type LabMethod, type LabRequest } from './api.js';
import { parse } from './schema.js';

const METHODS = new Set<string>(LAB_METHODS);

export function isLabMethod(name: unknown): name is LabMethod {
  return typeof name === 'string' && METHODS.has(name);
}

/** Check the argument of `method`; throws LabError('invalid-request') naming the field at fault. */
export function parseRequest<M extends LabMethod>(method: M, argument: unknown): LabRequest<M> {
  return parse(LAB_API[method].request, argument) as LabRequest<M>;
}

/** Methods a host answers its own way, given the checked request (in place of the lab's own method). */
export type HostMethods = { [M in LabMethod]?: (request: LabRequest<M>) => Promise<unknown> };

/**
 * Answer one call: `method` must name a method of the contract (else LabError 'invalid-request', "the lab has no
 * method ..."), `argument` must pass its schema; then `host[method]` if the host has its own, else `lab[method]`,
 * is called with the checked request. Resolves to the answer, or rejects with what the lab threw.
 */
export async function dispatch(
  lab: LabApi,
  method: unknown,
  argument: unknown,
  host: HostMethods = {},
): Promise<unknown> {
  if (!isLabMethod(method)) {
    const named = typeof method === 'string' ? method : `(a ${method === null ? 'null' : typeof method})`;
    throw new LabError('invalid-request', `the lab has no method "${named}"`);
  }
  const request = parseRequest(method, argument);
  const own = host[method] as ((request: unknown) => Promise<unknown>) | undefined;
  if (own !== undefined) return own(request);
  return (lab[method] as (request: unknown) => Promise<unknown>).call(lab, request);
}
