// An optional system BLAS (OpenBLAS, MKL, BLIS, Accelerate), opened with dlopen at run time so the addon neither
// links against nor requires one. Used for comparison and where the built-in kernels are only the portable ones.
#pragma once

#include <string>

#include "sgemm.h"

namespace mtlab {

struct SystemBlasInfo {
  bool available = false;
  std::string library;  // the file that was opened
  std::string detail;   // the library's own description (OpenBLAS: its config and core), or why none loaded
};

// Opens the first library that loads (MTLAB_BLAS_LIBRARY first when set); done once per process.
const SystemBlasInfo& system_blas();

// The same contract as sgemm() (batch loop, epilogue), through the system library's cblas_sgemm.
// Returns false when no system BLAS is available.
bool system_sgemm(const Gemm& gemm, int threads);

}  // namespace mtlab
