/**
 * The `webgpu` backend: @tensorflow/tfjs-backend-webgpu on the `webgpu` npm package (Dawn's Node binding: Vulkan
 * on Linux, Metal on macOS, D3D12 on Windows). Both are optional dependencies; where either cannot load, or no
 * adapter is found, the backend is simply not available and says why.
 *
 * - Adapters are first looked for in a child process: Dawn writes its driver warnings ("Found no drivers!") to
 *   the process's stderr and a broken driver can crash the process, neither of which a training run should see.
 * - A software adapter (SwiftShader, llvmpipe, WARP: a CPU emulation, slower than the wasm backend) is used only
 *   when asked for: `--set backend=webgpu`, or MTLAB_WEBGPU=software for `auto`. MTLAB_WEBGPU=0 turns webgpu off.
 * - We register our own backend factory around the package's exported WebGPUBackend (not its own, which asks
 *   for the feature `['bgra8unorm-storage']` as a nested array that strict WebIDL refuses, and for the default
 *   8 storage buffers per shader stage where the adapter allows more).
 * - tfjs-backend-webgpu 4.22's AddN binds every input as a storage buffer, so gradient accumulation over the
 *   time steps (one term per step) exceeds the device's limit: AddN runs in chunks here.
 * - Its MatMulSplitKProgram (chosen for a single matrix product with an inner size ≥ 2000 and few output tiles,
 *   e.g. the gradient dy·W_outᵀ of the vocabulary projection) reads B as vec4 rows even when B is transposed, and
 *   so computes wrong products: the first Adam step then went another way than on cpu. The matrix kernels here
 *   transpose B first in those cases (the packed program it then takes is right).
 * - Reads must be asynchronous (`await tensor.data()`): its synchronous read goes through an OffscreenCanvas,
 *   which Node lacks.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { GpuAdapterInfo } from '../contract/api.js';
import { readEnv } from './env.js';

// Optional packages, named through variables so that the compiler does not need them installed.
const DAWN_PACKAGE: string = 'webgpu';
const TFJS_WEBGPU_PACKAGE: string = '@tensorflow/tfjs-backend-webgpu';

/** The parts of the WebGPU API we use (the full types are in @webgpu/types, which comes with `webgpu`). */
interface GpuDevice {
  limits: Record<string, number>;
}
interface GpuAdapter {
  limits: Record<string, number>;
  info: unknown;
  requestDevice(descriptor: { requiredLimits: Record<string, number>; requiredFeatures: string[] }): Promise<GpuDevice>;
}
interface Gpu {
  requestAdapter(options: { powerPreference: 'high-performance' | 'low-power' }): Promise<GpuAdapter | null>;
}

/** What the adapter says of itself, and the limits that matter to us. */
export type AdapterDescription = GpuAdapterInfo;

export interface WebgpuProbe {
  /** The adapter found (software or not); null where none. */
  adapter: AdapterDescription | null;
  /** Why the backend is not available (empty when it is). */
  reason: string;
}

const LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Software rasterisers that expose Vulkan/D3D12/Metal: correct, but a CPU emulation. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|warp/i;

export function isSoftwareAdapter(info: { architecture: string; description: string; device: string }): boolean {
  return SOFTWARE.test(`${info.architecture} ${info.description} ${info.device}`);
}

function resolveModule(name: string): string | null {
  try {
    return createRequire(import.meta.url).resolve(name);
  } catch {
    return null;
  }
}

// The child's script: load Dawn, ask for an adapter, print what it is as one JSON line on stdout.
const PROBE_SCRIPT = `
const { create, globals } = await import(process.env.MTLAB_WEBGPU_MODULE);
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const out = adapter === null ? null : {
  vendor: adapter.info.vendor, architecture: adapter.info.architecture, device: adapter.info.device,
  description: adapter.info.description, fallback: adapter.info.isFallbackAdapter === true,
  limits: Object.fromEntries(${JSON.stringify(LIMITS)}.map((k) => [k, adapter.limits[k]])),
};
process.stdout.write('MTLAB_ADAPTER ' + JSON.stringify(out) + '\\n');
process.exit(0);
`;

