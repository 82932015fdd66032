// Single-precision GEMM for row-major matrices, batched, with a fused bias + activation epilogue:
//
//   C[b] = act(alpha · op(A[b]) · op(B[b]) + beta · C[b] + bias[b])      for b in [0, batch)
//
// op(X) is X or Xᵀ. A batch stride of 0 broadcasts an operand over the batch. C must not overlap A or B.
#pragma once

#include <cstddef>

#include "kernels.h"

namespace mtlab {

// Numbered as tfjs-backend-wasm's FusableActivation (3, prelu, is not supported: it needs a weights tensor).
enum class Activation : int { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 4, kSigmoid = 5, kElu = 6 };

struct Epilogue {
  // bias(b, i, j) = bias[b·batch_stride + i·row_stride + j·col_stride]; strides of 0 broadcast.
  const float* bias = nullptr;
  Index bias_batch_stride = 0;
  Index bias_row_stride = 0;
  Index bias_col_stride = 1;
  Activation activation = Activation::kLinear;
  float leaky_alpha = 0.2f;

  bool active() const { return bias != nullptr || activation != Activation::kLinear; }
};

struct Gemm {
  Index batch = 1;
  Index m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 0.0f;
  const float* a = nullptr;
  Index lda = 0, batch_stride_a = 0;
  const float* b = nullptr;
  Index ldb = 0, batch_stride_b = 0;
  float* c = nullptr;
  Index ldc = 0, batch_stride_c = 0;
  Epilogue epilogue;
};

enum class Isa : int { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

Isa detected_isa();                // the best instruction set this CPU and build support
bool isa_supported(Isa isa);       // whether `isa` can run here
void select_isa(Isa isa);          // use `isa` from now on (must be supported); for tests and benchmarks
Isa selected_isa();
const char* isa_name(Isa isa);

// Runs the GEMM with the built-in kernels on up to `threads` threads (the calling thread included).
void sgemm(const Gemm& gemm, int threads);

// Applies bias + activation to rows [row0, row0 + rows) × columns [col0, col0 + cols) of one batch item's C,
// `c` pointing at element (row0, col0) and `bias` at that item's bias (or nullptr).
void apply_epilogue(float* c, Index ldc, Index rows, Index cols, Index row0, Index col0, const float* bias,
                    const Epilogue& epilogue);

}  // namespace mtlab
