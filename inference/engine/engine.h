// The engine as the addon sees it: load a GGUF file (validated, mmap'd, pages brought in with
// progress), describe it, tokenize, and run requests through the continuous-batching scheduler
// on the CPU or CUDA backend. No Node dependency.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend.h"
#include "gguf.h"
#include "lora.h"
#include "model.h"
#include "scheduler.h"
#include "status.h"
#include "tokenizer.h"

namespace arb {

// A LoRA adapter file to load with the model, applied with scale s (lora.h).
struct AdapterSpec {
  std::string path;
  float scale = 1.0f;
};

struct EngineOptions {
  DeviceKind device = DeviceKind::Auto;  // Auto: CUDA when compiled in and a GPU is present
  int n_threads = 0;                     // 0 = the cores this process may use
  int n_ctx = 0;                         // 0 = min(trained context, 4096)
  int n_slots = 8;
  bool prompt_cache = true;  // start requests from prefixes finished requests left in free slots
  GgmlType kv_type = GgmlType::F16;   // the KV cache: F16, or Q8_0 (CPU; BackendOptions::kv_type)
  std::vector<AdapterSpec> adapters;  // GenerateParams::adapter indexes this list
};

struct AdapterSummary {
  std::string path;
  float scale = 1.0f, alpha = 0.0f;
  int rank = 0;     // the largest rank of its pairs
  int n_pairs = 0;  // adapted projections
};

// A special token the vocabulary names: role "bos", "eos", "eot", "eom" or "unk".
struct SpecialTokenSummary {
  std::string role;
  int32_t id = -1;
  std::string text;  // the token's text in the vocabulary, e.g. "<|eot_id|>"
};

struct TensorSummary {
  std::string name;
  std::string type;
  std::vector<int64_t> shape;
};

// Everything ModelInfo (inference/src/index.ts) reports.
struct EngineInfo {
  std::string path, architecture, name, device, device_description, vocab_type, chat_template;
  int threads = 0;
  uint64_t file_size = 0;
  int64_t parameter_count = 0;
  int context_length = 0, trained_context_length = 0;
  int embedding_length = 0, block_count = 0, head_count = 0, head_count_kv = 0;
  int feed_forward_length = 0, vocab_size = 0;
  double rope_freq_base = 0.0, rms_epsilon = 0.0;
  int32_t bos = -1, eos = -1, eot = -1;
  bool add_bos = false;  // the vocabulary asks for BOS in front of a prompt
  bool score_head = false;  // a reward model: cls.output.weight, scored by Scheduler (params.score)
  std::string kv_cache_type;   // "f16" or "q8_0"
  uint64_t kv_cache_bytes = 0;  // keys and values of every slot and position (reserved, touched as used)
  std::vector<int32_t> eog;
  std::vector<std::string> eog_texts;  // the texts of eog, in order
  std::vector<SpecialTokenSummary> special_tokens;
  std::map<std::string, int> tensor_types;
  std::vector<TensorSummary> tensors;
  std::map<std::string, std::string> cpu_kernels;  // Backend::cpu_kernels()
  std::vector<AdapterSummary> adapters;
};

class Engine {
 public:
  // `progress` (optional) gets 0..1 on the loading thread.
  static Status load(const std::string& path, const EngineOptions& options,
                     const std::function<void(float)>& progress, std::unique_ptr<Engine>* out);
  ~Engine();  // cancels running requests (their sinks see "cancelled"), frees everything

  const EngineInfo& info() const { return info_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  std::vector<int32_t> tokenize(std::string_view text, bool add_bos, bool parse_special) const;
  // Control tokens parsed only in the segments that ask for it (Tokenizer::encode(segments)).
  std::vector<int32_t> tokenize(const std::vector<TextSegment>& segments, bool add_bos) const;
  Status detokenize(const std::vector<int32_t>& ids, std::string* out) const;

  Status submit(GenerateParams params, std::shared_ptr<RequestSink> sink, uint64_t* id) {
    return scheduler_->submit(std::move(params), std::move(sink), id);
  }
  // Several requests admitted together (Scheduler::submit_group).
  Status submit_group(std::vector<GenerateParams> params, std::vector<std::shared_ptr<RequestSink>> sinks,
                      std::vector<uint64_t>* ids) {
    return scheduler_->submit_group(std::move(params), std::move(sinks), ids);
  }
  void cancel(uint64_t id) { scheduler_->cancel(id); }

 private:
  Engine() = default;

  std::unique_ptr<GgufFile> file_;
  LlamaModel model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::unique_ptr<LoraAdapter>> adapters_;  // outlive the backend that reads them
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Scheduler> scheduler_;
  EngineInfo info_;
};

}  // namespace arb
