// Portable micro-kernels in plain C++ (4 rows × 16 columns), for CPUs without AVX2 and for other architectures:
// the compiler vectorises the inner loops for the baseline of the target (SSE2 on x86-64, NEON on arm64).
#include "kernels.h"

#define MTLAB_TARGET

namespace mtlab {
namespace {

constexpr int kRows = 4;
constexpr int kColumns = 16;
constexpr int kNarrowColumns = 8;

template <int R, int W, bool MaskB>
void micro_kernel(Index kc, const float* __restrict a, const float* __restrict b, Index b_stride, float* __restrict c,
                  Index ldc, int n_valid, float alpha, float beta) {
  float acc[R][W] = {};
  const int width = n_valid < W ? n_valid : W;
  for (Index k = 0; k < kc; ++k) {
    float bv[W];
    if (MaskB) {
      for (int j = 0; j < W; ++j) bv[j] = j < width ? b[j] : 0.0f;
    } else {
      for (int j = 0; j < W; ++j) bv[j] = b[j];
    }
    for (int i = 0; i < R; ++i) {
      const float ai = a[i];
      for (int j = 0; j < W; ++j) acc[i][j] += ai * bv[j];
    }
    a += R;
    b += b_stride;
  }
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < width; ++j) row[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < width; ++j) row[j] = alpha * acc[i][j] + beta * row[j];
    }
  }
}

template <int R>
void fill_row(KernelSet& set) {
  set.kernel[R][0] = &micro_kernel<R, kColumns, false>;
  set.kernel[R][1] = &micro_kernel<R, kNarrowColumns, false>;
  set.kernel_masked_b[R][0] = &micro_kernel<R, kColumns, true>;
  set.kernel_masked_b[R][1] = &micro_kernel<R, kNarrowColumns, true>;
  if constexpr (R > 1) fill_row<R - 1>(set);
}

}  // namespace

#include "packing_impl.h"

const KernelSet* generic_kernels() {
  static const KernelSet set = [] {
    KernelSet s{};
    s.name = "generic";
    s.mr = kRows;
    s.nr = kColumns;
    s.narrow_nr = kNarrowColumns;
    s.mc = 128;
    s.kc = 256;
    s.b_in_place = false;
    s.nc = 2048;
    fill_row<kRows>(s);
    s.pack_a = &pack_a;
    s.pack_b = &pack_b;
    return s;
  }();
  return &set;
}

}  // namespace mtlab
