// The GEMM driver: a GotoBLAS/BLIS-style blocked algorithm over the micro-kernels of kernels_*.cc, a direct path
// for problems too small or too skinny to pay for packing, the epilogue, and the split over threads.
//
// Blocked loop nest for one batch item (row-major C, vectors along its rows):
//   for jc in N by nc:            B block (kc × nc) packed once, reused by every row block (lives in L2/L3)
//     for pc in K by kc:
//       pack B[pc:, jc:]            (skipped when few rows: B is then read in place)
//       for ic in M by mc:
//         pack A[ic:, pc:]          (mc × kc, panels of mr rows, lives in L2)
//         for jr in nc by nr:       B micro-panel (kc × nr) stays in L1 ...
//           for ir in mc by mr:     ... while the A panels stream past it
//             micro-kernel on the mr × nr tile of C; epilogue after the last pc
#include "sgemm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "thread_pool.h"

namespace mtlab {
namespace {

std::atomic<int> g_selected{-1};

const KernelSet* kernels_for(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return avx512_kernels();
    case Isa::kAvx2:
      return avx2_kernels();
    case Isa::kGeneric:
      return generic_kernels();
  }
  return generic_kernels();
}

// Packing buffers, one pair per thread, grown on demand and kept (64-byte aligned for the packed panels).
struct Workspace {
  std::vector<float> a_storage, b_storage, scratch;

