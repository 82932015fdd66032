// sacrebleu's reproducibility signature (sacrebleu/metrics/base.py, `Signature.format`): `key:value` pairs
// joined by `|`, the number of references first and the version last, e.g.
// `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`.

/**
 * The sacrebleu release whose definitions (and signature format) this implementation follows; the vectors of
 * test/fixtures/metric-vectors.json were computed with it. A score we print is the score sacrebleu 2.6.0 prints
 * for the same settings, but sacrebleu did not compute it: the signature says so.
 */
export const SACREBLEU_VERSION = '2.6.0';

/** `impl:mtlab`: the scores come from mtlab's own implementation of sacrebleu's definitions. */
export const IMPLEMENTATION = 'mtlab';

export type SignatureField = readonly [key: string, value: string | number];

/**
 * The full signature for `references` reference streams and the metric's own fields, in sacrebleu's order, with
 * `impl:mtlab` before sacrebleu's `version` (which stays last and names the definition followed), e.g.
 * `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|impl:mtlab|version:2.6.0`.
 */
export function formatSignature(references: number, metricFields: readonly SignatureField[]): string {
  const fields: SignatureField[] = [
    ['nrefs', references],
    ...metricFields,
    ['impl', IMPLEMENTATION],
    ['version', SACREBLEU_VERSION],
  ];
  return fields.map(([key, value]) => `${key}:${value}`).join('|');
}
