// sacrebleu's reproducibility signature (sacrebleu/metrics/base.py, `Signature.format`): `key:value` pairs
// joined by `|`, the number of references first and the version last, e.g.
// `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`.

/**
 * The sacrebleu release whose algorithm and signature format this implementation follows. The test vectors in
 * ../shared/data/metric-vectors.json were verified with it, so our signatures name it: a score we print is the
 * score sacrebleu 2.6.0 prints for the same settings.
 */
export const SACREBLEU_VERSION = '2.6.0';

export type SignatureField = readonly [key: string, value: string | number];

/** The full signature for `references` reference streams and the metric's own fields, in sacrebleu's order. */
export function formatSignature(references: number, metricFields: readonly SignatureField[]): string {
  const fields: SignatureField[] = [['nrefs', references], ...metricFields, ['version', SACREBLEU_VERSION]];
  return fields.map(([key, value]) => `${key}:${value}`).join('|');
}