  static float* aligned(std::vector<float>& storage, std::size_t count) {
    if (storage.size() < count + 16) storage.resize(count + 16);
    const auto address = reinterpret_cast<std::uintptr_t>(storage.data());
    return reinterpret_cast<float*>((address + 63) & ~static_cast<std::uintptr_t>(63));
  }
};

Workspace& workspace() {
  static thread_local Workspace space;
  return space;
}

// One batch item: the operand pointers with the batch offsets applied.
struct Item {
  const float* a;
  const float* b;
  float* c;
  const float* bias;
};

Item item_at(const Gemm& g, Index index) {
  const Epilogue& e = g.epilogue;
  return {g.a + index * g.batch_stride_a, g.b + index * g.batch_stride_b, g.c + index * g.batch_stride_c,
          e.bias == nullptr ? nullptr : e.bias + index * e.bias_batch_stride};
}

// C = beta·C (no product: k == 0 or alpha == 0), then the epilogue.
void scale_only(const Gemm& g, const Item& item, Index m0, Index m1, Index n0, Index n1) {
  for (Index i = m0; i < m1; ++i) {
    float* row = item.c + i * g.ldc;
    for (Index j = n0; j < n1; ++j) row[j] = g.beta == 0.0f ? 0.0f : g.beta * row[j];
  }
  if (g.epilogue.active()) {
    apply_epilogue(item.c + m0 * g.ldc + n0, g.ldc, m1 - m0, n1 - n0, m0, n0, item.bias, g.epilogue);
  }
}

// Steps per K block: as even as possible, at most the kernel set's kc.
Index balanced_kc(Index k, Index kc_max) {
  const Index blocks = (k + kc_max - 1) / kc_max;
  return (k + blocks - 1) / blocks;
}

// Whether B is read in place instead of packed: always worth it when each B panel serves one or two row panels;
// for more rows where the kernel set allows it, except when rows of B are a multiple of 4 KiB apart (they would
// all fall into the same few cache sets).
bool reads_b_in_place(const KernelSet& ks, const Gemm& g) {
  if (g.trans_b) return false;
  return g.m <= 2 * ks.mr || (ks.b_in_place && g.ldb % 1024 != 0);
}

void blocked(const KernelSet& ks, const Gemm& g, const Item& item, Index m0, Index m1, Index n0, Index n1) {
  Workspace& space = workspace();
  const Index kc_block = balanced_kc(g.k, ks.kc);
  const bool b_in_place = reads_b_in_place(ks, g);
  const Index nc_max = std::min<Index>(ks.nc, ((n1 - n0 + ks.nr - 1) / ks.nr) * ks.nr);
  const Index mc_max = std::min<Index>(ks.mc, m1 - m0);
  float* packed_a = Workspace::aligned(space.a_storage, static_cast<std::size_t>(mc_max * kc_block));
  float* packed_b =
      b_in_place ? nullptr : Workspace::aligned(space.b_storage, static_cast<std::size_t>(nc_max * kc_block));
  const bool epilogue = g.epilogue.active();

  for (Index jc = n0; jc < n1; jc += ks.nc) {
    const Index nc = std::min<Index>(ks.nc, n1 - jc);
    for (Index pc = 0; pc < g.k; pc += kc_block) {
      const Index kc = std::min<Index>(kc_block, g.k - pc);
      const float beta = pc == 0 ? g.beta : 1.0f;
      const bool last = pc + kc == g.k;
      if (!b_in_place) {
        const float* source = g.trans_b ? item.b + jc * g.ldb + pc : item.b + pc * g.ldb + jc;
        ks.pack_b(source, g.ldb, g.trans_b, kc, nc, ks.nr, packed_b);
      }
      for (Index ic = m0; ic < m1; ic += ks.mc) {
        const Index mc = std::min<Index>(ks.mc, m1 - ic);
        const float* source_a = g.trans_a ? item.a + pc * g.lda + ic : item.a + ic * g.lda + pc;
        ks.pack_a(source_a, g.lda, g.trans_a, mc, kc, ks.mr, packed_a);
        for (Index jr = 0; jr < nc; jr += ks.nr) {
          const int width = static_cast<int>(std::min<Index>(ks.nr, nc - jr));
          const int narrow = width <= ks.narrow_nr ? 1 : 0;
          const float* panel_b;
          Index b_stride;
          const MicroKernel(*kernels)[2] = ks.kernel;
          if (b_in_place) {
            panel_b = item.b + pc * g.ldb + jc + jr;
            b_stride = g.ldb;
            if (width < ks.nr) kernels = ks.kernel_masked_b;
          } else {
            panel_b = packed_b + jr * kc;
            b_stride = ks.nr;
          }
          for (Index ir = 0; ir < mc; ir += ks.mr) {
            const int rows = static_cast<int>(std::min<Index>(ks.mr, mc - ir));
            float* tile = item.c + (ic + ir) * g.ldc + jc + jr;
            const MicroKernel kernel = kernels[rows][narrow];
            kernel(kc, packed_a + ir * kc, panel_b, b_stride, tile, g.ldc, width, g.alpha, beta);
            if (last && epilogue) apply_epilogue(tile, g.ldc, rows, width, ic + ir, jc + jr, item.bias, g.epilogue);
          }
        }
      }
    }
  }
}

// ---- Direct path: small or skinny problems, no packing. ----

float dot(const float* x, const float* y, Index n) {
  float partial[16] = {};
  Index i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int l = 0; l < 16; ++l) partial[l] += x[i + l] * y[i + l];
  }
  float sum = 0.0f;
  for (int l = 0; l < 16; ++l) sum += partial[l];
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

inline float combine(float product, float alpha, float beta, const float* old) {
  return beta == 0.0f ? alpha * product : alpha * product + beta * *old;
}

