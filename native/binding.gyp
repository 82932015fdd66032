{
  "targets": [
    {
      "target_name": "mtlab_native",
      "sources": [
        "src/addon.cc",
        "src/sgemm.cc",
        "src/kernels_avx512.cc",
        "src/kernels_avx2.cc",
        "src/kernels_generic.cc",
        "src/thread_pool.cc",
        "src/system_blas.cc",
        "src/fused_napi.cc",
        "src/fused_avx512.cc",
        "src/fused_avx2.cc",
        "src/fused_generic.cc"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      # No -march: the AVX-512 and AVX2 kernels carry their own target attributes and are picked at run time.
      "cflags_cc": ["-O3", "-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++20", "-O2", "-O1", "-O0"],
      "conditions": [
        ["OS=='linux'", {"libraries": ["-ldl", "-lpthread"]}],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }],
        ["OS=='win'", {
          "msvs_settings": {"VCCLCompilerTool": {"Optimization": 2, "AdditionalOptions": ["/std:c++17"]}}
        }]
      ]
    }
  ]
}
