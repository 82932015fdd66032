// The fused kernels (fused_impl.h) in portable C++, vectors of 4 floats: GCC/Clang vector extensions, which compile
// to the target's baseline SIMD (SSE2 on x86-64, NEON on arm64), or plain arrays for other compilers. Same
// algorithms as the AVX sets.
#include "fused.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#define MTLAB_TARGET
// GCC leaves exp and tanh out of line here, passing vectors through memory: several times slower than inlined.
#if defined(__GNUC__)
#define MTLAB_INLINE inline __attribute__((always_inline))
#else
#define MTLAB_INLINE inline
#endif

namespace mtlab {
namespace {

// MTLAB_PORTABLE_ARRAYS builds the plain-array version with GCC too (to test it).
#if defined(__GNUC__) && !defined(MTLAB_PORTABLE_ARRAYS)

struct V {
  static constexpr int kWidth = 4;
  typedef float F __attribute__((vector_size(16)));
  typedef std::int32_t M __attribute__((vector_size(16)));  // lanes 0 or −1, as comparisons give
  typedef double Pair __attribute__((vector_size(16)));
  struct Acc {
    Pair low, high;
  };

  // Casts between vector types of one size reinterpret the bits.
  MTLAB_INLINE static F bits(M m) { return (F)m; }
  MTLAB_INLINE static M bits(F f) { return (M)f; }
  MTLAB_INLINE static F zero() { return F{0.0f, 0.0f, 0.0f, 0.0f}; }
  MTLAB_INLINE static F set1(float f) { return F{} + f; }
  MTLAB_INLINE static F load(const float* p) {
    F r;
    std::memcpy(&r, p, sizeof(r));
    return r;
  }
  MTLAB_INLINE static void store(float* p, F v) { std::memcpy(p, &v, sizeof(v)); }
  MTLAB_INLINE static F load_fill(const float* p, int n, float fill) {
    if (n == kWidth) return load(p);
    F r = set1(fill);
    for (int i = 0; i < n; ++i) r[i] = p[i];
    return r;
  }
  MTLAB_INLINE static F load_n(const float* p, int n) { return load_fill(p, n, 0.0f); }
  MTLAB_INLINE static void store_n(float* p, F v, int n) {
    if (n == kWidth) {
      store(p, v);
    } else {
      for (int i = 0; i < n; ++i) p[i] = v[i];
    }
  }
  MTLAB_INLINE static F keep(F v, int n) {
    for (int i = n; i < kWidth; ++i) v[i] = 0.0f;
    return v;
  }
  MTLAB_INLINE static F select(M m, F if_true, F if_false) { return bits((bits(if_true) & m) | (bits(if_false) & ~m)); }
  MTLAB_INLINE static F add(F a, F b) { return a + b; }
  MTLAB_INLINE static F sub(F a, F b) { return a - b; }
  MTLAB_INLINE static F mul(F a, F b) { return a * b; }
  MTLAB_INLINE static F div(F a, F b) { return a / b; }
  // x86 semantics: b when either is NaN.
  MTLAB_INLINE static F min(F a, F b) { return select(a < b, a, b); }
  MTLAB_INLINE static F max(F a, F b) { return select(a > b, a, b); }
  MTLAB_INLINE static F sqrt(F a) {
    for (int i = 0; i < kWidth; ++i) a[i] = std::sqrt(a[i]);
    return a;
  }
  MTLAB_INLINE static F fmadd(F a, F b, F c) { return a * b + c; }
  MTLAB_INLINE static F fnmadd(F a, F b, F c) { return c - a * b; }
  MTLAB_INLINE static F abs(F a) { return bits(bits(a) & 0x7fffffff); }
  // Nearest (ties to even) for |a| < 2²²: adding 1.5·2²³ leaves no fraction bits.
  MTLAB_INLINE static F round(F a) { return (a + 12582912.0f) - 12582912.0f; }
  MTLAB_INLINE static F or_sign(F magnitude, F sign) {
    return bits(bits(magnitude) | (bits(sign) & static_cast<std::int32_t>(0x80000000u)));
  }
  MTLAB_INLINE static M less(F a, F b) { return a < b; }
  // A NaN n (only when y is NaN too) becomes −150 and the result stays NaN.
  MTLAB_INLINE static F scale2(F y, F n) {
    n = select(n >= -150.0f, n, set1(-150.0f));
    n = select(n <= 129.0f, n, set1(129.0f));
    const M k = __builtin_convertvector(n, M);
    const M half = k >> 1;  // ⌊k/2⌋: arithmetic shift
    return y * bits((half + 127) << 23) * bits((k - half + 127) << 23);
  }
  MTLAB_INLINE static float reduce_max(F v) {
    float m = v[0];
    for (int i = 1; i < kWidth; ++i) m = v[i] > m ? v[i] : m;
    return m;
  }
  MTLAB_INLINE static Pair low_half(F v) { return Pair{v[0], v[1]}; }
  MTLAB_INLINE static Pair high_half(F v) { return Pair{v[2], v[3]}; }
  MTLAB_INLINE static Acc acc_zero() { return {Pair{0.0, 0.0}, Pair{0.0, 0.0}}; }
  MTLAB_INLINE static void acc_add(Acc& acc, F v) {
    acc.low += low_half(v);
    acc.high += high_half(v);
  }
  MTLAB_INLINE static void acc_fmadd(Acc& acc, F a, F b) {
    acc.low += low_half(a) * low_half(b);
    acc.high += high_half(a) * high_half(b);
  }
  MTLAB_INLINE static F acc_round(const Acc& acc) {
    return F{static_cast<float>(acc.low[0]), static_cast<float>(acc.low[1]), static_cast<float>(acc.high[0]),
             static_cast<float>(acc.high[1])};
  }
  MTLAB_INLINE static double acc_sum(const Acc& acc) {
    const Pair sum = acc.low + acc.high;
    return sum[0] + sum[1];
  }
};

#else

struct V {
  static constexpr int kWidth = 4;
  struct F {
    float v[kWidth];
  };
  struct M {
    std::int32_t v[kWidth];  // 0 or −1, as vector compares give
  };
  struct Acc {
    double v[kWidth];
  };

