/**
 * Compute backends. The engine is written against @tensorflow/tfjs-core ops, so one model runs on every backend.
 * At start the lab picks the fastest that loads: `tensorflow` (tfjs-node-gpu with CUDA, then tfjs-node on CPU) →
 * `wasm` (XNNPACK, SIMD) → `cpu` (pure JS). The native packages download libtensorflow when installed, so they are
 * optional: `npm install @tensorflow/tfjs-node` (or `-node-gpu`) on a machine with internet enables them.
 */
import * as tf from '@tensorflow/tfjs-core';
// The union package registers the gradients of every op (tfjs-core's Node build does not) and the cpu backend.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice, BackendInfo, BackendName } from '../api.js';
import { LabError } from '../errors.js';
import { registerWasmKernels } from './wasm-kernels.js';
import { registerFusedKernels, useCompute } from './fused-kernels.js';
import { registerLinearKernels } from './linear-kernels.js';
import { jsCompute } from './compute.js';
import { describeAddon } from './addon.js';
import { addonCompute, loadAddonFused } from './addon-compute.js';
import { switchedOff } from './env.js';

/** The packages of the `tensorflow` backend (TensorFlow's C library through N-API), in order of preference. */
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let tensorflowProbe: Promise<{ loaded: string | null; reason: string }> | null = null;

/** Try the tfjs-node packages once per process; the first that loads registers the `tensorflow` backend. */
function probeTensorflow(): Promise<{ loaded: string | null; reason: string }> {
  tensorflowProbe ??= (async () => {
    const off = switchedOff('MTLAB_TENSORFLOW');
    if (off !== null) return { loaded: null, reason: off };
    const reasons: string[] = [];
    for (const name of TENSORFLOW_PACKAGES) {
      try {
        await import(name as string);
        if (tf.findBackendFactory('tensorflow') !== null) {
          return { loaded: name, reason: '' };
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        reasons.push(
          code === 'ERR_MODULE_NOT_FOUND' ? `${name} not installed` : `${name}: ${(error as Error).message}`,
        );
      }
    }
    return { loaded: null, reason: reasons.join('; ') };
  })();
  return tensorflowProbe;
}

let kernelsRegistered = false;

function registerKernels(): void {
  if (kernelsRegistered) return;
  kernelsRegistered = true;
  // Production mode: no debug checks, and no banner urging tfjs-node when the cpu backend is used on purpose.
  tf.enableProdMode();
  registerWasmKernels();
  registerFusedKernels();
  registerLinearKernels();
}

/**
 * The fused kernels' arithmetic for `backend`: the C++ addon's on wasm where it is loaded (MTLAB_ADDON=0 turns
 * it off), else the JavaScript reference, which the cpu backend always keeps (it is the reference backend, and the
 * browser runtime computes the same).
 */
function chooseCompute(backend: BackendName): void {
  useCompute((backend === 'wasm' ? addonCompute() : null) ?? jsCompute);
}

async function tryBackend(name: BackendName): Promise<boolean> {
  registerKernels();
  if (name === 'tensorflow' && (await probeTensorflow()).loaded === null) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

const ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * Make `choice` the active backend (`auto`: the fastest that loads) and return its name. An explicit choice that
 * cannot load is an error, never a silent fallback: a run records the backend it really used.
 */
export async function useBackend(choice: BackendChoice): Promise<BackendName> {
  if (choice !== 'auto') {
    if (!(await tryBackend(choice))) {
      const why = choice === 'tensorflow' ? ` (${(await probeTensorflow()).reason})` : '';
      throw new LabError('invalid-config', `backend "${choice}" is not available on this machine${why}`, {
        field: 'backend',
      });
    }
    await tf.ready();
    chooseCompute(choice);
    return choice;
  }
  for (const name of ORDER) {
    if (await tryBackend(name)) {
      await tf.ready();
      chooseCompute(name);
      return name;
    }
  }
  throw new LabError('internal', 'no TensorFlow.js backend could be started');
}

/** What the C++ addon adds to the wasm backend, or why it adds nothing. */
function wasmAddon(): string {
  const addon = describeAddon();
  if (!addon.available) return `no native kernels: ${addon.detail}`;
  const fused = loadAddonFused();
  return `${addon.detail}; ${fused === null ? 'fused kernels in JavaScript (the addon predates them)' : `native fused kernels (${fused.fusedIsa().toUpperCase()})`}`;
}

/** What each backend is on this machine, for `mtlab info` and the About box. */
export async function describeBackends(): Promise<BackendInfo[]> {
  registerKernels();
  const tensorflow = await probeTensorflow();
  const simd = await tf
    .env()
    .getAsync('WASM_HAS_SIMD_SUPPORT')
    .catch(() => false);
  return [
    {
      name: 'tensorflow',
      available: tensorflow.loaded !== null,
      detail: tensorflow.loaded ?? `install @tensorflow/tfjs-node or -node-gpu to enable (${tensorflow.reason})`,
    },
    {
      name: 'wasm',
      available: true,
      detail: `${simd ? 'WebAssembly with SIMD (XNNPACK)' : 'WebAssembly'}; ${wasmAddon()}`,
    },
    { name: 'cpu', available: true, detail: 'pure JavaScript (slow; for tests and checks)' },
  ];
}

export { tf };
