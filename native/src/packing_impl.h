// Packing routines (see PackA / PackB in kernels.h). No include guard on purpose: each kernel file includes it
// once, after defining MTLAB_TARGET (the function attribute of its instruction set), so the compiler vectorises
// the copies for that set. Copies that transpose (A by rows, B transposed) go through 8×8 register transposes
// where AVX is available (MTLAB_PACK_AVX); everything else is plain loops.

namespace {

#if defined(MTLAB_PACK_AVX)
// dst row i (8 floats) = column i of the 8×8 block at src.
MTLAB_TARGET inline void transpose8x8(const float* src, Index src_stride, float* dst, Index dst_stride) {
  __m256 r0 = _mm256_loadu_ps(src + 0 * src_stride), r1 = _mm256_loadu_ps(src + 1 * src_stride);
  __m256 r2 = _mm256_loadu_ps(src + 2 * src_stride), r3 = _mm256_loadu_ps(src + 3 * src_stride);
  __m256 r4 = _mm256_loadu_ps(src + 4 * src_stride), r5 = _mm256_loadu_ps(src + 5 * src_stride);
  __m256 r6 = _mm256_loadu_ps(src + 6 * src_stride), r7 = _mm256_loadu_ps(src + 7 * src_stride);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_storeu_ps(dst + 0 * dst_stride, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * dst_stride, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * dst_stride, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * dst_stride, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * dst_stride, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * dst_stride, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * dst_stride, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * dst_stride, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#endif

// out[k·out_stride + i] = src[i·src_stride + k] for i < rows, k < steps: a transposing copy.
MTLAB_TARGET void transpose_copy(const float* src, Index src_stride, Index rows, Index steps, float* out,
                                 Index out_stride) {
#if defined(MTLAB_PACK_AVX)
  if (rows >= 8 && steps >= 8) {
    // 8×8 blocks; the last block of each direction overlaps the one before instead of leaving a remainder
    // (overlapping elements are written twice with the same value).
    for (Index i0 = 0;; i0 += 8) {
      if (i0 + 8 > rows) i0 = rows - 8;
      for (Index k0 = 0;; k0 += 8) {
        if (k0 + 8 > steps) k0 = steps - 8;
        transpose8x8(src + i0 * src_stride + k0, src_stride, out + k0 * out_stride + i0, out_stride);
        if (k0 + 8 == steps) break;
      }
      if (i0 + 8 == rows) break;
    }
    return;
  }
#endif
  for (Index i = 0; i < rows; ++i) {
    const float* row = src + i * src_stride;
    for (Index k = 0; k < steps; ++k) out[k * out_stride + i] = row[k];
  }
}

MTLAB_TARGET void pack_a(const float* a, Index lda, bool trans, Index mc, Index kc, int mr, float* out) {
  for (Index p = 0; p < mc; p += mr) {
    const int r = static_cast<int>(mc - p < mr ? mc - p : mr);
    if (trans) {
      // op(A) rows are columns of a: each step is r contiguous floats.
      const float* src = a + p;
#if defined(MTLAB_PACK_AVX)
      if (r >= 8 && r <= 16) {
        // Two 8-float copies per step, the second overlapping the first when r < 16.
        for (Index k = 0; k < kc; ++k) {
          _mm256_storeu_ps(out + k * r, _mm256_loadu_ps(src + k * lda));
          _mm256_storeu_ps(out + k * r + r - 8, _mm256_loadu_ps(src + k * lda + r - 8));
        }
        out += static_cast<Index>(r) * kc;
        continue;
      }
#endif
      for (Index k = 0; k < kc; ++k) {
        for (int i = 0; i < r; ++i) out[k * r + i] = src[k * lda + i];
      }
    } else {
      // Rows of a are contiguous along k.
      transpose_copy(a + p * lda, lda, r, kc, out, r);
    }
    out += static_cast<Index>(r) * kc;
  }
}

MTLAB_TARGET void pack_b(const float* b, Index ldb, bool trans, Index kc, Index nc, int nr, float* out) {
  for (Index q = 0; q < nc; q += nr) {
    const int w = static_cast<int>(nc - q < nr ? nc - q : nr);
    if (trans) {
      // Columns of op(B) are rows of b, contiguous along k.
      if (w < nr) {
        for (Index k = 0; k < kc; ++k) {
          for (int j = w; j < nr; ++j) out[k * nr + j] = 0.0f;
        }
      }
      transpose_copy(b + q * ldb, ldb, w, kc, out, nr);
    } else {
      const float* src = b + q;
      for (Index k = 0; k < kc; ++k) {
        const float* row = src + k * ldb;
        float* dst = out + k * nr;
        for (int j = 0; j < w; ++j) dst[j] = row[j];
        for (int j = w; j < nr; ++j) dst[j] = 0.0f;
      }
    }
    out += static_cast<Index>(nr) * kc;
  }
}

}  // namespace
