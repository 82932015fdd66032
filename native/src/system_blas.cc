#include "system_blas.h"

#include <cstdlib>
#include <mutex>

#if defined(_WIN32)
// No system BLAS lookup on Windows: the built-in kernels are used.
namespace mtlab {
const SystemBlasInfo& system_blas() {
  static const SystemBlasInfo info{false, "", "not looked for on Windows"};
  return info;
}
bool system_sgemm(const Gemm&, int) { return false; }
}  // namespace mtlab
#else
#include <dlfcn.h>

namespace mtlab {
namespace {

// CBLAS enum values, fixed by the CBLAS standard.
constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;
constexpr int kTrans = 112;

using CblasSgemm = void (*)(int layout, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a,
                            int lda, const float* b, int ldb, float beta, float* c, int ldc);
using SetThreads = void (*)(int);
using Describe = char* (*)();

struct Loaded {
  SystemBlasInfo info;
  CblasSgemm sgemm = nullptr;
  SetThreads set_threads = nullptr;
  int threads = -1;
  std::mutex mutex;  // the thread setting is global to the library
};

const char* const kCandidates[] = {
#if defined(__APPLE__)
    "/System/Library/Frameworks/Accelerate.framework/Accelerate",
    "libopenblas.dylib",
#else
    "libopenblas.so.0",
    "libopenblas.so",
    "libmkl_rt.so.2",
    "libmkl_rt.so",
    "libblis.so.4",
    "libblis.so",
#endif
};

bool try_open(const char* path, Loaded& loaded) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return false;
  auto sgemm = reinterpret_cast<CblasSgemm>(dlsym(handle, "cblas_sgemm"));
  if (sgemm == nullptr) {
    dlclose(handle);
    return false;
  }
  loaded.sgemm = sgemm;
  loaded.info.available = true;
  loaded.info.library = path;
  for (const char* name : {"openblas_set_num_threads", "MKL_Set_Num_Threads", "bli_thread_set_num_threads"}) {
    loaded.set_threads = reinterpret_cast<SetThreads>(dlsym(handle, name));
    if (loaded.set_threads != nullptr) break;
  }
  auto config = reinterpret_cast<Describe>(dlsym(handle, "openblas_get_config"));
  auto core = reinterpret_cast<Describe>(dlsym(handle, "openblas_get_corename"));
  if (config != nullptr) {
    loaded.info.detail = config();
    if (core != nullptr) loaded.info.detail += std::string(" (core ") + core() + ")";
  }
  return true;
}

Loaded& loaded() {
  static Loaded* state = [] {
    auto* s = new Loaded();
    const char* chosen = std::getenv("MTLAB_BLAS_LIBRARY");
    if (chosen != nullptr && *chosen != '\0') {
      if (!try_open(chosen, *s)) s->info.detail = std::string("MTLAB_BLAS_LIBRARY=") + chosen + " did not load";
      return s;
    }
    for (const char* path : kCandidates) {
      if (try_open(path, *s)) return s;
    }
    s->info.detail = "no OpenBLAS, MKL, BLIS or Accelerate library found";
    return s;
  }();
  return *state;
}

}  // namespace

const SystemBlasInfo& system_blas() { return loaded().info; }

bool system_sgemm(const Gemm& g, int threads) {
  Loaded& blas = loaded();
  if (!blas.info.available) return false;
  std::lock_guard<std::mutex> lock(blas.mutex);
  if (blas.set_threads != nullptr && blas.threads != threads) {
    blas.set_threads(threads);
    blas.threads = threads;
  }
  for (Index index = 0; index < g.batch; ++index) {
    float* c = g.c + index * g.batch_stride_c;
    blas.sgemm(kRowMajor, g.trans_a ? kTrans : kNoTrans, g.trans_b ? kTrans : kNoTrans, static_cast<int>(g.m),
               static_cast<int>(g.n), static_cast<int>(g.k), g.alpha, g.a + index * g.batch_stride_a,
               static_cast<int>(g.lda), g.b + index * g.batch_stride_b, static_cast<int>(g.ldb), g.beta, c,
               static_cast<int>(g.ldc));
    if (g.epilogue.active()) {
      const float* bias = g.epilogue.bias == nullptr ? nullptr : g.epilogue.bias + index * g.epilogue.bias_batch_stride;
      apply_epilogue(c, g.ldc, g.m, g.n, 0, 0, bias, g.epilogue);
    }
  }
  return true;
}

}  // namespace mtlab
#endif
