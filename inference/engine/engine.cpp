// Engine::load wires the parts together in order: file -> model -> tokenizer -> pages ->
// backend -> scheduler. Each step's error comes back unchanged.
#include "engine.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "cpu/cpu_features.h"
#include "model_loader.h"
#include "quants_ref.h"

namespace arb {

namespace {

constexpr int kDefaultMaxContext = 4096;

// Reads one byte of every page of the tensor data so the first request does not stall on page
// faults, reporting progress as it goes. The pages stay shared with the page cache: no copy.
void bring_in_pages(const GgufFile& file, const std::function<void(float)>& progress) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const uint8_t* begin = file.data() + file.data_offset();
  const size_t n = file.size() - file.data_offset();
  madvise(const_cast<uint8_t*>(file.data()), file.size(), MADV_WILLNEED);
  const size_t step = std::max<size_t>(page, n / 100 / page * page);
  volatile uint8_t sink = 0;
  for (size_t at = 0; at < n; at += step) {
    const size_t end = std::min(n, at + step);
    for (size_t p = at; p < end; p += page) sink = sink + begin[p];
    if (progress) progress(static_cast<float>(end) / static_cast<float>(n));
  }
  (void)sink;
}

}  // namespace

Engine::~Engine() {
  scheduler_.reset();  // first: its thread uses the backend
  backend_.reset();
}

