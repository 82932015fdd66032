/**
 * The mtlab runtime: translate with an exported model bundle anywhere TensorFlow.js runs, a web page included. It
 * uses only TensorFlow.js (its pure-JavaScript cpu backend), the engine's model, decoding, tokenizers and
 * vocabularies, and the bundle reader the Node loader uses, so a bundle gives the same translations, scores and
 * attention here as `mtlab translate --model`. Nothing here touches Node, SQLite or the DOM.
 *
 * Built for browsers by scripts/build.mjs into dist/runtime/mtlab-runtime.js (one ES module):
 *
 *   import { loadBundleFromUrl, translate } from './mtlab-runtime.js';
 *   const model = await loadBundleFromUrl('models/eng-fra/');
 *   const [t] = translate(model, { texts: ['the green car'], strategy: 'beam', beamSize: 5 });
 *   t.candidates[0].text; t.candidates[0].attention;   // row-major, one row per output token
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Translation, TranslateRequest } from '../contract/api.js';
import { registerFusedKernels } from '../backend/fused-kernels.js';
import { registerLinearKernels } from '../backend/linear-kernels.js';
import { translateTexts } from '../decode/translate-texts.js';
import { LabError } from '../errors.js';
import { type LoadedBundle, readBundle } from './read.js';
import type { BundleSource } from './weights.js';

export { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type BundleManifest } from './format.js';
export type { LoadedBundle } from './read.js';
export { LabError };

export interface RuntimeOptions {
  /** A registered TensorFlow.js backend; `cpu` (the default) gives the same numbers as mtlab's cpu backend. */
  backend?: string;
}

/** What the runtime needs of `fetch`. */
export type FetchLike = (url: string) => Promise<{
  ok: boolean;
  status: number;
  statusText: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/** A file a person picked (a DOM `File`, e.g. from `<input type="file" multiple>`), or anything shaped like one. */
export interface BundleFile {
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type TranslateOptions = Omit<TranslateRequest, 'runId' | 'bundlePath' | 'checkpoint'>;

async function useRuntimeBackend(options: RuntimeOptions): Promise<void> {
  // mtlab's fused cell and attention kernels, as the engine registers them: the same arithmetic as on Node's cpu
  // backend, in a few kernel calls per step instead of dozens of small ops.
  registerFusedKernels();
  registerLinearKernels();
  const name = options.backend ?? 'cpu';
  if (tf.getBackend() === name) return;
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch {
    ok = false;
  }
  if (!ok) throw new LabError('bundle', `the TensorFlow.js backend "${name}" is not available here`);
  await tf.ready();
}

/** The folder a bundle URL points at: `…/model/`, `…/model` and `…/model/model.json` all mean `…/model/`. */
function bundleBase(baseUrl: string): URL {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const url = new URL(baseUrl, page);
  if (url.pathname.endsWith('/model.json')) url.pathname = url.pathname.slice(0, -'model.json'.length);
  else if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** Load a bundle served over HTTP: `baseUrl` is its folder (relative URLs resolve against the page). */
export async function loadBundleFromUrl(
  baseUrl: string,
  fetchFn: FetchLike = (url) => globalThis.fetch(url),
  options: RuntimeOptions = {},
): Promise<LoadedBundle> {
  const base = bundleBase(baseUrl);
  const source: BundleSource = {
    describe: (file) => new URL(file, base).href,
    async read(file) {
      const url = new URL(file, base).href;
      let response: Awaited<ReturnType<FetchLike>>;
      try {
        response = await fetchFn(url);
      } catch (error) {
        throw new LabError('bundle', `cannot fetch ${url}: ${(error as Error).message}`, { file: url });
      }
      if (response.status === 404) return null;
      if (!response.ok)
        throw new LabError('bundle', `cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`, {
          file: url,
        });
      return new Uint8Array(await response.arrayBuffer());
    },
  };
  return readBundle(source, { prepare: () => useRuntimeBackend(options) });
}

/** Load a bundle from its files (model.json and the shards; others are ignored), e.g. an input's `FileList`. */
export async function loadBundleFromFiles(
  files: Iterable<BundleFile> | ArrayLike<BundleFile>,
  options: RuntimeOptions = {},
): Promise<LoadedBundle> {
  const byName = new Map<string, BundleFile>();
  // A folder picker gives paths ("bundle/model.json"); the bundle's files are named by their last part.
  for (const file of Array.from(files)) byName.set(file.name.split('/').pop()!, file);
  const source: BundleSource = {
    describe: (file) => (file === '' ? 'the chosen files' : file),
    async read(file) {
      const found = byName.get(file);
      return found === undefined ? null : new Uint8Array(await found.arrayBuffer());
    },
  };
  return readBundle(source, { prepare: () => useRuntimeBackend(options) });
}

/** Translate with greedy search, or beam search when asked (defaults: the run's decoding settings). */
export function translate(model: LoadedBundle, request: TranslateOptions): Translation[] {
  return translateTexts(model, request);
}

/** Free the model's tensors. */
export function dispose(model: LoadedBundle): void {
  model.model.dispose();
}
