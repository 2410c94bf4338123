# The native addon: the C++ engine as a static library, the node-addon-api binding over it, and
# a test program for the kernels. Built by scripts/build-addon.mjs (npm postinstall).
#
# Instruction sets: nothing here assumes the build machine's CPU. The AVX2 and AVX-512 kernels
# carry their own target attributes (engine/cpu/kernels.h) and are chosen at run time.
{
  "variables": {
    # 1: compile the CUDA objects (engine/cuda/*.cu) with nvcc; 0: link engine/cuda/cuda_stub.cpp.
    # ARBITER_CUDA=0/1 forces it; otherwise scripts/detect-cuda.mjs looks for nvcc.
    "arbiter_cuda%": "<!(node scripts/detect-cuda.mjs)",
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-fexceptions", "-O3", "-fPIC", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "cflags": ["-fPIC"],
  },
  "targets": [
    {
      "target_name": "arbiter_engine",
      "type": "static_library",
      "sources": [
        "engine/status.cpp",
        "engine/ggml_types.cpp",
        "engine/quants_ref.cpp",
        "engine/gguf.cpp",
        "engine/model_loader.cpp",
        "engine/tokenizer.cpp",
        "engine/tokenizer_spm.cpp",
        "engine/tokenizer_bpe.cpp",
        "engine/unicode_tables.cpp",
        "engine/tokenizer_bpe.cpp",
        "engine/unicode_tables.cpp",
        "engine/sampler.cpp",
        "engine/scheduler.cpp",
        "engine/engine.cpp",
        "engine/cpu/cpu_features.cpp",
        "engine/cpu/threadpool.cpp",
        "engine/cpu/matmul.cpp",
        "engine/cpu/matmul_f32.cpp",
        "engine/cpu/matmul_f16.cpp",
        "engine/cpu/matmul_bf16.cpp",
        "engine/cpu/matmul_q8_0.cpp",
        "engine/cpu/matmul_q4_0.cpp",
        "engine/cpu/ops.cpp",
        "engine/cpu/cpu_backend.cpp",
      ],
      "conditions": [
        ["arbiter_cuda==1", {
          # The CUDA path adds its sources (the cuda_backend .cu file and the rest) and the nvcc rule
          # here; scripts/detect-cuda.mjs turns this branch on once cuda_backend.cu is listed.
        }, {
          "sources": ["engine/cuda/cuda_stub.cpp"],
        }],
      ],
    },
    {
      "target_name": "arbiter",
      "dependencies": ["arbiter_engine"],
      "sources": ["addon/addon.cc", "addon/model.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "engine"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    },
    {
      "target_name": "engine_tests",
      "type": "executable",
      "dependencies": ["arbiter_engine"],
      "sources": [
        "engine/tests/test_main.cpp",
        "engine/tests/test_kernels.cpp",
        "engine/tests/test_threadpool.cpp",
        "engine/tests/test_sampler.cpp",
        "engine/tests/test_gguf.cpp",
        "engine/tests/test_engine.cpp",
      ],
      "include_dirs": ["engine"],
    },
  ],
}