Status Engine::load(const std::string& path, const EngineOptions& options,
                    const std::function<void(float)>& progress, std::unique_ptr<Engine>* out) {
  if (options.n_threads < 0 || options.n_ctx < 0 || options.n_slots < 1 || options.n_slots > 256) {
    return Status::Error(StatusCode::InvalidArgument,
                         "load options out of range: threads >= 0, contextLength >= 0, 1 <= maxSequences <= 256");
  }
  std::unique_ptr<Engine> e(new Engine());
  ARB_RETURN_IF_ERROR(GgufFile::open(path, &e->file_));
  ModelMetadata meta;
  ARB_RETURN_IF_ERROR(load_llama_model(*e->file_, &e->model_, &meta));
  const LlamaConfig& c = e->model_.config;
  ARB_RETURN_IF_ERROR(load_tokenizer(*e->file_, c.n_vocab, &e->tokenizer_));

  for (const AdapterSpec& spec : options.adapters) {
    auto adapter = std::make_unique<LoraAdapter>();
    ARB_RETURN_IF_ERROR(load_lora_adapter(spec.path, spec.scale, e->model_, adapter.get()));
    e->info_.adapters.push_back({spec.path, adapter->scale, adapter->alpha, adapter->max_rank, adapter->n_pairs});
    e->adapters_.push_back(std::move(adapter));
  }

  DeviceKind device = options.device;
  if (device == DeviceKind::Auto) {
    // A reward model scores through forward_hidden, and the 8-bit KV cache is read by attention
    // kernels, that only the CPU backend has.
    const bool cpu_only = e->model_.weights.score_head.present() || options.kv_type != GgmlType::F16;
    device = !cpu_only && cuda_compiled() && cuda_device_count() > 0 ? DeviceKind::Cuda : DeviceKind::Cpu;
  }
  // CUDA copies the weights: the pages are read once while uploading. The CPU reads them from
  // the mapping, so bring them in now.
  const bool cuda = device == DeviceKind::Cuda;
  auto scaled = [&](float from, float to) {
    return [&progress, from, to](float f) {
      if (progress) progress(from + (to - from) * f);
    };
  };
  if (!cuda) bring_in_pages(*e->file_, scaled(0.0f, 1.0f));

  BackendOptions bo;
  bo.n_threads = options.n_threads > 0 ? options.n_threads : cpu_count();
  bo.n_ctx = options.n_ctx > 0 ? options.n_ctx : std::min(c.n_ctx_train, kDefaultMaxContext);
  bo.n_slots = options.n_slots;
  bo.kv_type = options.kv_type;
  if (cuda && bo.kv_type != GgmlType::F16) {
    return Status::Error(StatusCode::Unsupported, "the 8-bit KV cache runs on the CPU backend only; use device \"cpu\" or the f16 cache");
  }
  for (const auto& adapter : e->adapters_) bo.adapters.push_back(adapter.get());
  if (cuda) bo.on_progress = scaled(0.0f, 1.0f);
  ARB_RETURN_IF_ERROR(cuda ? create_cuda_backend(e->model_, bo, &e->backend_)
                           : create_cpu_backend(e->model_, bo, &e->backend_));

  EngineInfo& info = e->info_;
  info.path = path;
  info.architecture = model_arch_name(c.arch);
  info.name = meta.name;
  info.device = cuda ? "cuda" : "cpu";
  info.device_description = e->backend_->description();
  info.cpu_kernels = e->backend_->cpu_kernels();
  info.threads = bo.n_threads;
  info.file_size = e->file_->size();
  info.parameter_count = meta.parameter_count;
  info.context_length = e->backend_->n_ctx();
  info.kv_cache_type = bo.kv_type == GgmlType::Q8_0 ? "q8_0" : "f16";
  info.kv_cache_bytes = 2ull * static_cast<uint64_t>(bo.n_slots) * static_cast<uint64_t>(info.context_length) *
                        static_cast<uint64_t>(c.n_layer) * static_cast<uint64_t>(c.n_head_kv) *
                        ggml_row_size(bo.kv_type, c.head_dim);
  info.trained_context_length = c.n_ctx_train;
  info.embedding_length = c.n_embd;
  info.block_count = c.n_layer;
  info.head_count = c.n_head;
  info.head_count_kv = c.n_head_kv;
  info.feed_forward_length = c.n_ff;
  info.vocab_size = c.n_vocab;
  info.rope_freq_base = c.rope_freq_base;
  info.rms_epsilon = c.rms_eps;
  const Vocab& v = e->tokenizer_->vocab();
  info.vocab_type = v.model;
  info.chat_template = v.chat_template;
  info.bos = v.bos;
  info.add_bos = v.add_bos && v.bos >= 0;
  info.eos = v.eos;
  info.eot = v.eot;
  info.eog = v.eog;
  for (int32_t id : v.eog) info.eog_texts.push_back(v.tokens[static_cast<size_t>(id)]);
  const std::pair<const char*, int32_t> roles[] = {{"bos", v.bos}, {"eos", v.eos}, {"eot", v.eot}, {"eom", v.eom}, {"unk", v.unk}};
  for (const auto& [role, id] : roles) {
    if (id >= 0 && id < v.n_tokens()) info.special_tokens.push_back({role, id, v.tokens[static_cast<size_t>(id)]});
  }
  for (const GgufTensorInfo& t : e->file_->tensors()) {
    info.tensor_types[ggml_type_name(t.type)]++;
    info.tensors.push_back({t.name, ggml_type_name(t.type), std::vector<int64_t>(t.ne, t.ne + t.n_dims)});
  }

  ScoreHead head;
  const LlamaWeights& w = e->model_.weights;
  if (w.score_head.present()) {
    head.weight.resize(static_cast<size_t>(c.n_embd));
    dequantize_row(w.score_head.type, w.score_head.data, head.weight.data(), c.n_embd);
    if (w.score_bias.present()) head.bias = reinterpret_cast<const float*>(w.score_bias.data)[0];
  }
  info.score_head = w.score_head.present();
  e->scheduler_ = std::make_unique<Scheduler>(*e->backend_, *e->tokenizer_, c.n_vocab, options.prompt_cache,
                                              static_cast<int>(e->adapters_.size()), std::move(head));
  if (progress) progress(1.0f);
  *out = std::move(e);
  return Status::Ok();
}

std::vector<int32_t> Engine::tokenize(std::string_view text, bool add_bos, bool parse_special) const {
  return tokenize(std::vector<TextSegment>{{text, parse_special}}, add_bos);
}

std::vector<int32_t> Engine::tokenize(const std::vector<TextSegment>& segments, bool add_bos) const {
  std::vector<int32_t> ids;
  const int32_t bos = tokenizer_->vocab().bos;
  if (add_bos && bos >= 0) ids.push_back(bos);
  std::vector<int32_t> body = tokenizer_->encode(segments);
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

Status Engine::detokenize(const std::vector<int32_t>& ids, std::string* out) const {
  for (int32_t id : ids) {
    if (id < 0 || id >= tokenizer_->vocab().n_tokens()) {
      return Status::Error(StatusCode::InvalidArgument,
                           "token id " + std::to_string(id) + " is outside the vocabulary of " +
                               std::to_string(tokenizer_->vocab().n_tokens()));
    }
  }
  *out = tokenizer_->decode(ids);
  return Status::Ok();
}

}  // namespace arb
