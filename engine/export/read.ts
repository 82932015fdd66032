/**
 * Reading a model bundle from any source (a folder, URLs, picked files) into a model ready to translate: parse and
 * check the manifest, verify every shard, build the model from its config and load the weights after checking
 * their names and shapes. Shared by the Node loader (bundle.ts) and the browser runtime (runtime.ts).
 */
import { tokenizerFromJSON } from '../data/tokenizers.js';
import { Vocab } from '../data/vocab.js';
import type { LoadedModel } from '../decode/translate-texts.js';
import { LabError } from '../errors.js';
import { Seq2Seq } from '../model/seq2seq.js';
import { type BundleManifest, MANIFEST_FILE, parseManifest } from './format.js';
import { type BundleSource, parametersFor, readWeights } from './weights.js';

/** A model loaded from a bundle, with the manifest it came with. */
export interface LoadedBundle extends LoadedModel {
  manifest: BundleManifest;
}

export interface ReadOptions {
  /** Called once the manifest is known and before any tensor is made (the Node loader picks the backend here). */
  prepare?(manifest: BundleManifest): Promise<void>;
}

export async function readManifest(source: BundleSource): Promise<BundleManifest> {
  const where = source.describe(MANIFEST_FILE);
  const bytes = await source.read(MANIFEST_FILE);
  if (bytes === null) {
    throw new LabError(
      'bundle',
      `${where} does not exist: ${source.describe('')} is not an mtlab model bundle (make one with \`mtlab export RUN --out DIR\`)`,
      { file: where },
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LabError('bundle', `${where} is not valid JSON (it is not UTF-8 text)`, { file: where });
  }
  return parseManifest(text, where);
}

function vocabulary(json: BundleManifest['vocabularies']['source'], field: string, where: string): Vocab {
  try {
    return Vocab.fromJSON(json);
  } catch (error) {
    throw new LabError('bundle', `${where}: ${field} ${(error as Error).message}`, { file: where, field });
  }
}

export async function readBundle(source: BundleSource, options: ReadOptions = {}): Promise<LoadedBundle> {
  const manifest = await readManifest(source);
  const where = source.describe(MANIFEST_FILE);
  const vocabularies = {
    source: vocabulary(manifest.vocabularies.source, 'vocabularies.source', where),
    target: vocabulary(manifest.vocabularies.target, 'vocabularies.target', where),
  };
  const tokenizers = {
    source: tokenizerFromJSON(manifest.tokenizers.source),
    target: tokenizerFromJSON(manifest.tokenizers.target),
  };
  const tensors = await readWeights(manifest.weightsManifest, manifest.weightFiles, source, where);
  await options.prepare?.(manifest);
  const model = new Seq2Seq(manifest.model, vocabularies.source.size, vocabularies.target.size, 0);
  try {
    const expected = model.params.names.map((name) => ({ name, shape: model.params.get(name).shape }));
    model.params.load(parametersFor(expected, tensors, where));
  } catch (error) {
    model.dispose();
    throw error;
  }
  const c = manifest.checkpoint as Partial<BundleManifest['checkpoint']> | undefined;
  const run = manifest.run as Partial<BundleManifest['run']> | undefined;
  return {
    manifest,
    model,
    vocabularies,
    tokenizers,
    normalization: manifest.normalization,
    decode: manifest.decode,
    origin:
      `bundle ${source.describe('')}` +
      (run?.id === undefined ? '' : ` (run ${run.id}, ${c?.tag ?? '?'} checkpoint, step ${c?.step ?? '?'})`),
  };
}
