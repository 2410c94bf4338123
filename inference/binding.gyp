# The native addon: the C++ engine as a static library, the node-addon-api binding over it, and
# a test program for the kernels. Built by scripts/build-addon.mjs (npm postinstall).
#
# Instruction sets: nothing here assumes the build machine's CPU. The AVX2 and AVX-512 kernels
# carry their own target attributes (engine/cpu/kernels.h) and are chosen at run time.
{
  "variables": {
    # 1: compile the CUDA objects (engine/cuda/*.cu) with nvcc; 0: link engine/cuda/cuda_stub.cpp.
    # scripts/detect-cuda.mjs decides: ARBITER_CUDA=on/off, else on where nvcc and an NVIDIA
    # driver or GPU are found.
    "arbiter_cuda%": "<!(node scripts/detect-cuda.mjs)",
    # The CUDA rule's compiler and the folder of the static CUDA runtime.
    "arbiter_nvcc%": "<!(node scripts/cuda-config.mjs nvcc)",
    "arbiter_cuda_lib%": "<!(node scripts/cuda-config.mjs lib)",
  },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-fexceptions", "-O3", "-fPIC", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "cflags": ["-fPIC"],
    "conditions": [
      ["arbiter_cuda==1", {
        # Every target's .cu sources go through nvcc (engine/cuda, engine/cuda/tests/host_checks*.cu).
        "rules": [{
          "rule_name": "nvcc",
          "extension": "cu",
          "inputs": ["<!@(node scripts/cuda-config.mjs headers)"],
          "outputs": ["<(INTERMEDIATE_DIR)/cuda/<(RULE_INPUT_ROOT).o"],
          "action": ["<(arbiter_nvcc)", "-std=c++17", "-O3", "-Xcompiler", "-fPIC", "<!@(node scripts/cuda-config.mjs gencode)",
                     "-c", "<(RULE_INPUT_PATH)", "-o", "<@(_outputs)"],
          "message": "NVCC <(RULE_INPUT_PATH)",
          "process_outputs_as_sources": 1,
        }],
      }],
    ],
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
        "engine/sampler.cpp",
        "engine/grammar.cpp",
        "engine/constraint.cpp",
        "engine/scheduler.cpp",
        "engine/step.cpp",
        "engine/lora.cpp",
        "engine/engine.cpp",
        "engine/cpu/cpu_features.cpp",
        "engine/cpu/threadpool.cpp",
        "engine/cpu/matmul.cpp",
        "engine/cpu/matmul_f32.cpp",
        "engine/cpu/matmul_f16.cpp",
        "engine/cpu/matmul_bf16.cpp",
        "engine/cpu/matmul_q8_0.cpp",
        "engine/cpu/matmul_q4_0.cpp",
        "engine/cpu/matmul_q5_0.cpp",
        "engine/cpu/matmul_q4_k.cpp",
        "engine/cpu/matmul_q6_k.cpp",
        "engine/cpu/matmul_packed.cpp",
        "engine/cpu/ops.cpp",
        "engine/cpu/lora.cpp",
        "engine/cpu/attention.cpp",
        "engine/cpu/cpu_backend.cpp",
      ],
      "conditions": [
        ["arbiter_cuda==1", {
          # nvcc compiles the kernels (SASS for sm_80/86/89/90 and compute_90 PTX); the CUDA
          # runtime is linked statically, and it opens the driver only when first called, so
          # the addon still loads where there is no GPU or driver (cuda_device_count() is 0).
          "sources": [
            "engine/cuda/cuda_backend.cu",
            "engine/cuda/device_weights.cu",
            "engine/cuda/matvec.cu",
            "engine/cuda/matvec2.cu",
            "engine/cuda/matmul.cu",
            "engine/cuda/attention.cu",
            "engine/cuda/elementwise.cu",
            "engine/cuda/lora.cu",
          ],
          "link_settings": {
            "libraries": ["-L<(arbiter_cuda_lib)", "-lcudart_static", "-ldl", "-lpthread", "-lrt"],
          },
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
        "engine/tests/test_grammar.cpp",
        "engine/tests/test_constraint.cpp",
        "engine/tests/test_gguf.cpp",
        "engine/tests/test_engine.cpp",
        "engine/tests/test_tokenizer_bpe.cpp",
        "engine/tests/test_step.cpp",
      ],
      "include_dirs": ["engine"],
    },
    {
      # `npm run bench:kernels`: each matmul kernel alone (inference/bench/kernel_bench.cpp).
      "target_name": "kernel_bench",
      "type": "executable",
      "dependencies": ["arbiter_engine"],
      "sources": ["bench/kernel_bench.cpp"],
      "include_dirs": ["engine"],
    },
  ],
  "conditions": [
    ["arbiter_cuda==1", {
      "targets": [{
        # The CUDA kernels' block decoding checked on the CPU (engine/cuda/tests/host_checks.cu).
        "target_name": "cuda_host_checks",
        "type": "executable",
        "dependencies": ["arbiter_engine"],
        "sources": ["engine/cuda/tests/host_checks_main.cu", "engine/cuda/tests/host_checks.cu", "engine/cuda/tests/reference.cpp"],
      }],
    }],
  ],
}