interface ChildAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  fallback: boolean;
  limits: Record<string, number>;
}

let probed: WebgpuProbe | null = null;

/** Look for a WebGPU adapter once per process (in a child process); never throws. */
export function probeWebgpu(): WebgpuProbe {
  probed ??= (() => {
    if (readEnv('MTLAB_WEBGPU') === '0') return { adapter: null, reason: 'turned off by MTLAB_WEBGPU=0' };
    const dawn = resolveModule(DAWN_PACKAGE);
    if (dawn === null) {
      return { adapter: null, reason: 'the optional package `webgpu` is not installed (npm install webgpu)' };
    }
    if (resolveModule(TFJS_WEBGPU_PACKAGE) === null) {
      return { adapter: null, reason: 'the optional package `@tensorflow/tfjs-backend-webgpu` is not installed' };
    }
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, MTLAB_WEBGPU_MODULE: pathToFileURL(dawn).href, ELECTRON_RUN_AS_NODE: '1' },
    });
    const line = child.stdout?.split('\n').find((l) => l.startsWith('MTLAB_ADAPTER '));
    if (line === undefined) {
      const why = child.error?.message ?? (child.stderr ?? '').trim().split('\n').pop() ?? `exit ${child.status}`;
      return { adapter: null, reason: `Dawn (the webgpu package) failed to start: ${why}` };
    }
    const found = JSON.parse(line.slice('MTLAB_ADAPTER '.length)) as ChildAdapter | null;
    if (found === null) {
      const hint = (child.stderr ?? '').includes('libvulkan')
        ? ' (the Vulkan loader libvulkan.so.1 is missing: install libvulkan1)'
        : '';
      return {
        adapter: null,
        reason: `no WebGPU adapter: no Vulkan, Metal or D3D12 driver that Dawn accepts${hint}`,
      };
    }
    const adapter: AdapterDescription = {
      vendor: found.vendor,
      architecture: found.architecture,
      device: found.device,
      description: found.description,
      software: found.fallback || isSoftwareAdapter(found),
      limits: found.limits,
    };
    return { adapter, reason: '' };
  })();
  return probed;
}

/** Whether `auto` may take the adapter: hardware, or software where MTLAB_WEBGPU=software asks for it. */
export function autoMayUse(probe: WebgpuProbe): { ok: boolean; reason: string } {
  if (probe.adapter === null) return { ok: false, reason: probe.reason };
  if (probe.adapter.software && readEnv('MTLAB_WEBGPU') !== 'software') {
    return {
      ok: false,
      reason: `only a software adapter (${describeAdapter(probe.adapter)}): slower than wasm, so used only when asked (--set backend=webgpu, or MTLAB_WEBGPU=software)`,
    };
  }
  return { ok: true, reason: '' };
}

export function describeAdapter(adapter: AdapterDescription): string {
  const name = [adapter.vendor, adapter.architecture].filter((s) => s !== '').join(' ');
  const detail = adapter.description || adapter.device;
  return `${name || 'unknown adapter'}${detail ? ` (${detail})` : ''}${adapter.software ? ', software' : ''}`;
}

let registered: Promise<boolean> | null = null;