  MTLAB_INLINE static F zero() { return set1(0.0f); }
  MTLAB_INLINE static F set1(float f) {
    F r;
    for (int i = 0; i < kWidth; ++i) r.v[i] = f;
    return r;
  }
  MTLAB_INLINE static F load(const float* p) {
    F r;
    std::memcpy(r.v, p, sizeof(r.v));
    return r;
  }
  MTLAB_INLINE static void store(float* p, F v) { std::memcpy(p, v.v, sizeof(v.v)); }
  MTLAB_INLINE static F load_fill(const float* p, int n, float fill) {
    F r;
    for (int i = 0; i < kWidth; ++i) r.v[i] = i < n ? p[i] : fill;
    return r;
  }
  MTLAB_INLINE static F load_n(const float* p, int n) {
    return n == kWidth ? load(p) : load_fill(p, n, 0.0f);
  }
  MTLAB_INLINE static void store_n(float* p, F v, int n) {
    for (int i = 0; i < n; ++i) p[i] = v.v[i];
  }
  MTLAB_INLINE static F keep(F v, int n) {
    for (int i = n; i < kWidth; ++i) v.v[i] = 0.0f;
    return v;
  }

#define MTLAB_LANES(expression) \
  F r;                          \
  for (int i = 0; i < kWidth; ++i) r.v[i] = (expression); \
  return r

