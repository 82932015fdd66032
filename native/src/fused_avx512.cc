// The fused kernels (fused_impl.h) for AVX-512: 16 floats per vector, masked loads and stores for the tails,
// vscalefps for exact powers of two in exp.
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
// GCC 12 flags the deliberately undefined pass-through operand of unmasked AVX-512 intrinsics as uninitialised.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include "fused.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))

#include <cmath>
#include <cstddef>
#include <vector>

#define MTLAB_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi,bmi2")))

namespace mtlab {
namespace {

struct V {
  using F = __m512;
  using M = __mmask16;
  struct Acc {
    __m512d low, high;
  };
  static constexpr int kWidth = 16;

  MTLAB_TARGET static M first(int n) { return n >= 16 ? static_cast<M>(0xFFFF) : static_cast<M>((1u << n) - 1u); }
  MTLAB_TARGET static F zero() { return _mm512_setzero_ps(); }
  MTLAB_TARGET static F set1(float f) { return _mm512_set1_ps(f); }
  MTLAB_TARGET static F load(const float* p) { return _mm512_loadu_ps(p); }
  MTLAB_TARGET static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  MTLAB_TARGET static F load_n(const float* p, int n) { return _mm512_maskz_loadu_ps(first(n), p); }
  MTLAB_TARGET static F load_fill(const float* p, int n, float fill) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), first(n), p);
  }
  MTLAB_TARGET static void store_n(float* p, F v, int n) { _mm512_mask_storeu_ps(p, first(n), v); }
  MTLAB_TARGET static F keep(F v, int n) { return _mm512_maskz_mov_ps(first(n), v); }
  MTLAB_TARGET static F add(F a, F b) { return _mm512_add_ps(a, b); }
  MTLAB_TARGET static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  MTLAB_TARGET static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  MTLAB_TARGET static F div(F a, F b) { return _mm512_div_ps(a, b); }
  MTLAB_TARGET static F min(F a, F b) { return _mm512_min_ps(a, b); }
  MTLAB_TARGET static F max(F a, F b) { return _mm512_max_ps(a, b); }
  MTLAB_TARGET static F sqrt(F a) { return _mm512_sqrt_ps(a); }
  MTLAB_TARGET static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  MTLAB_TARGET static F fnmadd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
  MTLAB_TARGET static F abs(F a) { return _mm512_abs_ps(a); }
  MTLAB_TARGET static F round(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  MTLAB_TARGET static F or_sign(F magnitude, F sign) {
    return _mm512_or_ps(magnitude, _mm512_and_ps(sign, _mm512_set1_ps(-0.0f)));
  }
  MTLAB_TARGET static M less(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  MTLAB_TARGET static F select(M m, F if_true, F if_false) { return _mm512_mask_blend_ps(m, if_false, if_true); }
  MTLAB_TARGET static F scale2(F y, F n) { return _mm512_scalef_ps(y, n); }
  MTLAB_TARGET static float reduce_max(F v) { return _mm512_reduce_max_ps(v); }

  MTLAB_TARGET static __m512d low_half(F v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
  MTLAB_TARGET static __m512d high_half(F v) {
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
  MTLAB_TARGET static Acc acc_zero() { return {_mm512_setzero_pd(), _mm512_setzero_pd()}; }
  MTLAB_TARGET static void acc_add(Acc& acc, F v) {
    acc.low = _mm512_add_pd(acc.low, low_half(v));
    acc.high = _mm512_add_pd(acc.high, high_half(v));
  }
  MTLAB_TARGET static void acc_fmadd(Acc& acc, F a, F b) {
    acc.low = _mm512_fmadd_pd(low_half(a), low_half(b), acc.low);
    acc.high = _mm512_fmadd_pd(high_half(a), high_half(b), acc.high);
  }
  MTLAB_TARGET static F acc_round(const Acc& acc) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(acc.low)), _mm512_cvtpd_ps(acc.high), 1);
  }
  MTLAB_TARGET static double acc_sum(const Acc& acc) { return _mm512_reduce_add_pd(_mm512_add_pd(acc.low, acc.high)); }
};

#include "fused_impl.h"

}  // namespace

const FusedKernels* fused_avx512_kernels() {
  static const FusedKernels kernels = make_fused_kernels("avx512");
  return &kernels;
}

}  // namespace mtlab

#else

namespace mtlab {
const FusedKernels* fused_avx512_kernels() { return nullptr; }
}  // namespace mtlab

#endif
