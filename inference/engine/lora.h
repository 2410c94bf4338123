// LoRA adapters in llama.cpp's GGUF adapter format, applied at run time without merging:
// for each adapted projection W, y = W x + scale * B (A x), scale = s * alpha / r (s when the
// file's alpha is 0), s the scale given with the adapter and r its rank, as llama.cpp's
// llm_build_lora_mm computes it, so the same file gives the same output in both.
//
// File: general.type = "adapter", adapter.type = "lora", adapter.lora.alpha, the base's
// general.architecture; tensors "<base tensor>.lora_a" (ggml ne [n_in, r], i.e. A is r x n_in)
// and "<base tensor>.lora_b" (ne [r, n_out], B is n_out x r), F32, F16, BF16 or Q8_0. Only the
// attention and FFN projections can be adapted (PEFT's q/k/v/o/gate/up/down targets).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model.h"
#include "status.h"

namespace arb {

// The projections an adapter can target, in LayerWeights order.
enum class LoraTarget { Q, K, V, O, Gate, Up, Down };
constexpr int kLoraTargets = 7;
const TensorView& lora_target_weight(const LayerWeights& layer, LoraTarget target);

// One adapted projection. A and B are views of the adapter's own copy of the file's bytes
// (F32, F16 or BF16 as stored; Q8_0 is widened to F32 at load so its products take fp32
// activations like the other types). rank 0: this projection is not adapted.
struct LoraPair {
  int rank = 0;
  float scale = 0.0f;  // s * alpha / rank, or s when alpha is 0
  TensorView a;        // rank rows x n_in
  TensorView b;        // n_out rows x rank
  bool present() const { return rank > 0; }
};

struct LoraAdapter {
  std::string path;
  float scale = 1.0f;  // s, given by the caller
  float alpha = 0.0f;  // adapter.lora.alpha (0: absent)
  int max_rank = 0;
  int n_pairs = 0;     // adapted projections over all layers
  std::vector<std::array<LoraPair, kLoraTargets>> layers;
  std::vector<std::vector<uint8_t>> storage;  // the bytes the views point into
};

// Reads `path` and checks it against `base`: the file kind, the architecture, every tensor's
// name, type and shape. InvalidModel (or Unsupported for other tensors and types) naming what
// is wrong; Io when the file cannot be read.
Status load_lora_adapter(const std::string& path, float scale, const LlamaModel& base, LoraAdapter* out);

}  // namespace arb
