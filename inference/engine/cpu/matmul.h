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

// With `lora`, each product's low-rank term is added to its task's output in the same job
// (cpu/lora.h): the A products are handed out before the row chunks, and each chunk's rows
// get their B u once the A products are done.
void run_matmuls(ThreadPool& pool, const MatmulTask* tasks, int n_tasks,
                 const std::vector<LoraProduct>* lora = nullptr);

// Quantizes n_tok rows of n floats with `quantize` (a Q8 or Q8K quantizer) into rows `row`
// bytes apart, in parallel when there are many.
void quantize_activations(ThreadPool& pool, QuantizeActFn quantize, const float* x, int n_tok,
                          int64_t n, size_t row, uint8_t* out);

}  // namespace arb