void direct(const Gemm& g, const Item& item) {
  Workspace& space = workspace();
  const Index m = g.m, n = g.n, k = g.k;
  if (!g.trans_b && n >= 8) {
    // Row updates: C[i, :] = Σ_k op(A)(i, k) · B[k, :], vectorised along the row.
    float* acc = Workspace::aligned(space.scratch, static_cast<std::size_t>(n));
    for (Index i = 0; i < m; ++i) {
      std::fill(acc, acc + n, 0.0f);
      for (Index p = 0; p < k; ++p) {
        const float av = g.trans_a ? item.a[p * g.lda + i] : item.a[i * g.lda + p];
        const float* brow = item.b + p * g.ldb;
        for (Index j = 0; j < n; ++j) acc[j] += av * brow[j];
      }
      float* row = item.c + i * g.ldc;
      for (Index j = 0; j < n; ++j) row[j] = combine(acc[j], g.alpha, g.beta, row + j);
    }
  } else if (g.trans_a) {
    // Column updates: op(A) columns are rows of A, contiguous: acc[j][:] += op(B)(k, j) · A[k, :].
    float* acc = Workspace::aligned(space.scratch, static_cast<std::size_t>(m * n));
    std::fill(acc, acc + m * n, 0.0f);
    for (Index p = 0; p < k; ++p) {
      const float* arow = item.a + p * g.lda;
      for (Index j = 0; j < n; ++j) {
        const float bv = g.trans_b ? item.b[j * g.ldb + p] : item.b[p * g.ldb + j];
        float* column = acc + j * m;
        for (Index i = 0; i < m; ++i) column[i] += bv * arow[i];
      }
    }
    for (Index i = 0; i < m; ++i) {
      float* row = item.c + i * g.ldc;
      for (Index j = 0; j < n; ++j) row[j] = combine(acc[j * m + i], g.alpha, g.beta, row + j);
    }
  } else {
    // Dot products: op(A) rows are contiguous; op(B) columns are rows of B when transposed, else gathered.
    const float* columns = item.b;
    Index column_stride = g.ldb;
    if (!g.trans_b) {
      float* gathered = Workspace::aligned(space.scratch, static_cast<std::size_t>(n * k));
      for (Index p = 0; p < k; ++p) {
        for (Index j = 0; j < n; ++j) gathered[j * k + p] = item.b[p * g.ldb + j];
      }
      columns = gathered;
      column_stride = k;
    }
    for (Index i = 0; i < m; ++i) {
      const float* arow = item.a + i * g.lda;
      float* row = item.c + i * g.ldc;
      for (Index j = 0; j < n; ++j) row[j] = combine(dot(arow, columns + j * column_stride, k), g.alpha, g.beta, row + j);
    }
  }
  if (g.epilogue.active()) apply_epilogue(item.c, g.ldc, m, n, 0, 0, item.bias, g.epilogue);
}

bool uses_direct(const Gemm& g) { return g.n < 8 || g.m * g.n * g.k < 16384; }

// ---- Threads ----

struct Job {
  const KernelSet* ks;
  const Gemm* g;
  int workers;
  bool split_batch;  // workers take whole batch items; otherwise each item is split along split_n ? N : M
  bool split_n;
};

void run_item_part(const Job& job, const Item& item, int worker) {
  const Gemm& g = *job.g;
  const KernelSet& ks = *job.ks;
  if (job.workers == 1 || job.split_batch) {
    if (g.k == 0 || g.alpha == 0.0f) {
      scale_only(g, item, 0, g.m, 0, g.n);
    } else if (uses_direct(g)) {
      direct(g, item);
    } else {
      blocked(ks, g, item, 0, g.m, 0, g.n);
    }
    return;
  }
  // Split into equal shares of whole tiles.
  const Index extent = job.split_n ? g.n : g.m;
  const Index unit = job.split_n ? ks.nr : ks.mr;
  const Index units = (extent + unit - 1) / unit;
  const Index first = units * worker / job.workers * unit;
  const Index end = std::min<Index>(extent, units * (worker + 1) / job.workers * unit);
  if (first >= end) return;
  if (job.split_n) {
    if (g.k == 0 || g.alpha == 0.0f) {
      scale_only(g, item, 0, g.m, first, end);
    } else {
      blocked(ks, g, item, 0, g.m, first, end);
    }
  } else if (g.k == 0 || g.alpha == 0.0f) {
    scale_only(g, item, first, end, 0, g.n);
  } else {
    blocked(ks, g, item, first, end, 0, g.n);
  }
}

