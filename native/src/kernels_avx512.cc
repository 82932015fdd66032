// AVX-512 micro-kernels: tiles of up to 14 rows × 32 columns (28 zmm accumulators, two B vectors, one broadcast),
// one FMA per accumulator and step. Edge tiles: fewer rows by template, fewer columns by store masks.
#include "kernels.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>

#define MTLAB_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi,bmi2")))

namespace mtlab {
namespace {

constexpr int kRows = 14;
constexpr int kVectors = 2;  // 16-float vectors per row of a full tile

MTLAB_TARGET inline __mmask16 column_mask(int n_valid, int vector) {
  const int rest = n_valid - 16 * vector;
  if (rest >= 16) return static_cast<__mmask16>(0xFFFF);
  if (rest <= 0) return 0;
  return static_cast<__mmask16>((1u << rest) - 1u);
}

template <int R, int V, bool MaskB>
MTLAB_TARGET void micro_kernel(Index kc, const float* __restrict a, const float* __restrict b, Index b_stride,
                               float* __restrict c, Index ldc, int n_valid, float alpha, float beta) {
  __m512 acc[R][V];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  __mmask16 mask[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) mask[v] = column_mask(n_valid, v);

  for (Index k = 0; k < kc; ++k) {
    __m512 bv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      bv[v] = MaskB ? _mm512_maskz_loadu_ps(mask[v], b + 16 * v) : _mm512_loadu_ps(b + 16 * v);
    }
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += R;
    b += b_stride;
  }

  const __m512 alpha_v = _mm512_set1_ps(alpha);
  const __m512 beta_v = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      if (mask[v] == 0) continue;
      __m512 result = alpha == 1.0f ? acc[i][v] : _mm512_mul_ps(alpha_v, acc[i][v]);
      if (beta != 0.0f) result = _mm512_fmadd_ps(beta_v, _mm512_maskz_loadu_ps(mask[v], row + 16 * v), result);
      if (mask[v] == 0xFFFF) {
        _mm512_storeu_ps(row + 16 * v, result);
      } else {
        _mm512_mask_storeu_ps(row + 16 * v, mask[v], result);
      }
    }
  }
}

template <int R>
void fill_row(KernelSet& set) {
  set.kernel[R][0] = &micro_kernel<R, kVectors, false>;
  set.kernel[R][1] = &micro_kernel<R, 1, false>;
  set.kernel_masked_b[R][0] = &micro_kernel<R, kVectors, true>;
  set.kernel_masked_b[R][1] = &micro_kernel<R, 1, true>;
  if constexpr (R > 1) fill_row<R - 1>(set);
}

}  // namespace

#define MTLAB_PACK_AVX 1
#include "packing_impl.h"

const KernelSet* avx512_kernels() {
  static const KernelSet set = [] {
    KernelSet s{};
    s.name = "avx512";
    s.mr = kRows;
    s.nr = 16 * kVectors;
    s.narrow_nr = 16;
    s.mc = 140;
    s.kc = 256;
    s.b_in_place = true;
    s.nc = 4096;
    fill_row<kRows>(s);
    s.pack_a = &pack_a;
    s.pack_b = &pack_b;
    return s;
  }();
  return &set;
}

}  // namespace mtlab

#else

namespace mtlab {
const KernelSet* avx512_kernels() { return nullptr; }
}  // namespace mtlab

#endif