  MTLAB_INLINE static F add(F a, F b) { MTLAB_LANES(a.v[i] + b.v[i]); }
  MTLAB_INLINE static F sub(F a, F b) { MTLAB_LANES(a.v[i] - b.v[i]); }
  MTLAB_INLINE static F mul(F a, F b) { MTLAB_LANES(a.v[i] * b.v[i]); }
  MTLAB_INLINE static F div(F a, F b) { MTLAB_LANES(a.v[i] / b.v[i]); }
  // x86 semantics: b when either is NaN.
  MTLAB_INLINE static F min(F a, F b) { MTLAB_LANES(a.v[i] < b.v[i] ? a.v[i] : b.v[i]); }
  MTLAB_INLINE static F max(F a, F b) { MTLAB_LANES(a.v[i] > b.v[i] ? a.v[i] : b.v[i]); }
  MTLAB_INLINE static F sqrt(F a) { MTLAB_LANES(std::sqrt(a.v[i])); }
  MTLAB_INLINE static F fmadd(F a, F b, F c) { MTLAB_LANES(a.v[i] * b.v[i] + c.v[i]); }
  MTLAB_INLINE static F fnmadd(F a, F b, F c) { MTLAB_LANES(c.v[i] - a.v[i] * b.v[i]); }
  MTLAB_INLINE static F abs(F a) { MTLAB_LANES(std::fabs(a.v[i])); }
  // Nearest (ties to even) for |a| < 2²²: adding 1.5·2²³ leaves no fraction bits.
  MTLAB_INLINE static F round(F a) { MTLAB_LANES((a.v[i] + 12582912.0f) - 12582912.0f); }
  // The sign of a negative `sign` (−0 and NaN signs do not matter to the callers; std::signbit here makes GCC 12
  // crash while vectorising).
  MTLAB_INLINE static F or_sign(F magnitude, F sign) {
    MTLAB_LANES(sign.v[i] < 0.0f ? -magnitude.v[i] : magnitude.v[i]);
  }
  MTLAB_INLINE static M less(F a, F b) {
    M m;
    for (int i = 0; i < kWidth; ++i) m.v[i] = a.v[i] < b.v[i] ? -1 : 0;
    return m;
  }
  MTLAB_INLINE static F select(M m, F if_true, F if_false) {
    MTLAB_LANES(m.v[i] != 0 ? if_true.v[i] : if_false.v[i]);
  }
  MTLAB_INLINE static float from_bits(std::int32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
  }
  // Branch-free so that it vectorises: a NaN n (only when y is NaN too) becomes −150 and the result stays NaN.
  MTLAB_INLINE static float scale2_lane(float y, float n) {
    const float clamped = n >= -150.0f ? (n <= 129.0f ? n : 129.0f) : -150.0f;
    const std::int32_t k = static_cast<std::int32_t>(clamped);
    const std::int32_t half = k >> 1;  // ⌊k/2⌋: arithmetic shift
    return y * from_bits((half + 127) << 23) * from_bits((k - half + 127) << 23);
  }
  MTLAB_INLINE static F scale2(F y, F n) { MTLAB_LANES(scale2_lane(y.v[i], n.v[i])); }
#undef MTLAB_LANES

  MTLAB_INLINE static float reduce_max(F v) {
    float m = v.v[0];
    for (int i = 1; i < kWidth; ++i) m = v.v[i] > m ? v.v[i] : m;
    return m;
  }
  MTLAB_INLINE static Acc acc_zero() { return Acc{}; }
  MTLAB_INLINE static void acc_add(Acc& acc, F v) {
    for (int i = 0; i < kWidth; ++i) acc.v[i] += v.v[i];
  }
  MTLAB_INLINE static void acc_fmadd(Acc& acc, F a, F b) {
    for (int i = 0; i < kWidth; ++i) acc.v[i] += static_cast<double>(a.v[i]) * b.v[i];
  }
  MTLAB_INLINE static F acc_round(const Acc& acc) {
    F r;
    for (int i = 0; i < kWidth; ++i) r.v[i] = static_cast<float>(acc.v[i]);
    return r;
  }
  MTLAB_INLINE static double acc_sum(const Acc& acc) {
    double sum = 0;
    for (int i = 0; i < kWidth; ++i) sum += acc.v[i];
    return sum;
  }
};

#endif

#include "fused_impl.h"

}  // namespace

const FusedKernels* fused_generic_kernels() {
  static const FusedKernels kernels = make_fused_kernels("generic");
  return &kernels;
}

const char* fused_generic_flavour() {
#if defined(__GNUC__) && !defined(MTLAB_PORTABLE_ARRAYS)
  return "vector extensions";
#else
  return "portable arrays";
#endif
}

}  // namespace mtlab
