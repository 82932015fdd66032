/**
 * Unknown-word replacement (Luong et al. 2015, "Addressing the Rare Word Problem in NMT"; OpenNMT's
 * `-replace_unk`): each `<unk>` the decoder emits is replaced by the source token it attended to most. With word
 * vocabularies that copies names, numbers and rare words that the target vocabulary lacks ("Tom" → "Tom") instead
 * of printing a literal `<unk>`. Without attention there is nothing to point with, and the `<unk>` stays.
 */
import { UNK_ID } from '../data/vocab.js';

export interface UnkReplacement {
  /** The target tokens with each replaceable `<unk>` swapped for its source token. */
  tokens: string[];
  /** Output positions whose token was copied from the source. */
  replaced: number[];
  /** `<unk>` tokens the decoder emitted (replaced or not). */
  unknowns: number;
}

/**
 * `ids` are the output ids (without `<eos>`), `tokens` their strings, `attention` one row per output step over the
 * source positions (the source tokens, then `<eos>`; may be empty when the model has no attention), `source` the
 * source tokens as the tokenizer produced them (before the vocabulary mapped rare ones to `<unk>`). The source
 * `<eos>` is never copied: the argmax runs over the real source tokens only.
 */
export function replaceUnknowns(
  ids: readonly number[],
  tokens: readonly string[],
  attention: readonly ArrayLike<number>[],
  source: readonly string[],
): UnkReplacement {
  const out = [...tokens];
  const replaced: number[] = [];
  let unknowns = 0;
  ids.forEach((id, i) => {
    if (id !== UNK_ID) return;
    unknowns++;
    const row = attention[i];
    if (row === undefined || source.length === 0) return;
    let best = -1;
    let bestWeight = -Infinity;
    const n = Math.min(row.length, source.length);
    for (let j = 0; j < n; j++) {
      if (row[j]! > bestWeight) {
        bestWeight = row[j]!;
        best = j;
      }
    }
    if (best < 0) return;
    out[i] = source[best]!;
    replaced.push(i);
  });
  return { tokens: out, replaced, unknowns };
}
