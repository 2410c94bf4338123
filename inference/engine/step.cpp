// The one validation of a step and of a prefix copy (step.h).
#include "step.h"

#include <string>

namespace arb {

Status validate_step(const std::vector<StepSequence>& step, int n_slots, int64_t n_ctx, int n_vocab,
                     int n_adapters, const float* logits, StepLayout* layout) {
  if (step.empty()) return Status::Error(StatusCode::InvalidArgument, "forward: the step has no sequences");
  StepLayout out;
  out.first_logit.resize(step.size());
  std::vector<bool> used(static_cast<size_t>(n_slots), false);
  for (size_t i = 0; i < step.size(); i++) {
    const StepSequence& s = step[i];
    if (s.slot < 0 || s.slot >= n_slots) {
      return Status::Error(StatusCode::InvalidArgument, "forward: slot " + std::to_string(s.slot) +
                                                            " is outside 0.." + std::to_string(n_slots - 1));
    }
    if (used[static_cast<size_t>(s.slot)]) {
      return Status::Error(StatusCode::InvalidArgument,
                           "forward: slot " + std::to_string(s.slot) + " appears twice in one step");
    }
    used[static_cast<size_t>(s.slot)] = true;
    if (s.n_tokens < 1 || s.tokens == nullptr || s.n_past < 0) {
      return Status::Error(StatusCode::InvalidArgument,
                           "forward: the sequence in slot " + std::to_string(s.slot) +
                               " has no tokens or a negative position");
    }
    if (static_cast<int64_t>(s.n_past) + s.n_tokens > n_ctx) {
      return Status::Error(StatusCode::ContextOverflow,
                           "forward: " + std::to_string(s.n_past) + " cached + " + std::to_string(s.n_tokens) +
                               " new tokens do not fit the context of " + std::to_string(n_ctx));
    }
    if (s.adapter < -1 || s.adapter >= n_adapters) {
      return Status::Error(StatusCode::InvalidArgument, "forward: adapter " + std::to_string(s.adapter) +
                                                            " is outside -1.." + std::to_string(n_adapters - 1));
    }
    for (int t = 0; t < s.n_tokens; t++) {
      if (s.tokens[t] < 0 || s.tokens[t] >= n_vocab) {
        return Status::Error(StatusCode::InvalidArgument, "forward: token id " + std::to_string(s.tokens[t]) +
                                                              " is outside the vocabulary of " +
                                                              std::to_string(n_vocab));
      }
    }
    out.first_logit[i] = out.n_logit_rows;
    out.n_tokens += s.n_tokens;
    out.n_logit_rows += s.all_logits ? s.n_tokens : 1;
  }
  if (logits == nullptr) return Status::Error(StatusCode::InvalidArgument, "forward: the logits buffer is null");
  *layout = std::move(out);
  return Status::Ok();
}

Status validate_copy_prefix(int src_slot, int dst_slot, int n_tokens, int n_slots, int64_t n_ctx) {
  for (int slot : {src_slot, dst_slot}) {
    if (slot < 0 || slot >= n_slots) {
      return Status::Error(StatusCode::InvalidArgument, "copy_prefix: slot " + std::to_string(slot) +
                                                            " is outside 0.." + std::to_string(n_slots - 1));
    }
  }
  if (n_tokens < 0 || n_tokens > n_ctx) {
    return Status::Error(StatusCode::InvalidArgument, "copy_prefix: " + std::to_string(n_tokens) +
                                                          " positions is outside 0.." + std::to_string(n_ctx));
  }
  return Status::Ok();
}

Status Backend::forward_argmax(const std::vector<StepSequence>& step, float* logits, int32_t* argmax) {
  ARB_RETURN_IF_ERROR(forward(step, logits));
  for (const StepSequence& s : step) {
    for (int i = s.all_logits ? 0 : s.n_tokens - 1; i < s.n_tokens; i++) *argmax++ = -1;
  }
  return Status::Ok();
}

}  // namespace arb