/** Load Dawn and the tfjs backend into this process and register the `webgpu` factory (once). */
export function registerWebgpu(): Promise<boolean> {
  registered ??= (async () => {
    if (probeWebgpu().adapter === null) return false;
    const dawn = (await import(DAWN_PACKAGE)) as { create(options: string[]): Gpu; globals: object };
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    // tfjs-backend-webgpu looks for navigator.gpu; Node ≥ 21 has a navigator without one, Node 20 none at all.
    const host = globalThis as { navigator?: object };
    if (host.navigator === undefined) host.navigator = {};
    Object.defineProperty(host.navigator, 'gpu', { value: gpu, configurable: true });
    const { WebGPUBackend } = (await import(TFJS_WEBGPU_PACKAGE)) as {
      WebGPUBackend: new (device: GpuDevice, info: unknown) => tf.KernelBackend;
    };
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
    tf.registerBackend(
      'webgpu',
      async () => {
        const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
        if (adapter === null) throw new Error('the WebGPU adapter went away');
        const requiredLimits: Record<string, number> = {};
        for (const name of LIMITS) requiredLimits[name] = adapter.limits[name]!;
        const device = await adapter.requestDevice({ requiredLimits, requiredFeatures: [] });
        return new WebGPUBackend(device, adapter.info);
      },
      1,
    );
    chunkAddN();
    avoidTransposedSplitK();
    return true;
  })();
  return registered;
}

interface WebgpuBackendLike {
  device: GpuDevice;
  disposeData(dataId: object): boolean;
}

let addNWrapped = false;

/** AddN in chunks of at most (storage buffers per stage − 1) inputs, the output taking one binding. */
function chunkAddN(): void {
  if (addNWrapped) return;
  const original = tf.getKernel('AddN', 'webgpu');
  if (original === undefined) return;
  addNWrapped = true;
  const kernelFunc: KernelFunc = (args) => {
    const inputs = args.inputs as unknown as TensorInfo[];
    const backend = args.backend as unknown as WebgpuBackendLike;
    const most = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    if (inputs.length <= most) return original.kernelFunc(args);
    let partial: TensorInfo | null = null;
    for (let start = 0; start < inputs.length;) {
      const take = partial === null ? most : most - 1;
      const chunk = inputs.slice(start, start + take);
      start += take;
      const terms = partial === null ? chunk : [partial, ...chunk];
      const next: TensorInfo =
        terms.length === 1
          ? terms[0]!
          : (original.kernelFunc({ ...args, inputs: terms as unknown as tf.NamedTensorInfoMap }) as TensorInfo);
      if (partial !== null && partial !== next) backend.disposeData(partial.dataId);
      partial = next;
    }
    return partial!;
  };
  const config: KernelConfig = { ...original, kernelFunc };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel(config);
}

/** The inner size from which tfjs-backend-webgpu 4.22 may pick its MatMulSplitKProgram. */
const SPLIT_K_INNER = 2000;

let matMulWrapped = false;

/** BatchMatMul and _FusedMatMul with a transposed B and a long inner dimension: transpose B first. */
function avoidTransposedSplitK(): void {
  if (matMulWrapped) return;
  matMulWrapped = true;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'webgpu');
    if (original === undefined) continue;
    const transpose = tf.getKernel('Transpose', 'webgpu');
    if (transpose === undefined) return;
    const kernelFunc: KernelFunc = (args) => {
      const attrs = args.attrs as { transposeB?: boolean };
      const inputs = args.inputs as unknown as { a: TensorInfo; b: TensorInfo };
      const b = inputs.b;
      const rank = b.shape.length;
      const batch = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      if (attrs.transposeB !== true || rank < 2 || batch !== 1 || b.shape[rank - 1]! < SPLIT_K_INNER) {
        return original.kernelFunc(args);
      }
      const perm = [...Array(rank).keys()];
      perm[rank - 2] = rank - 1;
      perm[rank - 1] = rank - 2;
      const bT = transpose.kernelFunc({ inputs: { x: b }, backend: args.backend, attrs: { perm } }) as TensorInfo;
      const out = original.kernelFunc({
        ...args,
        inputs: { ...args.inputs, b: bT } as unknown as tf.NamedTensorInfoMap,
        attrs: { ...args.attrs, transposeB: false },
      });
      (args.backend as unknown as WebgpuBackendLike).disposeData(bT.dataId);
      return out;
    };
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ ...original, kernelFunc });
  }
}

/** The adapter the active webgpu backend runs on (for the run's record). */
export function activeAdapter(): AdapterDescription | null {
  return tf.getBackend() === 'webgpu' ? probeWebgpu().adapter : null;
}
