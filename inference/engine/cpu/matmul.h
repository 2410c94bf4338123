// Parallel matrix multiplies over the thread pool: several weight matrices that read the same
// activations (Q, K and V; gate and up) run as one job, their rows cut into chunks that threads
// take in turn. Every chunk reads its weight rows once for all activations.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../model.h"
#include "kernels.h"
#include "lora.h"
#include "threadpool.h"

namespace arb {

struct MatmulTask {
  const MatmulKernel* kernel = nullptr;
  const TensorView* w = nullptr;
  const void* act = nullptr;  // n_tok activations in the kernel's ActFormat
  size_t act_row_bytes = 0;
  int n_tok = 0;
  float* y = nullptr;         // y[t * ldy + r]
  int64_t ldy = 0;
};

// Per-token work on the rows a chunk has just computed (a bias, RoPE, the KV cache store,
// SwiGLU, a residual add), done by the thread that computed them, in the same job: no barrier
// and no serial pass on the engine's thread. fn(ctx, task, r0, r1) is called once the chunk's
// rows [r0, r1) of `task` (of every task when `joint`) have their final values, LoRA terms
// included; chunk boundaries fall on multiples of row_multiple.
struct MatmulEpilogue {
  void (*fn)(void* ctx, int task, int64_t r0, int64_t r1) = nullptr;
  void* ctx = nullptr;
  bool joint = false;  // all tasks have the same rows; a chunk computes [r0, r1) of each
  int64_t row_multiple = 1;

  template <typename Fn>  // fn(task, r0, r1), which must outlive the job
  static MatmulEpilogue of(Fn& fn, bool joint, int64_t row_multiple) {
    MatmulEpilogue e;
    e.fn = [](void* c, int task, int64_t r0, int64_t r1) { (*static_cast<Fn*>(c))(task, r0, r1); };
    e.ctx = &fn;
    e.joint = joint;
    e.row_multiple = row_multiple;
    return e;
  }
};

// With `lora`, each product's low-rank term is added to its task's output in the same job
// (cpu/lora.h): the A products are handed out before the row chunks, and each chunk's rows
// get their B u once the A products are done. With `epilogue`, see MatmulEpilogue.
void run_matmuls(ThreadPool& pool, const MatmulTask* tasks, int n_tasks,
                 const std::vector<LoraProduct>* lora = nullptr, const MatmulEpilogue* epilogue = nullptr);

// Quantizes blocks [b0, b1) (of the format's block size: 32 values for Q8, 256 for Q8K) of a row
// of n floats into their places in the activation row `row` (act_row_bytes(f, n) bytes): the
// same bytes quantizing the whole row gives there, since every block is quantized on its own.
void quantize_act_blocks(QuantizeActFn quantize, ActFormat f, const float* x, int64_t n, int64_t b0, int64_t b1,
                         uint8_t* row);

// Quantizes n_tok rows of n floats with `quantize` (a Q8 or Q8K quantizer) into rows `row`
// bytes apart, in parallel when there are many.
void quantize_activations(ThreadPool& pool, QuantizeActFn quantize, const float* x, int n_tok,
                          int64_t n, size_t row, uint8_t* out);

}  // namespace arb
