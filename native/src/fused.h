// mtlab's fused training kernels (engine/backend/compute.ts has the JavaScript reference and documents the
// arithmetic): recurrent cells, attention, softmax cross-entropy, Adam and two reductions, on row-major float32
// arrays. One set per instruction set (fused_avx512.cc, fused_avx2.cc, fused_generic.cc) from one source
// (fused_impl.h); the set in use follows the GEMM's run-time choice (selected_isa() in sgemm.h).
//
// Sizes and lengths are the caller's to check (fused_napi.cc does, before any memory is touched).
#pragma once

#include <node_api.h>

#include "sgemm.h"

namespace mtlab {

struct AdamArgs {
  const float* param;
  const float* grad;
  const float* m;
  const float* v;
  // May be the input arrays themselves (element i is read before it is written).
  float* param_out;
  float* m_out;
  float* v_out;
  Index n;
  double learning_rate, beta1, beta2, epsilon, correction1, correction2, grad_scale;
};

struct GruForwardArgs {
  const float* x;     // [batch, 3·hidden]: W_ih x + b_ih, gates r z n
  const float* g;     // [batch, 3·hidden]: W_hh h + b_hh
  const float* h;     // [batch, hidden]
  const float* mask;  // [batch]
  float* out;         // [batch, hidden]
  float* cache;       // [batch, 4·hidden]: r, z, n, g_n
  Index batch, hidden;
};

struct GruBackwardArgs {
  const float* dh;
  const float* cache;
  const float* h;
  const float* mask;
  float* dx;       // [batch, 3·hidden]
  float* dg;       // [batch, 3·hidden]
  float* dh_prev;  // [batch, hidden]
  Index batch, hidden;
};

struct LstmForwardArgs {
  const float* x;  // [batch, 4·hidden], gates i f g o
  const float* g;
  const float* h;
  const float* c;
  const float* mask;
  float* h_out;
  float* c_out;
  float* cache;  // [batch, 5·hidden]: i, f, g̃, o, tanh c'
  Index batch, hidden;
};

struct LstmBackwardArgs {
  const float* dh;
  const float* dc;
  const float* cache;
  const float* c;
  const float* mask;
  float* da;  // [batch, 4·hidden]
  float* dh_prev;
  float* dc_prev;
  Index batch, hidden;
};

struct LogSoftmaxArgs {
  const float* logits;  // [rows, vocab]
  float* out;           // [rows, vocab]: logits − log Σ exp(logits), per row
  Index rows, vocab;
};

// The special ids every mtlab vocabulary starts with (engine/data/vocab.ts): label smoothing spreads ε over the
// tokens a target can be, all but <pad> and <sos>, so the loss kernels need vocab ≥ 3.
constexpr Index kPadId = 0;
constexpr Index kSosId = 2;

// loss = Σ_r w_r ((1−ε)(log Z − l[y]) + ε (log Z − mean over v ∉ {<pad>, <sos>} of l[v])).
struct SoftmaxXentForwardArgs {
  const float* logits;    // [rows, vocab]
  const int* targets;     // [rows], each in [0, vocab) where the row's weight is not 0
  const float* weights;   // [rows]
  double smoothing;
  float* loss;            // [1]
  float* probs;           // [rows, vocab]
  Index rows, vocab;
};

struct SoftmaxXentBackwardArgs {
  double dloss;
  const float* probs;
  const int* targets;
  const float* weights;
  double smoothing;
  float* dlogits;
  Index rows, vocab;
};

struct AttentionForwardArgs {
  const float* keys;       // [batch, source, size]
  const float* query;      // [batch, size]
  const float* energy;     // [size] (additive only)
  const float* mask_bias;  // [batch, source]
  const float* values;     // [batch, source, value_size]
  float* context;          // [batch, value_size]
  float* weights;          // [batch, source]
  float* cache;            // [batch, source, size]: tanh(keys + query) (additive only)
  Index batch, source, size, value_size;
};

struct AttentionBackwardArgs {
  const float* dcontext;  // [batch, value_size]
  const float* dweights;  // [batch, source]
  const float* cache;     // additive only
  const float* weights;
  const float* energy;    // additive only
  const float* keys;      // dot only
  const float* query;     // dot only
  const float* values;
  float* dkeys;
  float* dquery;  // zeroed whole (dquery_length floats), as the reference does
  float* denergy;  // additive only; zeroed whole (denergy_length floats)
  float* dvalues;
  Index dquery_length, denergy_length;
  Index batch, source, size, value_size;
};

struct FusedKernels {
  const char* name;
  double (*sum_of_squares)(const float* x, Index n);
  // out[c] = Σ_r x[r·cols + c], summed in double in row order.
  void (*column_sums)(const float* x, Index rows, Index cols, float* out);
  void (*adam_step)(const AdamArgs& args);
  void (*gru_forward)(const GruForwardArgs& args);
  void (*gru_backward)(const GruBackwardArgs& args);
  void (*lstm_forward)(const LstmForwardArgs& args);
  void (*lstm_backward)(const LstmBackwardArgs& args);
  void (*log_softmax)(const LogSoftmaxArgs& args);
  void (*softmax_xent_forward)(const SoftmaxXentForwardArgs& args);
  void (*softmax_xent_backward)(const SoftmaxXentBackwardArgs& args);
  void (*additive_attention_forward)(const AttentionForwardArgs& args);
  void (*additive_attention_backward)(const AttentionBackwardArgs& args);
  void (*dot_attention_forward)(const AttentionForwardArgs& args);
  void (*dot_attention_backward)(const AttentionBackwardArgs& args);
  // Element-wise functions, exposed for tests of their accuracy.
  void (*exp)(const float* x, Index n, float* out);
  void (*tanh)(const float* x, Index n, float* out);
  void (*sigmoid)(const float* x, Index n, float* out);
};

const FusedKernels* fused_avx512_kernels();  // nullptr where not compiled in
const FusedKernels* fused_avx2_kernels();    // nullptr where not compiled in
const FusedKernels* fused_generic_kernels();  // always available
// How the generic kernels were compiled: "vector extensions" (GCC/Clang) or "portable arrays" (MSVC, or any
// compiler with MTLAB_PORTABLE_ARRAYS defined, as CI builds them to test what Windows runs).
const char* fused_generic_flavour();

// The set for the instruction set in use.
const FusedKernels& fused_kernels();

// Adds the fused functions to the addon's exports (fused_napi.cc).
bool register_fused(napi_env env, napi_value exports);

}  // namespace mtlab
