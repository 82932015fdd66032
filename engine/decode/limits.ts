/**
 * The checks of the limits on one translation request (the limits themselves are the contract's:
 * engine/contract/limits.ts), the same for the HTTP API, the desktop app and the CLI. Past them a request is
 * refused with the numbers.
 */
import { MAX_BEAM_SIZE, MAX_INPUT_TOKENS, MAX_REQUEST_TOKENS } from '../contract/limits.js';
import { LabError } from '../errors.js';

export { MAX_BEAM_SIZE, MAX_INPUT_TOKENS, MAX_REQUEST_TOKENS };

export function checkBeamSize(beamSize: number): void {
  if (!Number.isInteger(beamSize) || beamSize < 1 || beamSize > MAX_BEAM_SIZE) {
    throw new LabError(
      'invalid-request',
      `beamSize must be a whole number from 1 to ${MAX_BEAM_SIZE}, got ${beamSize}`,
      { field: 'beamSize', max: MAX_BEAM_SIZE },
    );
  }
}

/** Refuse texts over the token limits; `lengths[i]` is text i's token count. */
export function checkInputLengths(lengths: readonly number[]): void {
  let total = 0;
  for (const [i, length] of lengths.entries()) {
    if (length > MAX_INPUT_TOKENS) {
      throw new LabError(
        'invalid-request',
        `text ${i + 1}${lengths.length > 1 ? ` of ${lengths.length}` : ''} has ${length} tokens; at most ` +
          `${MAX_INPUT_TOKENS} per text can be translated (split it into sentences)`,
        { field: 'texts', index: i, tokens: length, max: MAX_INPUT_TOKENS },
      );
    }
    total += length;
  }
  if (total > MAX_REQUEST_TOKENS) {
    throw new LabError(
      'invalid-request',
      `the ${lengths.length} texts have ${total} tokens together; at most ${MAX_REQUEST_TOKENS} per request ` +
        '(send them in several requests)',
      { field: 'texts', tokens: total, max: MAX_REQUEST_TOKENS },
    );
  }
}
