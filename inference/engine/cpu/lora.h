// The low-rank half of an adapted projection on the CPU (lora.h): the base product has already
// written y = W x for every token of the step; each sequence that runs an adapter then adds
// scale * B (A x) to its own tokens' rows. A and B are F32, F16 or BF16 and multiply fp32
// activations with the float kernels (kernels.h), so every (row, token) result goes through
// the same operations whatever the batch: a sequence's logits are the same alone or batched.
#pragma once
#include <cstdint>
#include <vector>

#include "../lora.h"
#include "threadpool.h"

namespace arb {

// y[t * ldy + o] += pair.scale * (B (A x_t))[o] for the n_tok tokens of one sequence, token t's
// input at x + t * ldx.
struct LoraProduct {
  const LoraPair* pair = nullptr;
  const float* x = nullptr;
  int64_t ldx = 0;
  float* y = nullptr;
  int64_t ldy = 0;
  int n_tok = 0;
};

// Runs the products in two jobs over the pool: every u = A x (small: rank rows), then every
// y += scale * B u in row chunks; on the calling thread alone when there is little work (decode
// steps). `scratch` holds u and B u between them (grown as needed).
void run_lora(ThreadPool& pool, const std::vector<LoraProduct>& products, std::vector<float>* scratch);

// The scalar reference: the same sums in double, one token at a time (tests).
void lora_product_ref(const LoraProduct& p);

}  // namespace arb
