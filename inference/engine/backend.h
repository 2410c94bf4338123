// A backend runs the llama forward pass for one scheduler step over any mix of sequences:
// prompt chunks (many tokens) and decode steps (one token each). It owns the KV cache, laid
// out in `n_slots` independent sequence slots of `n_ctx` positions. The scheduler, sampler
// and tokenizer are shared by all backends and never see device memory.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lora.h"
#include "model.h"
#include "status.h"

namespace arb {

enum class DeviceKind { Auto, Cpu, Cuda };

struct BackendOptions {
  int n_threads = 0;  // CPU threads; 0 = number of cores
  int n_ctx = 4096;   // positions per slot
  int n_slots = 8;    // sequences that can be live at once
  int cuda_device = 0;
  // The KV cache's format: F16, or Q8_0 blocks of 32 (llama.cpp's --cache-type-k/v q8_0: 34
  // bytes per 32 values instead of 64; CPU backend only, head sizes a multiple of 32).
  GgmlType kv_type = GgmlType::F16;
  // Optional: called with 0..1 while the backend prepares the weights (the CUDA upload).
  std::function<void(float)> on_progress;
  // LoRA adapters a step's sequences may use (StepSequence::adapter indexes this list); they
  // must outlive the backend.
  std::vector<const LoraAdapter*> adapters;
};

// The tokens one sequence contributes to a step. New tokens take positions
// n_past .. n_past + n_tokens - 1 and are appended to the slot's cache.
struct StepSequence {
  int slot = 0;
  int n_past = 0;
  const int32_t* tokens = nullptr;
  int n_tokens = 0;
  bool all_logits = false;  // logits for every new token (tests) or only the last one
  int adapter = -1;         // index into BackendOptions::adapters; -1: the base model alone
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual DeviceKind kind() const = 0;
  virtual std::string description() const = 0;  // "AMD EPYC, AVX2+FMA, 2 threads", "NVIDIA H200 (sm_90)"
  // The instruction set each CPU kernel runs on: per weight type of the products, and
  // "attention" ({"Q4_K": "AVX-512+VNNI", ...}), so tests can see that detection picked the
  // fast paths. Empty for devices without CPU kernels.
  virtual std::map<std::string, std::string> cpu_kernels() const { return {}; }
  virtual int n_slots() const = 0;
  virtual int n_ctx() const = 0;

  // Computes the step. `logits` receives, for each sequence in order, n_tokens rows of
  // n_vocab floats when all_logits is set, else one row (the last token's). Inputs are checked
  // by validate_step (step.h) before anything runs: a refused step changes no cache.
  virtual Status forward(const std::vector<StepSequence>& step, float* logits) = 0;

  // As forward, and argmax[r] = first_argmax (sampler.h) of logits row r, or -1 where the
  // backend leaves that to the caller: greedy's pick, which a backend can find while it
  // computes the rows (the CPU backend does) instead of the caller's pass over each whole row
  // afterwards. The default computes no pick.
  virtual Status forward_argmax(const std::vector<StepSequence>& step, float* logits, int32_t* argmax);

  // As forward, but each output row is the final normed hidden state (n_embd floats,
  // rmsnorm(x, output_norm)) instead of logits: what a score head (a reward model) reads. The
  // default refuses: a backend that does not compute it says so.
  virtual Status forward_hidden(const std::vector<StepSequence>& step, float* hidden) {
    (void)step;
    (void)hidden;
    return Status::Error(StatusCode::Unsupported,
                         "scoring (reward-model heads) runs on the CPU backend only; load the model with device \"cpu\"");
  }

  // Copies cached positions [0, n_tokens) of src_slot into dst_slot (shared prefill); the
  // positions from n_tokens on in dst_slot are left as they were. src_slot == dst_slot is a
  // no-op that succeeds: the slot already holds its own prefix. Slots and length are checked by
  // validate_copy_prefix (step.h).
  virtual Status copy_prefix(int src_slot, int dst_slot, int n_tokens) = 0;
};

Status create_cpu_backend(const LlamaModel& model, const BackendOptions& options,
                          std::unique_ptr<Backend>* out);

// Defined by the CUDA objects when they are compiled in, by a stub otherwise; the stub
// returns DeviceUnavailable with a message saying the addon was built without CUDA.
bool cuda_compiled();
int cuda_device_count();  // 0 when there is no driver or no GPU; never fails
Status create_cuda_backend(const LlamaModel& model, const BackendOptions& options,
                           std::unique_ptr<Backend>* out);

}  // namespace arb
