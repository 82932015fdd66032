// The fused kernels (fused_impl.h) in portable C++: "vectors" of 4 floats as plain arrays, whose loops the
// compiler vectorises for the target's baseline (SSE2 on x86-64, NEON on arm64). Same algorithms as the AVX sets.
#include "fused.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#define MTLAB_TARGET

namespace mtlab {
namespace {

struct V {
  static constexpr int kWidth = 4;
  struct F {
    float v[kWidth];
  };
  struct M {
    bool v[kWidth];
  };
  struct Acc {
    double v[kWidth];
  };

  static F zero() { return set1(0.0f); }
  static F set1(float f) {
    F r;
    for (int i = 0; i < kWidth; ++i) r.v[i] = f;
    return r;
  }
  static F load(const float* p) {
    F r;
    std::memcpy(r.v, p, sizeof(r.v));
    return r;
  }
  static void store(float* p, F v) { std::memcpy(p, v.v, sizeof(v.v)); }
  static F load_fill(const float* p, int n, float fill) {
    F r;
    for (int i = 0; i < kWidth; ++i) r.v[i] = i < n ? p[i] : fill;
    return r;
  }
  static F load_n(const float* p, int n) { return n == kWidth ? load(p) : load_fill(p, n, 0.0f); }
  static void store_n(float* p, F v, int n) {
    for (int i = 0; i < n; ++i) p[i] = v.v[i];
  }
  static F keep(F v, int n) {
    for (int i = n; i < kWidth; ++i) v.v[i] = 0.0f;
    return v;
  }

#define MTLAB_LANES(expression) \
  F r;                          \
  for (int i = 0; i < kWidth; ++i) r.v[i] = (expression); \
  return r

  static F add(F a, F b) { MTLAB_LANES(a.v[i] + b.v[i]); }
  static F sub(F a, F b) { MTLAB_LANES(a.v[i] - b.v[i]); }
  static F mul(F a, F b) { MTLAB_LANES(a.v[i] * b.v[i]); }
  static F div(F a, F b) { MTLAB_LANES(a.v[i] / b.v[i]); }
  // x86 semantics: b when either is NaN.
  static F min(F a, F b) { MTLAB_LANES(a.v[i] < b.v[i] ? a.v[i] : b.v[i]); }
  static F max(F a, F b) { MTLAB_LANES(a.v[i] > b.v[i] ? a.v[i] : b.v[i]); }
  static F sqrt(F a) { MTLAB_LANES(std::sqrt(a.v[i])); }
  static F fmadd(F a, F b, F c) { MTLAB_LANES(a.v[i] * b.v[i] + c.v[i]); }
  static F fnmadd(F a, F b, F c) { MTLAB_LANES(c.v[i] - a.v[i] * b.v[i]); }
  static F abs(F a) { MTLAB_LANES(std::fabs(a.v[i])); }
  // Nearest (ties to even) for |a| < 2²²: adding 1.5·2²³ leaves no fraction bits.
  static F round(F a) { MTLAB_LANES((a.v[i] + 12582912.0f) - 12582912.0f); }
  // The sign of a negative `sign` (−0 and NaN signs do not matter to the callers; std::signbit here makes GCC 12
  // crash while vectorising).
  static F or_sign(F magnitude, F sign) { MTLAB_LANES(sign.v[i] < 0.0f ? -magnitude.v[i] : magnitude.v[i]); }
  static M less(F a, F b) {
    M m;
    for (int i = 0; i < kWidth; ++i) m.v[i] = a.v[i] < b.v[i];
    return m;
  }
  static F select(M m, F if_true, F if_false) { MTLAB_LANES(m.v[i] ? if_true.v[i] : if_false.v[i]); }
  static float power2(int k) {
    const std::uint32_t bits = static_cast<std::uint32_t>(k + 127) << 23;
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
  }
  static float scale2_lane(float y, float n) {
    if (!(n >= -150.0f && n <= 129.0f)) return y * n;  // NaN (x was NaN; y is too)
    const int k = static_cast<int>(n);
    const int half = k >= 0 ? k / 2 : -((1 - k) / 2);  // ⌊k/2⌋
    return y * power2(half) * power2(k - half);
  }
  static F scale2(F y, F n) { MTLAB_LANES(scale2_lane(y.v[i], n.v[i])); }
#undef MTLAB_LANES

  static float reduce_max(F v) {
    float m = v.v[0];
    for (int i = 1; i < kWidth; ++i) m = v.v[i] > m ? v.v[i] : m;
    return m;
  }
  static Acc acc_zero() { return Acc{}; }
  static void acc_add(Acc& acc, F v) {
    for (int i = 0; i < kWidth; ++i) acc.v[i] += v.v[i];
  }
  static void acc_fmadd(Acc& acc, F a, F b) {
    for (int i = 0; i < kWidth; ++i) acc.v[i] += static_cast<double>(a.v[i]) * b.v[i];
  }
  static F acc_round(const Acc& acc) {
    F r;
    for (int i = 0; i < kWidth; ++i) r.v[i] = static_cast<float>(acc.v[i]);
    return r;
  }
  static double acc_sum(const Acc& acc) {
    double sum = 0;
    for (int i = 0; i < kWidth; ++i) sum += acc.v[i];
    return sum;
  }
};

#include "fused_impl.h"

}  // namespace

const FusedKernels* fused_generic_kernels() {
  static const FusedKernels kernels = make_fused_kernels("generic");
  return &kernels;
}

}  // namespace mtlab
