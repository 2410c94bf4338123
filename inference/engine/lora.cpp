// Loading and checking a LoRA adapter file (lora.h), after llama.cpp's llama_adapter_lora_init.
#include "lora.h"

#include <cstring>
#include <map>
#include <algorithm>
#include <memory>

#include "gguf.h"
#include "quants_ref.h"

namespace arb {

const TensorView& lora_target_weight(const LayerWeights& layer, LoraTarget target) {
  switch (target) {
    case LoraTarget::Q: return layer.wq;
    case LoraTarget::K: return layer.wk;
    case LoraTarget::V: return layer.wv;
    case LoraTarget::O: return layer.wo;
    case LoraTarget::Gate: return layer.w_gate;
    case LoraTarget::Up: return layer.w_up;
    case LoraTarget::Down: break;
  }
  return layer.w_down;
}

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

Status invalid(const std::string& path, const std::string& why) {
  return Status::Error(StatusCode::InvalidModel, "LoRA adapter " + path + ": " + why);
}

// Copies a 2-D tensor into the adapter's storage; Q8_0 becomes F32 (exact: d * q).
TensorView copy_tensor(const GgufTensorInfo& t, LoraAdapter* adapter) {
  TensorView v;
  v.name = t.name;
  v.n_dims = 2;
  v.ne[0] = t.ne[0];
  v.ne[1] = t.ne[1];
  std::vector<uint8_t> bytes;
  if (t.type == GgmlType::Q8_0) {
    v.type = GgmlType::F32;
    bytes.resize(static_cast<size_t>(t.ne[0] * t.ne[1]) * sizeof(float));
    const size_t src_row = ggml_row_size(t.type, t.ne[0]);
    for (int64_t r = 0; r < t.ne[1]; r++) {
      dequantize_row(t.type, t.data + r * src_row, reinterpret_cast<float*>(bytes.data()) + r * t.ne[0], t.ne[0]);
    }
  } else {
    v.type = t.type;
    bytes.assign(t.data, t.data + t.n_bytes);
  }
  v.n_bytes = bytes.size();
  adapter->storage.push_back(std::move(bytes));
  v.data = adapter->storage.back().data();
  return v;
}

}  // namespace

Status load_lora_adapter(const std::string& path, float scale, const LlamaModel& base, LoraAdapter* out) {
  std::unique_ptr<GgufFile> file;
  ARB_RETURN_IF_ERROR(GgufFile::open(path, &file));
  std::string general_type, adapter_type, arch;
  ARB_RETURN_IF_ERROR(file->get_string("general.type", &general_type, ""));
  if (general_type != "adapter") {
    return invalid(path, "general.type is '" + general_type + "', expected 'adapter' (is this a model file?)");
  }
  ARB_RETURN_IF_ERROR(file->get_string("adapter.type", &adapter_type, ""));
  if (adapter_type != "lora") return invalid(path, "adapter.type is '" + adapter_type + "', expected 'lora'");
  ARB_RETURN_IF_ERROR(file->get_string("general.architecture", &arch, ""));
  if (arch != model_arch_name(base.config.arch)) {
    return invalid(path, "made for architecture '" + arch + "', the base model is '" +
                             model_arch_name(base.config.arch) + "'");
  }
  const double no_alpha = 0.0;
  double alpha = 0.0;
  ARB_RETURN_IF_ERROR(file->get_float("adapter.lora.alpha", &alpha, &no_alpha));
  if (!(scale == scale) || !(alpha == alpha)) return invalid(path, "scale and alpha must be numbers");

  // The base tensors an adapter may target, by name.
  std::map<std::string, std::pair<int, LoraTarget>> targets;
  for (size_t l = 0; l < base.weights.layers.size(); l++) {
    for (int k = 0; k < kLoraTargets; k++) {
      const auto target = static_cast<LoraTarget>(k);
      targets[lora_target_weight(base.weights.layers[l], target).name] = {static_cast<int>(l), target};
    }
  }

  auto adapter = std::make_unique<LoraAdapter>();
  adapter->path = path;
  adapter->scale = scale;
  adapter->alpha = static_cast<float>(alpha);
  adapter->layers.resize(base.weights.layers.size());
  for (const GgufTensorInfo& t : file->tensors()) {
    const bool is_a = ends_with(t.name, ".lora_a");
    if (!is_a && !ends_with(t.name, ".lora_b")) {
      return Status::Error(StatusCode::Unsupported, "LoRA adapter " + path + ": tensor '" + t.name +
                                                        "' is neither a .lora_a nor a .lora_b");
    }
    const std::string base_name = t.name.substr(0, t.name.size() - 7);
    const auto target = targets.find(base_name);
    if (target == targets.end()) {
      return Status::Error(StatusCode::Unsupported,
                           "LoRA adapter " + path + ": tensor '" + t.name +
                               "' adapts no attention or FFN projection of the base model (wrong base model?)");
    }
    if (t.type != GgmlType::F32 && t.type != GgmlType::F16 && t.type != GgmlType::BF16 && t.type != GgmlType::Q8_0) {
      return Status::Error(StatusCode::Unsupported, "LoRA adapter " + path + ": tensor '" + t.name + "' has type " +
                                                        ggml_type_name(t.type) + " (F32, F16, BF16 or Q8_0 expected)");
    }
    if (t.n_dims != 2) return invalid(path, "tensor '" + t.name + "' is not a matrix");
    const auto [layer, which] = target->second;
    LoraPair& pair = adapter->layers[static_cast<size_t>(layer)][static_cast<size_t>(which)];
    (is_a ? pair.a : pair.b) = copy_tensor(t, adapter.get());
  }

  for (size_t l = 0; l < adapter->layers.size(); l++) {
    for (int k = 0; k < kLoraTargets; k++) {
      LoraPair& pair = adapter->layers[l][static_cast<size_t>(k)];
      if (!pair.a.present() && !pair.b.present()) continue;
      const TensorView& w = lora_target_weight(base.weights.layers[l], static_cast<LoraTarget>(k));
      if (!pair.a.present() || !pair.b.present()) {
        return invalid(path, "'" + w.name + "' has only one of .lora_a and .lora_b");
      }
      // A: ne [n_in, r]; B: ne [r, n_out]; W: ne [n_in, n_out].
      if (pair.a.ne[0] != w.ne[0] || pair.b.ne[1] != w.ne[1] || pair.a.ne[1] != pair.b.ne[0] || pair.a.ne[1] < 1) {
        return invalid(path, "'" + w.name + "': lora_a [" + std::to_string(pair.a.ne[0]) + ", " +
                                 std::to_string(pair.a.ne[1]) + "] and lora_b [" + std::to_string(pair.b.ne[0]) + ", " +
                                 std::to_string(pair.b.ne[1]) + "] do not fit the base tensor [" +
                                 std::to_string(w.ne[0]) + ", " + std::to_string(w.ne[1]) +
                                 "] (expected [n_in, r] and [r, n_out]; wrong base model?)");
      }
      pair.rank = static_cast<int>(pair.a.ne[1]);
      pair.scale = alpha != 0.0 ? scale * static_cast<float>(alpha) / static_cast<float>(pair.rank) : scale;
      adapter->max_rank = std::max(adapter->max_rank, pair.rank);
      adapter->n_pairs++;
    }
  }
  if (adapter->n_pairs == 0) return invalid(path, "the file holds no LoRA tensors");
  *out = std::move(*adapter);
  return Status::Ok();
}

}  // namespace arb
