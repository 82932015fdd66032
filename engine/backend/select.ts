/**
 * Compute backends. The engine is written against @tensorflow/tfjs-core ops, so one model runs on every backend.
 * At start the lab picks the fastest that loads (see `useBackend`): `tensorflow` (tfjs-node-gpu with CUDA) →
 * `webgpu` (webgpu.ts; a hardware adapter) → `tensorflow` on the CPU (tfjs-node) → `wasm` (XNNPACK, SIMD, and the
 * C++ addon) → `cpu` (pure JS). The tfjs-node packages download libtensorflow when installed, so they are
 * optional: `npm install @tensorflow/tfjs-node` (or `-node-gpu`) on a machine with internet enables them.
 */
import * as tf from '@tensorflow/tfjs-core';
// The union package registers the gradients of every op (tfjs-core's Node build does not) and the cpu backend.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice, BackendInfo, BackendName } from '../contract/api.js';
import { LabError } from '../errors.js';
import { guardWasmHeap, registerWasmKernels } from './wasm-kernels.js';
import { registerFusedKernels, useCompute } from './fused-kernels.js';
import { registerLinearKernels } from './linear-kernels.js';
import { jsCompute } from './compute.js';
import { describeAddon } from './addon.js';
import { addonCompute, loadAddonFused } from './addon-compute.js';
import { switchedOff } from './env.js';
import { type WebgpuProbe, autoMayUse, describeAdapter, probeWebgpu, registerWebgpu } from './webgpu.js';

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
  if (backend === 'wasm') guardWasmHeap(tf.backend());
  useCompute((backend === 'wasm' ? addonCompute() : null) ?? jsCompute);
}

async function tryBackend(name: BackendName): Promise<boolean> {
  registerKernels();
  if (name === 'tensorflow' && (await probeTensorflow()).loaded === null) return false;
  if (name === 'webgpu' && !(await registerWebgpu())) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** Whether the active `tensorflow` backend runs on a CUDA device (tfjs-node's NodeJSKernelBackend says so). */
function tensorflowUsesGpu(): boolean {
  return (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

async function activate(name: BackendName): Promise<BackendName> {
  await tf.ready();
  chooseCompute(name);
  return name;
}

/**
 * Make `choice` the active backend and return its name. `auto` takes the fastest that loads: `tensorflow` where
 * tfjs-node-gpu sees a CUDA device, then `webgpu` on a hardware adapter, then `tensorflow` on the CPU
 * (tfjs-node), then `wasm` (with the C++ addon where it is built), then `cpu`. An explicit choice that cannot load
 * is an error, never a silent fallback: a run records the backend it really used. An explicit `webgpu` takes a
 * software adapter too.
 */
export async function useBackend(choice: BackendChoice): Promise<BackendName> {
  if (choice !== 'auto') {
    if (!(await tryBackend(choice))) {
      const reason =
        choice === 'tensorflow'
          ? (await probeTensorflow()).reason
          : choice === 'webgpu'
            ? probeWebgpu().reason || 'its backend did not start on the adapter found'
            : '';
      throw new LabError(
        'invalid-config',
        `backend "${choice}" is not available on this machine${reason ? ` (${reason})` : ''}`,
        { field: 'backend' },
      );
    }
    return activate(choice);
  }
  const tensorflow = await probeTensorflow();
  if (tensorflow.loaded !== null && (await tryBackend('tensorflow')) && tensorflowUsesGpu())
    return activate('tensorflow');
  if (autoMayUse(probeWebgpu()).ok && (await tryBackend('webgpu'))) return activate('webgpu');
  if (tensorflow.loaded !== null && (await tryBackend('tensorflow'))) return activate('tensorflow');
  for (const name of ['wasm', 'cpu'] as const) {
    if (await tryBackend(name)) return activate(name);
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

/** What tfjs-node-gpu needs, for the reasons it did not load. */
const TENSORFLOW_NEEDS =
  '@tensorflow/tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1 (not CUDA 12: it looks for libcudart.so.11.0), ' +
  'Linux or Windows x64, and downloads libtensorflow when installed; @tensorflow/tfjs-node is its CPU build';

function tensorflowDetail(probe: { loaded: string | null; reason: string }): string {
  if (probe.loaded === '@tensorflow/tfjs-node-gpu') {
    return `${probe.loaded} (TensorFlow with CUDA; auto takes it when it finds a CUDA device)`;
  }
  if (probe.loaded !== null) return `${probe.loaded} (TensorFlow on the CPU; after webgpu, before wasm)`;
  return `${probe.reason}. ${TENSORFLOW_NEEDS}`;
}

function webgpuDetail(probe: WebgpuProbe): string {
  if (probe.adapter === null) return probe.reason;
  const limits = probe.adapter.limits;
  const mib = (bytes: number | undefined): string => `${Math.round((bytes ?? 0) / 2 ** 20)} MiB`;
  const auto = autoMayUse(probe);
  return (
    `${describeAdapter(probe.adapter)}; limits: ${limits.maxStorageBuffersPerShaderStage} storage buffers per ` +
    `stage, ${mib(limits.maxStorageBufferBindingSize)} per binding, ${mib(limits.maxBufferSize)} per buffer, ` +
    `${limits.maxComputeInvocationsPerWorkgroup} invocations per workgroup` +
    (auto.ok ? '' : `; not taken by auto: ${auto.reason}`)
  );
}

/** What each backend is on this machine, in the order `auto` tries them, for `mtlab info` and the About box. */
export async function describeBackends(): Promise<BackendInfo[]> {
  registerKernels();
  const tensorflow = await probeTensorflow();
  const webgpu = probeWebgpu();
  const simd = await tf
    .env()
    .getAsync('WASM_HAS_SIMD_SUPPORT')
    .catch(() => false);
  const backends: BackendInfo[] = [
    { name: 'tensorflow', available: tensorflow.loaded !== null, detail: tensorflowDetail(tensorflow) },
    { name: 'webgpu', available: webgpu.adapter !== null, detail: webgpuDetail(webgpu), adapter: webgpu.adapter },
    {
      name: 'wasm',
      available: true,
      detail: `${simd ? 'WebAssembly with SIMD (XNNPACK)' : 'WebAssembly'}; ${wasmAddon()}`,
    },
    { name: 'cpu', available: true, detail: 'pure JavaScript (slow; for tests and checks)' },
  ];
  // The one auto would take (a tfjs-node CPU build comes after webgpu; whether tfjs-node-gpu finds a CUDA device
  // is known only once it starts, so it counts as taken where it loaded).
  const pick =
    tensorflow.loaded === '@tensorflow/tfjs-node-gpu'
      ? 'tensorflow'
      : autoMayUse(webgpu).ok
        ? 'webgpu'
        : tensorflow.loaded !== null
          ? 'tensorflow'
          : 'wasm';
  for (const backend of backends) backend.chosenByAuto = backend.name === pick;
  return backends;
}

export { tf };