void run_worker(void* context, int worker) {
  const Job& job = *static_cast<const Job*>(context);
  const Gemm& g = *job.g;
  if (job.split_batch) {
    for (Index index = worker; index < g.batch; index += job.workers) run_item_part(job, item_at(g, index), worker);
  } else {
    for (Index index = 0; index < g.batch; ++index) run_item_part(job, item_at(g, index), worker);
  }
}

// Below this many multiply-adds per call, waking another thread costs more than it saves.
constexpr double kMinWorkPerThread = 1 << 20;

}  // namespace

Isa detected_isa() {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  if (avx512_kernels() != nullptr && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) {
    return Isa::kAvx512;
  }
  if (avx2_kernels() != nullptr && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return Isa::kAvx2;
  }
#endif
  return Isa::kGeneric;
}

bool isa_supported(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(detected_isa()); }

void select_isa(Isa isa) {
  if (isa_supported(isa)) g_selected.store(static_cast<int>(isa));
}

Isa selected_isa() {
  int selected = g_selected.load();
  if (selected < 0) {
    selected = static_cast<int>(detected_isa());
    g_selected.store(selected);
  }
  return static_cast<Isa>(selected);
}

const char* isa_name(Isa isa) { return kernels_for(isa)->name; }

void apply_epilogue(float* c, Index ldc, Index rows, Index cols, Index row0, Index col0, const float* bias,
                    const Epilogue& e) {
  for (Index i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    if (bias != nullptr) {
      const float* brow = bias + (row0 + i) * e.bias_row_stride + col0 * e.bias_col_stride;
      if (e.bias_col_stride == 1) {
        for (Index j = 0; j < cols; ++j) row[j] += brow[j];
      } else {
        for (Index j = 0; j < cols; ++j) row[j] += brow[j * e.bias_col_stride];
      }
    }
    switch (e.activation) {
      case Activation::kLinear:
        break;
      case Activation::kRelu:
        for (Index j = 0; j < cols; ++j) row[j] = row[j] < 0.0f ? 0.0f : row[j];
        break;
      case Activation::kRelu6:
        for (Index j = 0; j < cols; ++j) row[j] = row[j] < 0.0f ? 0.0f : (row[j] > 6.0f ? 6.0f : row[j]);
        break;
      case Activation::kLeakyRelu:
        for (Index j = 0; j < cols; ++j) row[j] = row[j] < 0.0f ? e.leaky_alpha * row[j] : row[j];
        break;
      case Activation::kSigmoid:
        for (Index j = 0; j < cols; ++j) row[j] = 1.0f / (1.0f + std::exp(-row[j]));
        break;
      case Activation::kElu:
        for (Index j = 0; j < cols; ++j) row[j] = row[j] >= 0.0f ? row[j] : std::expm1(row[j]);
        break;
    }
  }
}

void sgemm(const Gemm& g, int threads) {
  if (g.batch <= 0 || g.m <= 0 || g.n <= 0) return;
  const KernelSet* ks = kernels_for(selected_isa());
  const double work = static_cast<double>(g.batch) * g.m * g.n * std::max<Index>(g.k, 1);
  int workers = std::max(1, std::min(threads, static_cast<int>(work / kMinWorkPerThread)));
  Job job{ks, &g, workers, false, false};
  if (workers > 1) {
    if (g.batch >= 2 * workers || (g.batch >= workers && g.batch % workers == 0) || uses_direct(g)) {
      job.split_batch = true;
      workers = job.workers = static_cast<int>(std::min<Index>(workers, g.batch));
    } else {
      // Split the larger dimension: each worker packs its share of that operand and all of the other.
      job.split_n = g.n >= g.m;
    }
  }
  if (workers <= 1 || !ThreadPool::shared().run(workers, &run_worker, &job)) {
    job.workers = 1;
    job.split_batch = false;
    run_worker(&job, 0);
  }
}

}  // namespace mtlab
