// What every backend accepts as a step and as a prefix copy, checked in one place so that the
// CPU and CUDA backends refuse the same inputs with the same codes and messages.
#pragma once
#include <cstdint>
#include <vector>

#include "backend.h"

namespace arb {

// The step's shape once it is known to be valid.
struct StepLayout {
  int64_t n_tokens = 0;                // tokens of all sequences
  int64_t n_logit_rows = 0;            // rows the step writes into `logits`
  std::vector<int64_t> first_logit;    // per sequence: its first row in `logits`
};

// InvalidArgument for an empty step, a slot out of range or used twice, a sequence without
// tokens or with a negative position, a token outside the vocabulary, an adapter outside
// [-1, n_adapters) or a null `logits`;
// ContextOverflow when a sequence's positions pass n_ctx. Checked before a backend touches its
// cache, so a refused step changes nothing.
Status validate_step(const std::vector<StepSequence>& step, int n_slots, int64_t n_ctx, int n_vocab,
                     int n_adapters, const float* logits, StepLayout* layout);

// InvalidArgument for a slot out of range or a length outside [0, n_ctx].
Status validate_copy_prefix(int src_slot, int dst_slot, int n_tokens, int n_slots, int64_t n_ctx);

}  // namespace arb
