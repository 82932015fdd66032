// Micro-kernels and packing routines of the blocked SGEMM, one set per instruction set.
//
// Each set is compiled with function-level target attributes (never whole-file -m flags), so the same .node
// loads on any x86-64 and the best set is picked at run time.
#pragma once

#include <cstddef>

namespace mtlab {

using Index = std::ptrdiff_t;

// Computes an r×w tile: C = alpha·(Ap·Bp) + beta·C over kc steps, where Ap is a packed panel of r rows
// (k-major, r floats per step) and Bp holds kc rows of the B panel, b_stride floats apart (the panel width when
// packed, ldb when B is read in place). Only the first n_valid columns of C are read or written; beta == 0 never
// reads C (it may hold garbage, NaN included).
using MicroKernel = void (*)(Index kc, const float* a, const float* b, Index b_stride, float* c, Index ldc,
                             int n_valid, float alpha, float beta);

// Packs rows [0, mc) × steps [0, kc) of op(A) into panels of mr rows (the last panel may be shorter; a panel of
// r rows holds r floats per step). op(A)(i, k) is a[i·lda + k], or a[k·lda + i] when transposed.
using PackA = void (*)(const float* a, Index lda, bool trans, Index mc, Index kc, int mr, float* out);

// Packs steps [0, kc) × columns [0, nc) of op(B) into panels of nr columns, each step a row of nr floats, the
// last panel zero-padded. op(B)(k, j) is b[k·ldb + j], or b[j·ldb + k] when transposed.
using PackB = void (*)(const float* b, Index ldb, bool trans, Index kc, Index nc, int nr, float* out);

constexpr int kMaxRows = 16;

struct KernelSet {
  const char* name;
  int mr;  // rows of a full tile
  int nr;  // columns of a full tile
  int narrow_nr;  // columns of the narrow kernels (for a last panel at most this wide)
  Index mc, kc, nc;  // cache blocking: rows of A, steps and columns of B packed per block
  // Whether B (untransposed) may be read in place for any number of rows, not only for a row panel or two.
  // Measured on Zen 5: in place is as fast or faster with 32-column panels, slower with 16-column ones.
  bool b_in_place;
  // kernel[r][0]: r rows × nr columns; kernel[r][1]: r rows × narrow_nr columns.
  MicroKernel kernel[kMaxRows + 1][2];
  // The same for B read in place with a short last panel: loads of B are masked to n_valid columns.
  MicroKernel kernel_masked_b[kMaxRows + 1][2];
  PackA pack_a;
  PackB pack_b;
};

const KernelSet* avx512_kernels();   // nullptr where not compiled in
const KernelSet* avx2_kernels();     // nullptr where not compiled in
const KernelSet* generic_kernels();  // always available

}  // namespace mtlab
