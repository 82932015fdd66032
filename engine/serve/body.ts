/** Reading a JSON request body with a size limit, turning every way it can be wrong into a LabError. */
import type { IncomingMessage } from 'node:http';
import { LabError } from '../errors.js';
import { findKeyProblem, jsonTooDeep, MAX_DEPTH } from '../keys.js';

/** A body over its limit: answered with 413 before it is read to the end. */
export class BodyTooLarge extends LabError {
  constructor(readonly limit: number) {
    super('invalid-request', `the request body is larger than the ${formatBytes(limit)} this method accepts`, {
      limit,
    });
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** Read the whole body, refusing it as soon as it passes `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    request.on('error', (error) => {
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parse a body as JSON; an empty body is `undefined` (methods without an argument). A body nested deeper than
 * MAX_DEPTH, or with a reserved key (`__proto__`, `constructor`, `toString`, ...) anywhere, is refused: no request
 * of the contract needs either, and both have been used to attack the server (engine/keys.ts).
 */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new LabError('invalid-request', 'the request body is not valid UTF-8 text');
  }
  if (text.trim() === '') return undefined;
  const deep = jsonTooDeep(text, MAX_DEPTH);
  if (deep !== null) {
    throw new LabError(
      'invalid-request',
      `the request body is nested more than ${MAX_DEPTH} levels deep (at character ${deep.offset + 1}); ` +
        'no request needs that many',
      { limit: MAX_DEPTH },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new LabError('invalid-request', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  const problem = findKeyProblem(value);
  if (problem !== null) {
    throw new LabError('invalid-request', `field "${problem.path}" ${problem.message}`, { field: problem.path });
  }
  return value;
}
