// The N-API surface of the fused kernels (fused.h). Each function takes the arguments of its JavaScript reference
// in engine/backend/compute.ts, in the same order: Float32Arrays (Int32Array targets) used in place, views over
// the wasm heap included, then numbers. Every size is checked against the arrays' lengths, outputs must not
// overlap inputs or each other (Adam's may be its inputs themselves), and targets must lie in the vocabulary,
// before any memory is touched; violations throw TypeError or RangeError naming the function and argument.
//
//   sumOfSquares(x, n) → number            columnSums(x, rows, cols, out)
//   adamStep(param, grad, m, v, paramOut, mOut, vOut, n, lr, beta1, beta2, epsilon, c1, c2, gradScale)
//   gruForward / gruBackward / lstmForward / lstmBackward
//   softmaxCrossEntropyForward / softmaxCrossEntropyBackward
//   additiveAttentionForward / additiveAttentionBackward / dotAttentionForward / dotAttentionBackward
//   fusedMath(fn, x, out)                  fn: 'exp' | 'tanh' | 'sigmoid' (element-wise, for accuracy tests)
//   fusedIsa() → string                    the instruction set of the fused kernels in use
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "fused.h"

namespace mtlab {

const FusedKernels& fused_kernels() {
  const FusedKernels* kernels = nullptr;
  switch (selected_isa()) {
    case Isa::kAvx512:
      kernels = fused_avx512_kernels();
      break;
    case Isa::kAvx2:
      kernels = fused_avx2_kernels();
      break;
    case Isa::kGeneric:
      break;
  }
  return kernels != nullptr ? *kernels : *fused_generic_kernels();
}

namespace {

constexpr std::size_t kMaxArgs = 16;
constexpr double kMaxDimension = 2147483647.0;

// One call's arguments, and the error thrown for the first bad one.
struct Args {
  napi_env env;
  const char* function;
  napi_value values[kMaxArgs];
  std::size_t count = 0;

  bool fail_type(const std::string& message) {
    napi_throw_type_error(env, nullptr, (std::string(function) + ": " + message).c_str());
    return false;
  }
  bool fail_range(const std::string& message) {
    napi_throw_range_error(env, nullptr, (std::string(function) + ": " + message).c_str());
    return false;
  }
};

bool read_args(napi_env env, napi_callback_info info, const char* function, std::size_t expected, Args& args) {
  args.env = env;
  args.function = function;
  args.count = kMaxArgs;
  if (napi_get_cb_info(env, info, &args.count, args.values, nullptr, nullptr) != napi_ok) {
    return args.fail_type("could not read the arguments");
  }
  if (args.count < expected) {
    return args.fail_type("takes " + std::to_string(expected) + " arguments, got " + std::to_string(args.count));
  }
  return true;
}

bool number(Args& a, std::size_t index, const char* name, double& out) {
  if (napi_get_value_double(a.env, a.values[index], &out) != napi_ok) {
    return a.fail_type(std::string(name) + " must be a number");
  }
  return true;
}

bool dimension(Args& a, std::size_t index, const char* name, Index& out) {
  double value = 0;
  if (!number(a, index, name, value)) return false;
  if (!(value >= 0 && value <= kMaxDimension && value == std::floor(value))) {
    return a.fail_range(std::string(name) + " must be a whole number ≥ 0, got " + std::to_string(value));
  }
  out = static_cast<Index>(value);
  return true;
}

// A typed array argument: its memory, and how many elements the kernel touches.
struct Array {
  void* data = nullptr;
  std::size_t length = 0;
  std::size_t element = 4;

