/** The raw N-API surface of @mtlab/native; engine/backend/native.ts wraps it with typed helpers. */

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
}

declare const binding: NativeBinding;
export = binding;
