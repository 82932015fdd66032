// AVX2 + FMA micro-kernels: tiles of up to 6 rows × 16 columns (12 ymm accumulators, two B vectors, one
// broadcast). Edge tiles: fewer rows by template, fewer columns by masked loads and stores.
#include "kernels.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>

#define MTLAB_TARGET __attribute__((target("avx2,fma,bmi,bmi2")))

namespace mtlab {
namespace {

constexpr int kRows = 6;
constexpr int kVectors = 2;  // 8-float vectors per row of a full tile

alignas(32) const int kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

MTLAB_TARGET inline __m256i column_mask(int n_valid, int vector) {
  int rest = n_valid - 8 * vector;
  rest = rest < 0 ? 0 : (rest > 8 ? 8 : rest);
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - rest));
}

template <int R, int V, bool MaskB>
MTLAB_TARGET void micro_kernel(Index kc, const float* __restrict a, const float* __restrict b, Index b_stride,
                               float* __restrict c, Index ldc, int n_valid, float alpha, float beta) {
  __m256 acc[R][V];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[i][v] = _mm256_setzero_ps();
  }
  __m256i mask[V];
  int width[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    mask[v] = column_mask(n_valid, v);
    width[v] = n_valid - 8 * v;
  }

  for (Index k = 0; k < kc; ++k) {
    __m256 bv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      bv[v] = MaskB ? _mm256_maskload_ps(b + 8 * v, mask[v]) : _mm256_loadu_ps(b + 8 * v);
    }
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
    }
    a += R;
    b += b_stride;
  }

  const __m256 alpha_v = _mm256_set1_ps(alpha);
  const __m256 beta_v = _mm256_set1_ps(beta);
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      if (width[v] <= 0) continue;
      __m256 result = alpha == 1.0f ? acc[i][v] : _mm256_mul_ps(alpha_v, acc[i][v]);
      if (width[v] >= 8) {
        if (beta != 0.0f) result = _mm256_fmadd_ps(beta_v, _mm256_loadu_ps(row + 8 * v), result);
        _mm256_storeu_ps(row + 8 * v, result);
      } else {
        if (beta != 0.0f) result = _mm256_fmadd_ps(beta_v, _mm256_maskload_ps(row + 8 * v, mask[v]), result);
        _mm256_maskstore_ps(row + 8 * v, mask[v], result);
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

const KernelSet* avx2_kernels() {
  static const KernelSet set = [] {
    KernelSet s{};
    s.name = "avx2";
    s.mr = kRows;
    s.nr = 8 * kVectors;
    s.narrow_nr = 8;
    s.mc = 144;
    s.kc = 256;
    s.b_in_place = false;
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
const KernelSet* avx2_kernels() { return nullptr; }
}  // namespace mtlab

#endif
