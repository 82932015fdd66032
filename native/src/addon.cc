// The N-API surface of @mtlab/native (NAPI_VERSION 8: one binary for Node and Electron).
//
//   gemm(a, b, c, bias, params)   C = act(alpha·op(A)·op(B) + beta·C + bias), batched; the operands are
//                                 Float32Arrays used in place (views over the wasm heap included), bias may be null;
//                                 params is a Float64Array laid out as GemmParam below (native/index.d.ts).
//   configure(isa, threads)       pick the instruction set ('avx512' | 'avx2' | 'generic' | '' for the best)
//   info()                        { isa, detectedIsa, isas, hardwareThreads, genericFused }
//   systemBlas()                  { available, library, detail }: opens a system BLAS on first call
//   the fused training kernels    sumOfSquares, adamStep, gruForward, ... (src/fused_napi.cc)
//
// Every size, leading dimension and stride is checked against the arrays' lengths before any memory is touched.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "fused.h"
#include "sgemm.h"
#include "system_blas.h"
#include "thread_pool.h"

namespace mtlab {
namespace {

// Layout of the params array; native/index.d.ts documents the same order.
enum GemmParam : int {
  kBatch,
  kM,
  kN,
  kK,
  kTransA,
  kTransB,
  kLda,
  kLdb,
  kLdc,
  kBatchStrideA,
  kBatchStrideB,
  kBatchStrideC,
  kAlpha,
  kBeta,
  kBiasBatchStride,
  kBiasRowStride,
  kBiasColStride,
  kActivation,
  kLeakyAlpha,
  kThreads,
  kImplementation,  // 0: built-in kernels, 1: system BLAS
  kParamCount,
};

constexpr double kMaxIndex = 9007199254740991.0;  // 2^53 - 1: exact in a double

#define NAPI_CALL(env, call)                                   \
  do {                                                         \
    if ((call) != napi_ok) {                                   \
      napi_throw_error((env), nullptr, "N-API call failed: " #call); \
      return nullptr;                                          \
    }                                                          \
  } while (0)

napi_value throw_type(napi_env env, const std::string& message) {
  napi_throw_type_error(env, nullptr, message.c_str());
  return nullptr;
}

napi_value throw_range(napi_env env, const std::string& message) {
  napi_throw_range_error(env, nullptr, message.c_str());
  return nullptr;
}

struct FloatArray {
  float* data = nullptr;
  std::size_t length = 0;
};

// Reads a Float32Array (or, when `optional`, null/undefined) into `out`. Returns false after throwing.
bool read_float32(napi_env env, napi_value value, const char* name, bool optional, FloatArray& out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (optional && (type == napi_null || type == napi_undefined)) return true;
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  napi_typedarray_type array_type;
  size_t length = 0;
  void* data = nullptr;
  if (!is_typed || napi_get_typedarray_info(env, value, &array_type, &length, &data, nullptr, nullptr) != napi_ok ||
      array_type != napi_float32_array) {
    throw_type(env, std::string(name) + " must be a Float32Array" + (optional ? " or null" : ""));
    return false;
  }
  // A detached buffer (a wasm heap that has grown since the view was made) reports no data.
  if (data == nullptr && length > 0) {
    throw_type(env, std::string(name) + " is detached");
    return false;
  }
  out.data = static_cast<float*>(data);
  out.length = length;
  return true;
}

bool whole(double value) { return std::isfinite(value) && value == std::floor(value) && std::fabs(value) <= kMaxIndex; }

// Elements spanned by `batch` matrices of rows × cols with leading dimension ld and batch stride `stride`.
double extent(double batch, double rows, double cols, double ld, double stride) {
  if (batch == 0 || rows == 0 || cols == 0) return 0;
  return (batch - 1) * stride + (rows - 1) * ld + cols;
}

bool overlaps(const FloatArray& x, double x_extent, const FloatArray& y, double y_extent) {
  if (x_extent == 0 || y_extent == 0) return false;
  const auto x0 = reinterpret_cast<std::uintptr_t>(x.data), y0 = reinterpret_cast<std::uintptr_t>(y.data);
  const auto x1 = x0 + static_cast<std::uintptr_t>(x_extent) * sizeof(float);
  const auto y1 = y0 + static_cast<std::uintptr_t>(y_extent) * sizeof(float);
  return x0 < y1 && y0 < x1;
}

napi_value Gemm_(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  if (argc < 5) return throw_type(env, "gemm(a, b, c, bias, params) takes 5 arguments");
  FloatArray a, b, c, bias;
  if (!read_float32(env, args[0], "a", false, a) || !read_float32(env, args[1], "b", false, b) ||
      !read_float32(env, args[2], "c", false, c) || !read_float32(env, args[3], "bias", true, bias)) {
    return nullptr;
  }
  bool is_typed = false;
  napi_is_typedarray(env, args[4], &is_typed);
  napi_typedarray_type params_type;
  size_t params_length = 0;
  void* params_data = nullptr;
  if (!is_typed ||
      napi_get_typedarray_info(env, args[4], &params_type, &params_length, &params_data, nullptr, nullptr) !=
          napi_ok ||
      params_type != napi_float64_array || params_length < kParamCount) {
    return throw_type(env, "params must be a Float64Array of " + std::to_string(kParamCount) + " values");
  }
  double p[kParamCount];
  std::memcpy(p, params_data, sizeof(p));

  static const char* const kNames[] = {"batch", "m", "n", "k", "transA", "transB", "lda", "ldb", "ldc",
                                       "batchStrideA", "batchStrideB", "batchStrideC", "alpha", "beta",
                                       "biasBatchStride", "biasRowStride", "biasColStride", "activation",
                                       "leakyAlpha", "threads", "implementation"};
  for (int i = 0; i < kParamCount; ++i) {
    const bool real = i == kAlpha || i == kBeta || i == kLeakyAlpha;
    if (real ? !std::isfinite(p[i]) : !(whole(p[i]) && p[i] >= 0)) {
      return throw_range(env, std::string(kNames[i]) + " must be " +
                                  (real ? "a finite number" : "a whole number ≥ 0") + ", got " +
                                  std::to_string(p[i]));
    }
  }
  const bool trans_a = p[kTransA] != 0, trans_b = p[kTransB] != 0;
  const double batch = p[kBatch], m = p[kM], n = p[kN], k = p[kK];
  const double a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
  const double b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
  if (p[kLda] < std::fmax(1, a_cols)) return throw_range(env, "lda is smaller than a row of A");
  if (p[kLdb] < std::fmax(1, b_cols)) return throw_range(env, "ldb is smaller than a row of B");
  if (p[kLdc] < std::fmax(1, n)) return throw_range(env, "ldc is smaller than a row of C");
  const double a_extent = k == 0 ? 0 : extent(batch, a_rows, a_cols, p[kLda], p[kBatchStrideA]);
  const double b_extent = k == 0 ? 0 : extent(batch, b_rows, b_cols, p[kLdb], p[kBatchStrideB]);
  const double c_extent = extent(batch, m, n, p[kLdc], p[kBatchStrideC]);
  if (a_extent > static_cast<double>(a.length)) return throw_range(env, "A is too short for its sizes and strides");
  if (b_extent > static_cast<double>(b.length)) return throw_range(env, "B is too short for its sizes and strides");
  if (c_extent > static_cast<double>(c.length)) return throw_range(env, "C is too short for its sizes and strides");
  double bias_extent = 0;
  if (bias.data != nullptr && c_extent > 0) {
    bias_extent = (batch - 1) * p[kBiasBatchStride] + (m - 1) * p[kBiasRowStride] + (n - 1) * p[kBiasColStride] + 1;
    if (bias_extent > static_cast<double>(bias.length)) {
      return throw_range(env, "bias is too short for its strides");
    }
  }
  if (overlaps(c, c_extent, a, a_extent) || overlaps(c, c_extent, b, b_extent) ||
      overlaps(c, c_extent, bias, bias_extent)) {
    return throw_range(env, "C overlaps an input");
  }
  const int activation = static_cast<int>(p[kActivation]);
  if (activation == 3 || activation > 6) {
    return throw_range(env, "activation must be 0 (linear), 1 (relu), 2 (relu6), 4 (leakyrelu), 5 (sigmoid) or "
                            "6 (elu)");
  }
  const int implementation = static_cast<int>(p[kImplementation]);
  if (implementation > 1) return throw_range(env, "implementation must be 0 (built-in) or 1 (system BLAS)");

  Gemm g;
  g.batch = static_cast<Index>(batch);
  g.m = static_cast<Index>(m);
  g.n = static_cast<Index>(n);
  g.k = static_cast<Index>(k);
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.alpha = static_cast<float>(p[kAlpha]);
  g.beta = static_cast<float>(p[kBeta]);
  g.a = a.data;
  g.lda = static_cast<Index>(p[kLda]);
  g.batch_stride_a = static_cast<Index>(p[kBatchStrideA]);
  g.b = b.data;
  g.ldb = static_cast<Index>(p[kLdb]);
  g.batch_stride_b = static_cast<Index>(p[kBatchStrideB]);
  g.c = c.data;
  g.ldc = static_cast<Index>(p[kLdc]);
  g.batch_stride_c = static_cast<Index>(p[kBatchStrideC]);
  g.epilogue.bias = bias.data;
  g.epilogue.bias_batch_stride = static_cast<Index>(p[kBiasBatchStride]);
  g.epilogue.bias_row_stride = static_cast<Index>(p[kBiasRowStride]);
  g.epilogue.bias_col_stride = static_cast<Index>(p[kBiasColStride]);
  g.epilogue.activation = static_cast<Activation>(activation);
  g.epilogue.leaky_alpha = static_cast<float>(p[kLeakyAlpha]);
  const int threads = std::max(1, static_cast<int>(std::fmin(p[kThreads], 256)));

  if (implementation == 1) {
    const double int_max = 2147483647.0;
    if (m > int_max || n > int_max || k > int_max || p[kLda] > int_max || p[kLdb] > int_max || p[kLdc] > int_max) {
      return throw_range(env, "sizes beyond 32 bits need the built-in kernels");
    }
    if (g.k == 0 || g.m == 0 || g.n == 0) {
      sgemm(g, 1);  // CBLAS rejects some empty shapes; the built-in path handles them
    } else if (!system_sgemm(g, threads)) {
      napi_throw_error(env, nullptr, ("no system BLAS: " + system_blas().detail).c_str());
      return nullptr;
    }
  } else {
    sgemm(g, threads);
  }
  return nullptr;
}

napi_value make_string(napi_env env, const std::string& text) {
  napi_value value;
  napi_create_string_utf8(env, text.c_str(), text.size(), &value);
  return value;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value result, isas, threads;
  NAPI_CALL(env, napi_create_object(env, &result));
  NAPI_CALL(env, napi_set_named_property(env, result, "isa", make_string(env, isa_name(selected_isa()))));
  NAPI_CALL(env, napi_set_named_property(env, result, "detectedIsa", make_string(env, isa_name(detected_isa()))));
  NAPI_CALL(env, napi_create_array(env, &isas));
  uint32_t count = 0;
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kGeneric}) {
    if (isa_supported(isa)) NAPI_CALL(env, napi_set_element(env, isas, count++, make_string(env, isa_name(isa))));
  }
  NAPI_CALL(env, napi_set_named_property(env, result, "isas", isas));
  NAPI_CALL(env, napi_create_int32(env, ThreadPool::hardware_threads(), &threads));
  NAPI_CALL(env, napi_set_named_property(env, result, "hardwareThreads", threads));
  NAPI_CALL(env, napi_set_named_property(env, result, "genericFused", make_string(env, fused_generic_flavour())));
  return result;
}

napi_value Configure(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  char name[32] = {0};
  size_t length = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, args[0], name, sizeof(name), &length) != napi_ok) {
    return throw_type(env, "configure(isa) takes the name of an instruction set");
  }
  const std::string wanted(name, length);
  if (wanted.empty()) {
    select_isa(detected_isa());
    return Info(env, info);
  }
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kGeneric}) {
    if (wanted == isa_name(isa)) {
      if (!isa_supported(isa)) return throw_range(env, "instruction set " + wanted + " is not supported here");
      select_isa(isa);
      return Info(env, info);
    }
  }
  return throw_range(env, "unknown instruction set " + wanted + " (avx512, avx2, generic)");
}

napi_value SystemBlas(napi_env env, napi_callback_info) {
  const SystemBlasInfo& blas = system_blas();
  napi_value result, available;
  NAPI_CALL(env, napi_create_object(env, &result));
  NAPI_CALL(env, napi_get_boolean(env, blas.available, &available));
  NAPI_CALL(env, napi_set_named_property(env, result, "available", available));
  NAPI_CALL(env, napi_set_named_property(env, result, "library", make_string(env, blas.library)));
  NAPI_CALL(env, napi_set_named_property(env, result, "detail", make_string(env, blas.detail)));
  return result;
}

}  // namespace
}  // namespace mtlab

NAPI_MODULE_INIT() {
  const napi_property_descriptor functions[] = {
      {"gemm", nullptr, mtlab::Gemm_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, mtlab::Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"configure", nullptr, mtlab::Configure, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"systemBlas", nullptr, mtlab::SystemBlas, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions) != napi_ok) {
    return nullptr;
  }
  if (!mtlab::register_fused(env, exports)) return nullptr;
  return exports;
}
