// GGUF -> LlamaModel: reads the hyper-parameters (llama, qwen2, qwen3, gemma3) and checks that every tensor the forward
// pass needs is present with the right shape and a supported type. Tensor views point into the
// file's mapping, which must outlive the model.
#pragma once
#include <cstdint>
#include <string>

#include "gguf.h"
#include "model.h"
#include "status.h"

namespace arb {

struct ModelMetadata {
  std::string name;            // general.name, empty when absent
  int64_t parameter_count = 0; // elements of every tensor in the file
};

Status load_llama_model(const GgufFile& file, LlamaModel* model, ModelMetadata* metadata);

}  // namespace arb
