/**
 * What the model trains on: a padded batch of id sequences with masks. Row-major [batch, time] arrays.
 *
 * Source rows end with `<eos>`; targets are split the usual way for teacher forcing:
 *   targetIn  = <sos> y1 ... yn        (decoder input)
 *   targetOut = y1 ... yn <eos>        (what each step must predict)
 * Padding is id 0 (`<pad>`) with mask 0.
 */
export interface Batch {
  size: number;
  sourceLength: number;
  targetLength: number;
  /** [size, sourceLength] token ids. */
  source: Int32Array;
  /** [size, sourceLength] 1 for real tokens, 0 for padding. */
  sourceMask: Float32Array;
  /** Real source lengths (including `<eos>`). */
  sourceLengths: Int32Array;
  /** [size, targetLength] decoder inputs, starting with `<sos>`. */
  targetIn: Int32Array;
  /** [size, targetLength] decoder outputs, ending with `<eos>`. */
  targetOut: Int32Array;
  /** [size, targetLength] 1 where targetOut is a real token (including `<eos>`). */
  targetMask: Float32Array;
  /** Index of each row's pair in the split it came from. */
  indices: number[];
}

/** One encoded pair, before batching (no specials: batching adds them). */
export interface EncodedPair {
  source: number[];
  target: number[];
  /** Index of the pair in its split. */
  index: number;
}
