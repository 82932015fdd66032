// The fused kernels (fused_impl.h) for AVX2 + FMA: 8 floats per vector, masked loads and stores for the tails.
#include "fused.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <vector>

#define MTLAB_TARGET __attribute__((target("avx2,fma,bmi,bmi2")))

namespace mtlab {
namespace {

alignas(32) const int kLaneMasks[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct V {
  using F = __m256;
  using M = __m256;
  struct Acc {
    __m256d low, high;
  };
  static constexpr int kWidth = 8;

  // Lanes [0, n) set (n ≤ 8).
  MTLAB_TARGET static __m256i first(int n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLaneMasks + 8 - n));
  }
  MTLAB_TARGET static F zero() { return _mm256_setzero_ps(); }
  MTLAB_TARGET static F set1(float f) { return _mm256_set1_ps(f); }
  MTLAB_TARGET static F load(const float* p) { return _mm256_loadu_ps(p); }
  MTLAB_TARGET static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  MTLAB_TARGET static F load_n(const float* p, int n) {
    return n == 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, first(n));
  }
  MTLAB_TARGET static F load_fill(const float* p, int n, float fill) {
    if (n == 8) return _mm256_loadu_ps(p);
    const __m256i mask = first(n);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, mask), _mm256_castsi256_ps(mask));
  }
  MTLAB_TARGET static void store_n(float* p, F v, int n) {
    if (n == 8) {
      _mm256_storeu_ps(p, v);
    } else {
      _mm256_maskstore_ps(p, first(n), v);
    }
  }
  MTLAB_TARGET static F keep(F v, int n) { return n == 8 ? v : _mm256_and_ps(v, _mm256_castsi256_ps(first(n))); }
  MTLAB_TARGET static F add(F a, F b) { return _mm256_add_ps(a, b); }
  MTLAB_TARGET static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  MTLAB_TARGET static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  MTLAB_TARGET static F div(F a, F b) { return _mm256_div_ps(a, b); }
  MTLAB_TARGET static F min(F a, F b) { return _mm256_min_ps(a, b); }
  MTLAB_TARGET static F max(F a, F b) { return _mm256_max_ps(a, b); }
  MTLAB_TARGET static F sqrt(F a) { return _mm256_sqrt_ps(a); }
  MTLAB_TARGET static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  MTLAB_TARGET static F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  MTLAB_TARGET static F abs(F a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  MTLAB_TARGET static F round(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  MTLAB_TARGET static F or_sign(F magnitude, F sign) {
    return _mm256_or_ps(magnitude, _mm256_and_ps(sign, _mm256_set1_ps(-0.0f)));
  }
  MTLAB_TARGET static M less(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  MTLAB_TARGET static F select(M m, F if_true, F if_false) { return _mm256_blendv_ps(if_false, if_true, m); }
  // 2ⁿ as the product of two normal powers 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), so the result rounds once.
  MTLAB_TARGET static F power2(F k) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23));
  }
  MTLAB_TARGET static F scale2(F y, F n) {
    const F half = _mm256_floor_ps(_mm256_mul_ps(n, _mm256_set1_ps(0.5f)));
    return _mm256_mul_ps(_mm256_mul_ps(y, power2(half)), power2(_mm256_sub_ps(n, half)));
  }
  MTLAB_TARGET static float reduce_max(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }

  MTLAB_TARGET static __m256d low_half(F v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  MTLAB_TARGET static __m256d high_half(F v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  MTLAB_TARGET static Acc acc_zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
  MTLAB_TARGET static void acc_add(Acc& acc, F v) {
    acc.low = _mm256_add_pd(acc.low, low_half(v));
    acc.high = _mm256_add_pd(acc.high, high_half(v));
  }
  MTLAB_TARGET static void acc_fmadd(Acc& acc, F a, F b) {
    acc.low = _mm256_fmadd_pd(low_half(a), low_half(b), acc.low);
    acc.high = _mm256_fmadd_pd(high_half(a), high_half(b), acc.high);
  }
  MTLAB_TARGET static F acc_round(const Acc& acc) {
    return _mm256_set_m128(_mm256_cvtpd_ps(acc.high), _mm256_cvtpd_ps(acc.low));
  }
  MTLAB_TARGET static double acc_sum(const Acc& acc) {
    const __m256d sum = _mm256_add_pd(acc.low, acc.high);
    __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(sum), _mm256_extractf128_pd(sum, 1));
    pair = _mm_add_sd(pair, _mm_unpackhi_pd(pair, pair));
    return _mm_cvtsd_f64(pair);
  }
};

#include "fused_impl.h"

}  // namespace

const FusedKernels* fused_avx2_kernels() {
  static const FusedKernels kernels = make_fused_kernels("avx2");
  return &kernels;
}

}  // namespace mtlab

#else

namespace mtlab {
const FusedKernels* fused_avx2_kernels() { return nullptr; }
}  // namespace mtlab

#endif