  std::uintptr_t begin() const { return reinterpret_cast<std::uintptr_t>(data); }
  std::uintptr_t end() const { return begin() + length * element; }
  float* f() const { return static_cast<float*>(data); }
  int* i() const { return static_cast<int*>(data); }
};

bool typed(Args& a, std::size_t index, const char* name, napi_typedarray_type wanted, const char* type_name,
           double needed, Array& out) {
  bool is_typed = false;
  napi_typedarray_type type;
  std::size_t length = 0;
  void* data = nullptr;
  napi_is_typedarray(a.env, a.values[index], &is_typed);
  if (!is_typed || napi_get_typedarray_info(a.env, a.values[index], &type, &length, &data, nullptr, nullptr) !=
                       napi_ok ||
      type != wanted) {
    return a.fail_type(std::string(name) + " must be " + type_name);
  }
  // A detached buffer (a wasm heap that has grown since the view was made) reports no data.
  if (data == nullptr && length > 0) return a.fail_type(std::string(name) + " is detached");
  if (static_cast<double>(length) < needed) {
    return a.fail_range(std::string(name) + " has " + std::to_string(length) + " values, needs " +
                        std::to_string(static_cast<std::uint64_t>(needed)));
  }
  out.data = data;
  out.length = length;
  return true;
}

bool floats(Args& a, std::size_t index, const char* name, double needed, Array& out) {
  return typed(a, index, name, napi_float32_array, "a Float32Array", needed, out);
}

bool ints(Args& a, std::size_t index, const char* name, double needed, Array& out) {
  return typed(a, index, name, napi_int32_array, "an Int32Array", needed, out);
}

bool overlap(const Array& x, const Array& y) {
  return x.length > 0 && y.length > 0 && x.begin() < y.end() && y.begin() < x.end();
}

// Outputs overlap neither the inputs nor each other; with `exact_alias`, an output may be an input itself.
bool separate(Args& a, std::initializer_list<const Array*> inputs, std::initializer_list<const Array*> outputs,
              bool exact_alias = false) {
  for (const Array* out : outputs) {
    for (const Array* in : inputs) {
      if (exact_alias && out->data == in->data && out->length == in->length) continue;
      if (overlap(*out, *in)) return a.fail_range("an output overlaps an input");
    }
    for (const Array* other : outputs) {
      if (other != out && overlap(*out, *other)) return a.fail_range("two outputs overlap");
    }
  }
  return true;
}

napi_value undefined(napi_env env) {
  napi_value value;
  napi_get_undefined(env, &value);
  return value;
}

napi_value SumOfSquares(napi_env env, napi_callback_info info) {
  Args a;
  Index n = 0;
  Array x;
  if (!read_args(env, info, "sumOfSquares", 2, a) || !dimension(a, 1, "n", n) || !floats(a, 0, "x", n, x)) {
    return nullptr;
  }
  napi_value result;
  napi_create_double(env, fused_kernels().sum_of_squares(x.f(), n), &result);
  return result;
}

napi_value ColumnSums(napi_env env, napi_callback_info info) {
  Args a;
  Index rows = 0, cols = 0;
  Array x, out;
  if (!read_args(env, info, "columnSums", 4, a) || !dimension(a, 1, "rows", rows) ||
      !dimension(a, 2, "cols", cols) || !floats(a, 0, "x", double(rows) * cols, x) ||
      !floats(a, 3, "out", cols, out) || !separate(a, {&x}, {&out})) {
    return nullptr;
  }
  fused_kernels().column_sums(x.f(), rows, cols, out.f());
  return undefined(env);
}

napi_value AdamStep(napi_env env, napi_callback_info info) {
  Args a;
  Index n = 0;
  Array param, grad, m, v, param_out, m_out, v_out;
  AdamArgs k{};
  if (!read_args(env, info, "adamStep", 15, a) || !dimension(a, 7, "n", n) ||
      !floats(a, 0, "param", n, param) || !floats(a, 1, "grad", n, grad) || !floats(a, 2, "m", n, m) ||
      !floats(a, 3, "v", n, v) || !floats(a, 4, "paramOut", n, param_out) || !floats(a, 5, "mOut", n, m_out) ||
      !floats(a, 6, "vOut", n, v_out) || !number(a, 8, "learningRate", k.learning_rate) ||
      !number(a, 9, "beta1", k.beta1) || !number(a, 10, "beta2", k.beta2) || !number(a, 11, "epsilon", k.epsilon) ||
      !number(a, 12, "correction1", k.correction1) || !number(a, 13, "correction2", k.correction2) ||
      !number(a, 14, "gradScale", k.grad_scale) ||
      !separate(a, {&param, &grad, &m, &v}, {&param_out, &m_out, &v_out}, true)) {
    return nullptr;
  }
  k.param = param.f();
  k.grad = grad.f();
  k.m = m.f();
  k.v = v.f();
  k.param_out = param_out.f();
  k.m_out = m_out.f();
  k.v_out = v_out.f();
  k.n = n;
  fused_kernels().adam_step(k);
  return undefined(env);
}

napi_value GruForward(napi_env env, napi_callback_info info) {
  Args a;
  Index batch = 0, hidden = 0;
  Array x, g, h, mask, out, cache;
  if (!read_args(env, info, "gruForward", 8, a) || !dimension(a, 6, "batch", batch) ||
      !dimension(a, 7, "hidden", hidden)) {
    return nullptr;
  }
  const double bh = double(batch) * hidden;
  if (!floats(a, 0, "x", 3 * bh, x) || !floats(a, 1, "g", 3 * bh, g) || !floats(a, 2, "h", bh, h) ||
      !floats(a, 3, "mask", batch, mask) || !floats(a, 4, "out", bh, out) || !floats(a, 5, "cache", 4 * bh, cache) ||
      !separate(a, {&x, &g, &h, &mask}, {&out, &cache})) {
    return nullptr;
  }
  fused_kernels().gru_forward({x.f(), g.f(), h.f(), mask.f(), out.f(), cache.f(), batch, hidden});
  return undefined(env);
}

napi_value GruBackward(napi_env env, napi_callback_info info) {
  Args a;
  Index batch = 0, hidden = 0;
  Array dh, cache, h, mask, dx, dg, dh_prev;
  if (!read_args(env, info, "gruBackward", 9, a) || !dimension(a, 7, "batch", batch) ||
      !dimension(a, 8, "hidden", hidden)) {
    return nullptr;
  }
  const double bh = double(batch) * hidden;
  if (!floats(a, 0, "dh", bh, dh) || !floats(a, 1, "cache", 4 * bh, cache) || !floats(a, 2, "h", bh, h) ||
      !floats(a, 3, "mask", batch, mask) || !floats(a, 4, "dx", 3 * bh, dx) || !floats(a, 5, "dg", 3 * bh, dg) ||
      !floats(a, 6, "dhPrev", bh, dh_prev) || !separate(a, {&dh, &cache, &h, &mask}, {&dx, &dg, &dh_prev})) {
    return nullptr;
  }
  fused_kernels().gru_backward({dh.f(), cache.f(), h.f(), mask.f(), dx.f(), dg.f(), dh_prev.f(), batch, hidden});
  return undefined(env);
}

napi_value LstmForward(napi_env env, napi_callback_info info) {
  Args a;
  Index batch = 0, hidden = 0;
  Array x, g, h, c, mask, h_out, c_out, cache;
  if (!read_args(env, info, "lstmForward", 10, a) || !dimension(a, 8, "batch", batch) ||
      !dimension(a, 9, "hidden", hidden)) {
    return nullptr;
  }
  const double bh = double(batch) * hidden;
  if (!floats(a, 0, "x", 4 * bh, x) || !floats(a, 1, "g", 4 * bh, g) || !floats(a, 2, "h", bh, h) ||
      !floats(a, 3, "c", bh, c) || !floats(a, 4, "mask", batch, mask) || !floats(a, 5, "hOut", bh, h_out) ||
      !floats(a, 6, "cOut", bh, c_out) || !floats(a, 7, "cache", 5 * bh, cache) ||
      !separate(a, {&x, &g, &h, &c, &mask}, {&h_out, &c_out, &cache})) {
    return nullptr;
  }
  fused_kernels().lstm_forward(
      {x.f(), g.f(), h.f(), c.f(), mask.f(), h_out.f(), c_out.f(), cache.f(), batch, hidden});
  return undefined(env);
}

napi_value LstmBackward(napi_env env, napi_callback_info info) {
  Args a;
  Index batch = 0, hidden = 0;
  Array dh, dc, cache, c, mask, da, dh_prev, dc_prev;
  if (!read_args(env, info, "lstmBackward", 10, a) || !dimension(a, 8, "batch", batch) ||
      !dimension(a, 9, "hidden", hidden)) {
    return nullptr;
  }
  const double bh = double(batch) * hidden;
  if (!floats(a, 0, "dh", bh, dh) || !floats(a, 1, "dc", bh, dc) || !floats(a, 2, "cache", 5 * bh, cache) ||
      !floats(a, 3, "c", bh, c) || !floats(a, 4, "mask", batch, mask) || !floats(a, 5, "da", 4 * bh, da) ||
      !floats(a, 6, "dhPrev", bh, dh_prev) || !floats(a, 7, "dcPrev", bh, dc_prev) ||
      !separate(a, {&dh, &dc, &cache, &c, &mask}, {&da, &dh_prev, &dc_prev})) {
    return nullptr;
  }
  fused_kernels().lstm_backward(
      {dh.f(), dc.f(), cache.f(), c.f(), mask.f(), da.f(), dh_prev.f(), dc_prev.f(), batch, hidden});
  return undefined(env);
}

// Targets of the rows that count (weight·scale ≠ 0, as the reference skips the others) lie in [0, vocab).
// The vocabulary holds at least <pad> <unk> <sos> (label smoothing leaves out <pad> and <sos>).
bool targets_in_vocabulary(Args& a, const Array& targets, const Array& weights, double scale, Index rows,
                           Index vocab) {
  if (vocab <= kSosId) {
    return a.fail_range("vocab = " + std::to_string(vocab) + ": the loss needs at least the 3 ids <pad> <unk> <sos>");
  }
  for (Index r = 0; r < rows; ++r) {
    const int t = targets.i()[r];
    if (weights.f()[r] * scale != 0 && (t < 0 || t >= vocab)) {
      return a.fail_range("targets[" + std::to_string(r) + "] = " + std::to_string(t) +
                          " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
    }
  }
  return true;
}

napi_value SoftmaxXentForward(napi_env env, napi_callback_info info) {
  Args a;
  Index rows = 0, vocab = 0;
  double smoothing = 0;
  Array logits, targets, weights, loss, probs;
  if (!read_args(env, info, "softmaxCrossEntropyForward", 8, a) || !dimension(a, 6, "rows", rows) ||
      !dimension(a, 7, "vocab", vocab) || !floats(a, 0, "logits", double(rows) * vocab, logits) ||
      !ints(a, 1, "targets", rows, targets) || !floats(a, 2, "weights", rows, weights) ||
      !number(a, 3, "smoothing", smoothing) || !floats(a, 4, "loss", 1, loss) ||
      !floats(a, 5, "probs", double(rows) * vocab, probs) ||
      !separate(a, {&logits, &targets, &weights}, {&loss, &probs}) ||
      !targets_in_vocabulary(a, targets, weights, 1, rows, vocab)) {
    return nullptr;
  }
  fused_kernels().softmax_xent_forward(
      {logits.f(), targets.i(), weights.f(), smoothing, loss.f(), probs.f(), rows, vocab});
  return undefined(env);
}

napi_value LogSoftmax(napi_env env, napi_callback_info info) {
  Args a;
  Index rows = 0, vocab = 0;
  Array logits, out;
  if (!read_args(env, info, "logSoftmax", 4, a) || !dimension(a, 2, "rows", rows) ||
      !dimension(a, 3, "vocab", vocab) || !floats(a, 0, "logits", double(rows) * vocab, logits) ||
      !floats(a, 1, "out", double(rows) * vocab, out) || !separate(a, {&logits}, {&out})) {
    return nullptr;
  }
  fused_kernels().log_softmax({logits.f(), out.f(), rows, vocab});
  return undefined(env);
}

napi_value SoftmaxXentBackward(napi_env env, napi_callback_info info) {
  Args a;
  Index rows = 0, vocab = 0;
  double dloss = 0, smoothing = 0;
  Array probs, targets, weights, dlogits;
  if (!read_args(env, info, "softmaxCrossEntropyBackward", 8, a) || !dimension(a, 6, "rows", rows) ||
      !dimension(a, 7, "vocab", vocab) || !number(a, 0, "dloss", dloss) ||
      !floats(a, 1, "probs", double(rows) * vocab, probs) || !ints(a, 2, "targets", rows, targets) ||
      !floats(a, 3, "weights", rows, weights) || !number(a, 4, "smoothing", smoothing) ||
      !floats(a, 5, "dlogits", double(rows) * vocab, dlogits) ||
      !separate(a, {&probs, &targets, &weights}, {&dlogits}) ||
      !targets_in_vocabulary(a, targets, weights, dloss, rows, vocab)) {
    return nullptr;
  }
  fused_kernels().softmax_xent_backward(
      {dloss, probs.f(), targets.i(), weights.f(), smoothing, dlogits.f(), rows, vocab});
  return undefined(env);
}

// Reads batch, source, size, valueSize from arguments first..first+3.
bool attention_sizes(Args& a, std::size_t first, Index& batch, Index& source, Index& size, Index& value_size) {
  return dimension(a, first, "batch", batch) && dimension(a, first + 1, "source", source) &&
         dimension(a, first + 2, "size", size) && dimension(a, first + 3, "valueSize", value_size);
}

napi_value AdditiveAttentionForward(napi_env env, napi_callback_info info) {
  Args a;
  AttentionForwardArgs k{};
  Array keys, query, energy, mask_bias, values, context, weights, cache;
  if (!read_args(env, info, "additiveAttentionForward", 12, a) ||
      !attention_sizes(a, 8, k.batch, k.source, k.size, k.value_size)) {
    return nullptr;
  }
  const double bs = double(k.batch) * k.source;
  if (!floats(a, 0, "keys", bs * k.size, keys) || !floats(a, 1, "query", double(k.batch) * k.size, query) ||
      !floats(a, 2, "energy", k.size, energy) || !floats(a, 3, "maskBias", bs, mask_bias) ||
      !floats(a, 4, "values", bs * k.value_size, values) ||
      !floats(a, 5, "context", double(k.batch) * k.value_size, context) || !floats(a, 6, "weights", bs, weights) ||
      !floats(a, 7, "cache", bs * k.size, cache) ||
      !separate(a, {&keys, &query, &energy, &mask_bias, &values}, {&context, &weights, &cache})) {
    return nullptr;
  }
  k.keys = keys.f();
  k.query = query.f();
  k.energy = energy.f();
  k.mask_bias = mask_bias.f();
  k.values = values.f();
  k.context = context.f();
  k.weights = weights.f();
  k.cache = cache.f();
  fused_kernels().additive_attention_forward(k);
  return undefined(env);
}

napi_value AdditiveAttentionBackward(napi_env env, napi_callback_info info) {
  Args a;
  AttentionBackwardArgs k{};
  Array dcontext, dweights, cache, weights, energy, values, dkeys, dquery, denergy, dvalues;
  if (!read_args(env, info, "additiveAttentionBackward", 14, a) ||
      !attention_sizes(a, 10, k.batch, k.source, k.size, k.value_size)) {
    return nullptr;
  }
  const double bs = double(k.batch) * k.source;
  if (!floats(a, 0, "dcontext", double(k.batch) * k.value_size, dcontext) ||
      !floats(a, 1, "dweights", bs, dweights) || !floats(a, 2, "cache", bs * k.size, cache) ||
      !floats(a, 3, "weights", bs, weights) || !floats(a, 4, "energy", k.size, energy) ||
      !floats(a, 5, "values", bs * k.value_size, values) || !floats(a, 6, "dkeys", bs * k.size, dkeys) ||
      !floats(a, 7, "dquery", double(k.batch) * k.size, dquery) || !floats(a, 8, "denergy", k.size, denergy) ||
      !floats(a, 9, "dvalues", bs * k.value_size, dvalues) ||
      !separate(a, {&dcontext, &dweights, &cache, &weights, &energy, &values}, {&dkeys, &dquery, &denergy, &dvalues})) {
    return nullptr;
  }
  k.dcontext = dcontext.f();
  k.dweights = dweights.f();
  k.cache = cache.f();
  k.weights = weights.f();
  k.energy = energy.f();
  k.values = values.f();
  k.dkeys = dkeys.f();
  k.dquery = dquery.f();
  k.denergy = denergy.f();
  k.dvalues = dvalues.f();
  k.dquery_length = static_cast<Index>(dquery.length);
  k.denergy_length = static_cast<Index>(denergy.length);
  fused_kernels().additive_attention_backward(k);
  return undefined(env);
}

napi_value DotAttentionForward(napi_env env, napi_callback_info info) {
  Args a;
  AttentionForwardArgs k{};
  Array keys, query, mask_bias, values, context, weights;
  if (!read_args(env, info, "dotAttentionForward", 10, a) ||
      !attention_sizes(a, 6, k.batch, k.source, k.size, k.value_size)) {
    return nullptr;
  }
  const double bs = double(k.batch) * k.source;
  if (!floats(a, 0, "keys", bs * k.size, keys) || !floats(a, 1, "query", double(k.batch) * k.size, query) ||
      !floats(a, 2, "maskBias", bs, mask_bias) || !floats(a, 3, "values", bs * k.value_size, values) ||
      !floats(a, 4, "context", double(k.batch) * k.value_size, context) || !floats(a, 5, "weights", bs, weights) ||
      !separate(a, {&keys, &query, &mask_bias, &values}, {&context, &weights})) {
    return nullptr;
  }
  k.keys = keys.f();
  k.query = query.f();
  k.mask_bias = mask_bias.f();
  k.values = values.f();
  k.context = context.f();
  k.weights = weights.f();
  fused_kernels().dot_attention_forward(k);
  return undefined(env);
}

napi_value DotAttentionBackward(napi_env env, napi_callback_info info) {
  Args a;
  AttentionBackwardArgs k{};
  Array dcontext, dweights, weights, keys, query, values, dkeys, dquery, dvalues;
  if (!read_args(env, info, "dotAttentionBackward", 13, a) ||
      !attention_sizes(a, 9, k.batch, k.source, k.size, k.value_size)) {
    return nullptr;
  }
  const double bs = double(k.batch) * k.source;
  if (!floats(a, 0, "dcontext", double(k.batch) * k.value_size, dcontext) ||
      !floats(a, 1, "dweights", bs, dweights) || !floats(a, 2, "weights", bs, weights) ||
      !floats(a, 3, "keys", bs * k.size, keys) || !floats(a, 4, "query", double(k.batch) * k.size, query) ||
      !floats(a, 5, "values", bs * k.value_size, values) || !floats(a, 6, "dkeys", bs * k.size, dkeys) ||
      !floats(a, 7, "dquery", double(k.batch) * k.size, dquery) ||
      !floats(a, 8, "dvalues", bs * k.value_size, dvalues) ||
      !separate(a, {&dcontext, &dweights, &weights, &keys, &query, &values}, {&dkeys, &dquery, &dvalues})) {
    return nullptr;
  }
  k.dcontext = dcontext.f();
  k.dweights = dweights.f();
  k.weights = weights.f();
  k.keys = keys.f();
  k.query = query.f();
  k.values = values.f();
  k.dkeys = dkeys.f();
  k.dquery = dquery.f();
  k.dvalues = dvalues.f();
  k.dquery_length = static_cast<Index>(dquery.length);
  fused_kernels().dot_attention_backward(k);
  return undefined(env);
}

napi_value FusedMath(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(env, info, "fusedMath", 3, a)) return nullptr;
  char name[16] = {0};
  std::size_t length = 0;
  if (napi_get_value_string_utf8(env, a.values[0], name, sizeof(name), &length) != napi_ok) {
    a.fail_type("fn must be 'exp', 'tanh' or 'sigmoid'");
    return nullptr;
  }
  const std::string fn(name, length);
  const FusedKernels& kernels = fused_kernels();
  void (*function)(const float*, Index, float*) = fn == "exp"       ? kernels.exp
                                                  : fn == "tanh"    ? kernels.tanh
                                                  : fn == "sigmoid" ? kernels.sigmoid
                                                                    : nullptr;
  if (function == nullptr) {
    a.fail_range("fn must be 'exp', 'tanh' or 'sigmoid', got '" + fn + "'");
    return nullptr;
  }
  Array x, out;
  if (!floats(a, 1, "x", 0, x) || !floats(a, 2, "out", double(x.length), out) || !separate(a, {&x}, {&out})) {
    return nullptr;
  }
  function(x.f(), static_cast<Index>(x.length), out.f());
  return undefined(env);
}

napi_value FusedIsa(napi_env env, napi_callback_info) {
  const char* name = fused_kernels().name;
  napi_value value;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &value);
  return value;
}

}  // namespace

bool register_fused(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"sumOfSquares", nullptr, SumOfSquares, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"columnSums", nullptr, ColumnSums, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruForward", nullptr, GruForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruBackward", nullptr, GruBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmForward", nullptr, LstmForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmBackward", nullptr, LstmBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxCrossEntropyForward", nullptr, SoftmaxXentForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxCrossEntropyBackward", nullptr, SoftmaxXentBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"logSoftmax", nullptr, LogSoftmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"additiveAttentionForward", nullptr, AdditiveAttentionForward, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"additiveAttentionBackward", nullptr, AdditiveAttentionBackward, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {"dotAttentionForward", nullptr, DotAttentionForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dotAttentionBackward", nullptr, DotAttentionBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fusedMath", nullptr, FusedMath, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fusedIsa", nullptr, FusedIsa, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  return napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions) == napi_ok;
}

}  // namespace mtlab
