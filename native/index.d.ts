/** The raw N-API surface of @mtlab/native; engine/backend/addon.ts wraps it with typed helpers. */

/**
 * `params` of {@link NativeBinding.gemm}: a Float64Array of 21 values in this order (src/addon.cc, GemmParam):
 * batch, m, n, k, transA, transB, lda, ldb, ldc, batchStrideA, batchStrideB, batchStrideC, alpha, beta,
 * biasBatchStride, biasRowStride, biasColStride, activation, leakyAlpha, threads, implementation.
 * Transposes are 0/1; activation is tfjs-backend-wasm's FusableActivation number (0 linear, 1 relu, 2 relu6,
 * 4 leakyrelu, 5 sigmoid, 6 elu); implementation 0 = built-in kernels, 1 = system BLAS.
 */
export interface NativeInfo {
  /** The instruction set in use: 'avx512' | 'avx2' | 'generic'. */
  isa: string;
  /** The best instruction set this CPU and build support. */
  detectedIsa: string;
  /** Every instruction set that can run here, best first. */
  isas: string[];
  hardwareThreads: number;
  /** How the generic fused kernels were compiled: 'vector extensions' or 'portable arrays' (absent: older builds). */
  genericFused?: string;
}

export interface SystemBlasInfo {
  available: boolean;
  library: string;
  detail: string;
}

export interface NativeBinding {
  /** C = act(alpha·op(A)·op(B) + beta·C + bias), batched, in place on the arrays' memory. */
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, bias: Float32Array | null, params: Float64Array): void;
  info(): NativeInfo;
  /** Use the named instruction set ('' for the best one). */
  configure(isa: string): NativeInfo;
  /** Opens a system BLAS on first call (OpenBLAS, MKL, BLIS, Accelerate; MTLAB_BLAS_LIBRARY overrides). */
  systemBlas(): SystemBlasInfo;

  // The fused training kernels (src/fused_napi.cc): the functions of mtlab's engine/backend/compute.ts with the
  // same arguments in the same order, on the arrays' memory in place. Sizes are checked against the arrays' lengths,
  // outputs may not overlap inputs (Adam's may be its inputs themselves), targets must lie in the vocabulary.
  sumOfSquares(x: Float32Array, n: number): number;
  /** out[c] = Σ_r x[r·cols + c], summed in double. */
  columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  adamStep(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    paramOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    n: number,
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    correction1: number,
    correction2: number,
    gradScale: number,
  ): void;
  gruForward(
    x: Float32Array,
    g: Float32Array,
    h: Float32Array,
    mask: Float32Array,
    out: Float32Array,
    cache: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  gruBackward(
    dh: Float32Array,
    cache: Float32Array,
    h: Float32Array,
    mask: Float32Array,
    dx: Float32Array,
    dg: Float32Array,
    dhPrev: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  lstmForward(
    x: Float32Array,
    g: Float32Array,
    h: Float32Array,
    c: Float32Array,
    mask: Float32Array,
    hOut: Float32Array,
    cOut: Float32Array,
    cache: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  lstmBackward(
    dh: Float32Array,
    dc: Float32Array,
    cache: Float32Array,
    c: Float32Array,
    mask: Float32Array,
    da: Float32Array,
    dhPrev: Float32Array,
    dcPrev: Float32Array,
    batch: number,
    hidden: number,
  ): void;
  logSoftmax(logits: Float32Array, out: Float32Array, rows: number, vocab: number): void;
  softmaxCrossEntropyForward(
    logits: Float32Array,
    targets: Int32Array,
    weights: Float32Array,
    smoothing: number,
    loss: Float32Array,
    probs: Float32Array,
    rows: number,
    vocab: number,
  ): void;
  softmaxCrossEntropyBackward(
    dloss: number,
    probs: Float32Array,
    targets: Int32Array,
    weights: Float32Array,
    smoothing: number,
    dlogits: Float32Array,
    rows: number,
    vocab: number,
  ): void;
  additiveAttentionForward(
    keys: Float32Array,
    query: Float32Array,
    energy: Float32Array,
    maskBias: Float32Array,
    values: Float32Array,
    context: Float32Array,
    weights: Float32Array,
    cache: Float32Array,
    batch: number,
    source: number,
    size: number,
    valueSize: number,
  ): void;
  additiveAttentionBackward(
    dcontext: Float32Array,
    dweights: Float32Array,
    cache: Float32Array,
    weights: Float32Array,
    energy: Float32Array,
    values: Float32Array,
    dkeys: Float32Array,
    dquery: Float32Array,
    denergy: Float32Array,
    dvalues: Float32Array,
    batch: number,
    source: number,
    size: number,
    valueSize: number,
  ): void;
  dotAttentionForward(
    keys: Float32Array,
    query: Float32Array,
    maskBias: Float32Array,
    values: Float32Array,
    context: Float32Array,
    weights: Float32Array,
    batch: number,
    source: number,
    size: number,
    valueSize: number,
  ): void;
  dotAttentionBackward(
    dcontext: Float32Array,
    dweights: Float32Array,
    weights: Float32Array,
    keys: Float32Array,
    query: Float32Array,
    values: Float32Array,
    dkeys: Float32Array,
    dquery: Float32Array,
    dvalues: Float32Array,
    batch: number,
    source: number,
    size: number,
    valueSize: number,
  ): void;
  /** exp, tanh or sigmoid of each element as the kernels compute them (≤ 2 ulp), for accuracy tests. */
  fusedMath(fn: 'exp' | 'tanh' | 'sigmoid', x: Float32Array, out: Float32Array): void;
  /** The instruction set the fused kernels run (follows configure()). */
  fusedIsa(): string;
}

declare const binding: NativeBinding;
export = binding;
