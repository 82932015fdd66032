/**
 * Limits on one translation request, the same for the HTTP API, the desktop app and the CLI. Decoding keeps, for
 * every beam, one attention row per output token over every source token, and the output may be ~1.5× the input:
 * a 2,000-token sentence at beam 25 needed gigabytes. Past these limits a request is refused with the numbers.
 */
import { LabError } from '../errors.js';

/** The most tokens one text (sentence) may have after tokenization. */
export const MAX_INPUT_TOKENS = 400;
/** The most tokens all the texts of one request may have together. */
export const MAX_REQUEST_TOKENS = 20_000;
/** The widest beam. */
export const MAX_BEAM_SIZE = 32;

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
