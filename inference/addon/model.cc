// NativeModel: argument checking, then straight into the Engine. Results and errors come back as
// JavaScript values; Status errors become Errors with a `code`.
#include "model.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "errors.h"

namespace arb {

namespace {

// ---- argument helpers ------------------------------------------------------------------------

bool read_ids(const Napi::Value& v, std::vector<int32_t>* out) {
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    out->assign(a.Data(), a.Data() + a.ElementLength());
    return true;
  }
  if (!v.IsArray()) return false;
  Napi::Array a = v.As<Napi::Array>();
  out->resize(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) return false;
    const double d = e.As<Napi::Number>().DoubleValue();
    if (d != std::floor(d) || d < std::numeric_limits<int32_t>::min() || d > std::numeric_limits<int32_t>::max()) {
      return false;
    }
    (*out)[i] = static_cast<int32_t>(d);
  }
  return true;
}

double number_or(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) {
    throw make_error(o.Env(), "INVALID_ARGUMENT", std::string("option ") + key + " must be a number");
  }
  return v.As<Napi::Number>().DoubleValue();
}

Napi::Array int_array(Napi::Env env, const std::vector<int32_t>& ids) {
  Napi::Array a = Napi::Array::New(env, ids.size());
  for (size_t i = 0; i < ids.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, ids[i]));
  return a;
}

// ---- events from the scheduler thread --------------------------------------------------------

struct Event {
  enum class Kind { Token, Finish, Error } kind;
  int32_t id = 0;
  std::string text;
  GenerateResult result;
  Status status;
};

void deliver(Napi::Env env, Napi::Function callback, std::nullptr_t*, Event* raw) {
  std::unique_ptr<Event> e(raw);
  if (env == nullptr || callback.IsEmpty()) return;  // the environment is shutting down
  Napi::Object o = Napi::Object::New(env);
  switch (e->kind) {
    case Event::Kind::Token:
      o.Set("type", "token");
      o.Set("id", e->id);
      o.Set("text", e->text);
      break;
    case Event::Kind::Finish: {
      const GenerateResult& r = e->result;
      o.Set("type", "done");
      o.Set("finishReason", finish_reason_name(r.finish_reason));
      o.Set("tokens", int_array(env, r.tokens));
      o.Set("text", r.text);
      o.Set("promptTokens", r.prompt_tokens);
      o.Set("sharedPromptTokens", r.shared_prompt_tokens);
      o.Set("prefillMs", r.prefill_ms);
      o.Set("decodeMs", r.decode_ms);
      o.Set("constraintMs", r.constraint_ms);
      o.Set("score", r.score);
      if (!r.logits.empty()) {
        Napi::Float32Array logits = Napi::Float32Array::New(env, r.logits.size());
        std::memcpy(logits.Data(), r.logits.data(), r.logits.size() * sizeof(float));
        o.Set("logits", logits);
      }
      break;
    }
    case Event::Kind::Error:
      o.Set("type", "error");
      o.Set("error", make_error(env, e->status).Value());
      break;
  }
  try {
    callback.Call({o});
  } catch (const Napi::Error& err) {
    err.ThrowAsJavaScriptException();  // surfaces as an uncaught exception, as in any callback
  }
}

using EventFunction = Napi::TypedThreadSafeFunction<std::nullptr_t, Event, deliver>;

// Hands a request's events to JavaScript. The thread-safe function keeps the event loop alive
// while the request runs and is released with the last event.
class JsSink final : public RequestSink {
 public:
  explicit JsSink(EventFunction fn) : fn_(fn) {}
  ~JsSink() override {
    if (!released_) fn_.Release();  // never submitted
  }

  void on_token(int32_t id, const std::string& text) override {
    fn_.NonBlockingCall(new Event{Event::Kind::Token, id, text, {}, {}});
  }
  void on_finish(GenerateResult result) override {
    fn_.NonBlockingCall(new Event{Event::Kind::Finish, 0, {}, std::move(result), {}});
    release();
  }
  void on_error(const Status& status) override {
    fn_.NonBlockingCall(new Event{Event::Kind::Error, 0, {}, {}, status});
    release();
  }

 private:
  void release() {
    if (!released_) fn_.Release();
    released_ = true;
  }
  EventFunction fn_;
  bool released_ = false;
};

// ---- loading ---------------------------------------------------------------------------------

class LoadWorker final : public Napi::AsyncProgressWorker<float> {
 public:
  LoadWorker(Napi::Env env, std::string path, EngineOptions options, Napi::Function on_progress)
      : Napi::AsyncProgressWorker<float>(env, "arbiter.loadModel"),
        deferred_(Napi::Promise::Deferred::New(env)),
        path_(std::move(path)),
        options_(options) {
    if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
  }

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    float last = -1.0f;
    status_ = Engine::load(path_, options_, [&](float f) {
      if (f - last >= 0.01f || f >= 1.0f) {  // at most ~100 events
        last = f;
        progress.Send(&f, 1);
      }
    }, &engine_);
  }

  void OnProgress(const float* data, size_t count) override {
    if (count == 0 || on_progress_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    on_progress_.Call({Napi::Number::New(Env(), data[count - 1])});
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(make_error(env, status_).Value());
      return;
    }
    Napi::Object model = NativeModel::constructor(env)->New({Napi::External<Engine>::New(env, engine_.release())});
    deferred_.Resolve(model);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference on_progress_;
  std::string path_;
  EngineOptions options_;
  Status status_;
  std::unique_ptr<Engine> engine_;
};

// loadModel(path, { device, threads, contextLength, maxSequences, promptCache, kvCacheType, adapters },
//           onProgress?)
// -> Promise
Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject()) {
    throw make_error(env, "INVALID_ARGUMENT", "loadModel(path: string, options: object, onProgress?: function)");
  }
  const Napi::Object o = info[1].As<Napi::Object>();
  EngineOptions options;
  const Napi::Value device = o.Get("device");
  if (device.IsString()) {
    const std::string d = device.As<Napi::String>();
    if (d == "cpu") options.device = DeviceKind::Cpu;
    else if (d == "cuda") options.device = DeviceKind::Cuda;
    else if (d == "auto") options.device = DeviceKind::Auto;
    else throw make_error(env, "INVALID_ARGUMENT", "device must be \"auto\", \"cpu\" or \"cuda\", got \"" + d + "\"");
  }
  options.n_threads = static_cast<int>(number_or(o, "threads", 0));
  options.n_ctx = static_cast<int>(number_or(o, "contextLength", 0));
  options.n_slots = static_cast<int>(number_or(o, "maxSequences", 8));
  const Napi::Value prompt_cache = o.Get("promptCache");
  if (!prompt_cache.IsUndefined()) options.prompt_cache = prompt_cache.ToBoolean();
  const Napi::Value kv_cache_type = o.Get("kvCacheType");
  if (kv_cache_type.IsString()) {
    const std::string t = kv_cache_type.As<Napi::String>();
    if (t == "f16") options.kv_type = GgmlType::F16;
    else if (t == "q8_0") options.kv_type = GgmlType::Q8_0;
    else throw make_error(env, "INVALID_ARGUMENT", "kvCacheType must be \"f16\" or \"q8_0\", got \"" + t + "\"");
  } else if (!kv_cache_type.IsUndefined()) {
    throw make_error(env, "INVALID_ARGUMENT", "kvCacheType must be \"f16\" or \"q8_0\"");
  }
  const Napi::Value adapters = o.Get("adapters");
  if (adapters.IsArray()) {
    const Napi::Array a = adapters.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      const Napi::Value item = a.Get(i);
      if (!item.IsObject() || !item.As<Napi::Object>().Get("path").IsString()) {
        throw make_error(env, "INVALID_ARGUMENT", "adapters must be an array of { path: string, scale?: number }");
      }
      const Napi::Object spec = item.As<Napi::Object>();
      options.adapters.push_back({spec.Get("path").As<Napi::String>(), static_cast<float>(number_or(spec, "scale", 1.0))});
    }
  } else if (!adapters.IsUndefined()) {
    throw make_error(env, "INVALID_ARGUMENT", "adapters must be an array of { path: string, scale?: number }");
  }
  Napi::Function on_progress;
  if (info.Length() > 2 && info[2].IsFunction()) on_progress = info[2].As<Napi::Function>();
  auto* worker = new LoadWorker(env, info[0].As<Napi::String>(), options, on_progress);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Object info_object(Napi::Env env, const EngineInfo& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", e.path);
  o.Set("architecture", e.architecture);
  o.Set("name", e.name.empty() ? env.Null() : Napi::String::New(env, e.name));
  o.Set("device", e.device);
  o.Set("deviceDescription", e.device_description);
  o.Set("threads", e.threads);
  o.Set("fileSize", static_cast<double>(e.file_size));
  o.Set("parameterCount", static_cast<double>(e.parameter_count));
  o.Set("contextLength", e.context_length);
  o.Set("kvCacheType", e.kv_cache_type);
  o.Set("kvCacheBytes", static_cast<double>(e.kv_cache_bytes));
  o.Set("trainedContextLength", e.trained_context_length);
  o.Set("embeddingLength", e.embedding_length);
  o.Set("blockCount", e.block_count);
  o.Set("headCount", e.head_count);
  o.Set("headCountKv", e.head_count_kv);
  o.Set("feedForwardLength", e.feed_forward_length);
  o.Set("vocabSize", e.vocab_size);
  o.Set("ropeFreqBase", e.rope_freq_base);
  o.Set("rmsEpsilon", e.rms_epsilon);
  o.Set("vocabType", e.vocab_type);
  o.Set("bosTokenId", e.bos >= 0 ? Napi::Number::New(env, e.bos) : env.Null());
  o.Set("addBosToken", e.add_bos);
  o.Set("scoreHead", e.score_head);
  o.Set("eosTokenId", e.eos >= 0 ? Napi::Number::New(env, e.eos) : env.Null());
  o.Set("eotTokenId", e.eot >= 0 ? Napi::Number::New(env, e.eot) : env.Null());
  o.Set("endOfGenerationTokenIds", int_array(env, e.eog));
  Napi::Array eog = Napi::Array::New(env, e.eog.size());
  for (size_t i = 0; i < e.eog.size(); i++) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("id", e.eog[i]);
    t.Set("text", e.eog_texts[i]);
    eog.Set(static_cast<uint32_t>(i), t);
  }
  o.Set("endOfGenerationTokens", eog);
  Napi::Object special = Napi::Object::New(env);
  for (const char* role : {"bos", "eos", "eot", "eom", "unk"}) special.Set(role, env.Null());
  for (const SpecialTokenSummary& t : e.special_tokens) {
    Napi::Object token = Napi::Object::New(env);
    token.Set("id", t.id);
    token.Set("text", t.text);
    special.Set(t.role, token);
  }
  o.Set("specialTokens", special);
  o.Set("chatTemplate", e.chat_template.empty() ? env.Null() : Napi::String::New(env, e.chat_template));
  Napi::Object types = Napi::Object::New(env);
  for (const auto& [name, count] : e.tensor_types) types.Set(name, count);
  o.Set("tensorTypes", types);
  Napi::Object cpu_kernels = Napi::Object::New(env);
  for (const auto& [name, isa] : e.cpu_kernels) cpu_kernels.Set(name, isa);
  o.Set("cpuKernels", cpu_kernels);
  Napi::Array tensors = Napi::Array::New(env, e.tensors.size());
  for (size_t i = 0; i < e.tensors.size(); i++) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("name", e.tensors[i].name);
    t.Set("type", e.tensors[i].type);
    Napi::Array shape = Napi::Array::New(env, e.tensors[i].shape.size());
    for (size_t d = 0; d < e.tensors[i].shape.size(); d++) {
      shape.Set(static_cast<uint32_t>(d), static_cast<double>(e.tensors[i].shape[d]));
    }
    t.Set("shape", shape);
    tensors.Set(static_cast<uint32_t>(i), t);
  }
  o.Set("tensors", tensors);
  Napi::Array adapters = Napi::Array::New(env, e.adapters.size());
  for (size_t i = 0; i < e.adapters.size(); i++) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("path", e.adapters[i].path);
    a.Set("scale", e.adapters[i].scale);
    a.Set("alpha", e.adapters[i].alpha);
    a.Set("rank", e.adapters[i].rank);
    a.Set("tensorPairs", e.adapters[i].n_pairs);
    adapters.Set(static_cast<uint32_t>(i), a);
  }
  o.Set("adapters", adapters);
  return o;
}

}  // namespace

// ---- NativeModel -----------------------------------------------------------------------------

void NativeModel::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "NativeModel",
                                   {InstanceMethod<&NativeModel::Info>("info"),
                                    InstanceMethod<&NativeModel::Tokenize>("tokenize"),
                                    InstanceMethod<&NativeModel::TokenizeSegments>("tokenizeSegments"),
                                    InstanceMethod<&NativeModel::Detokenize>("detokenize"),
                                    InstanceMethod<&NativeModel::Generate>("generate"),
                                    InstanceMethod<&NativeModel::GenerateGroup>("generateGroup"),
                                    InstanceMethod<&NativeModel::Cancel>("cancel"),
                                    InstanceMethod<&NativeModel::Dispose>("dispose")});
  env.SetInstanceData<Napi::FunctionReference>(new Napi::FunctionReference(Napi::Persistent(cls)));
  exports.Set("NativeModel", cls);
  exports.Set("loadModel", Napi::Function::New(env, LoadModel, "loadModel"));
}

Napi::FunctionReference* NativeModel::constructor(Napi::Env env) {
  return env.GetInstanceData<Napi::FunctionReference>();
}

NativeModel::NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw make_error(info.Env(), "INVALID_ARGUMENT", "NativeModel is created by loadModel()");
  }
  engine_.reset(info[0].As<Napi::External<Engine>>().Data());
  env_ = info.Env();
  napi_add_env_cleanup_hook(env_, on_env_cleanup, this);
}

NativeModel::~NativeModel() { release_engine(); }

void NativeModel::on_env_cleanup(void* self) { static_cast<NativeModel*>(self)->release_engine(); }

void NativeModel::release_engine() {
  if (!engine_) return;
  napi_remove_env_cleanup_hook(env_, on_env_cleanup, this);
  engine_.reset();  // joins the scheduler; running requests end as "cancelled"
}

Engine* NativeModel::engine(Napi::Env env) {
  if (!engine_) throw make_error(env, "DISPOSED", "this model has been disposed");
  return engine_.get();
}

Napi::Value NativeModel::Info(const Napi::CallbackInfo& info) {
  return info_object(info.Env(), engine(info.Env())->info());
}

// tokenize(text, addBos, special) -> number[]
Napi::Value NativeModel::Tokenize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Engine* e = engine(env);
  if (info.Length() < 1 || !info[0].IsString()) throw make_error(env, "INVALID_ARGUMENT", "tokenize(text: string)");
  const bool add_bos = info.Length() > 1 && info[1].ToBoolean();
  const bool special = info.Length() > 2 && info[2].ToBoolean();
  return int_array(env, e->tokenize(info[0].As<Napi::String>().Utf8Value(), add_bos, special));
}

// tokenizeSegments([[text, special], ...], addBos) -> number[]
Napi::Value NativeModel::TokenizeSegments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Engine* e = engine(env);
  const char* usage = "tokenizeSegments(segments: [text: string, special: boolean][], addBos: boolean)";
  if (info.Length() < 1 || !info[0].IsArray()) throw make_error(env, "INVALID_ARGUMENT", usage);
  Napi::Array array = info[0].As<Napi::Array>();
  // The texts own the bytes the segments' string_views point into.
  std::vector<std::string> texts(array.Length());
  std::vector<bool> special(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array[i];
    if (!item.IsArray() || item.As<Napi::Array>().Length() != 2) throw make_error(env, "INVALID_ARGUMENT", usage);
    Napi::Array pair = item.As<Napi::Array>();
    Napi::Value text = pair[0u];
    Napi::Value flag = pair[1u];
    if (!text.IsString() || !flag.IsBoolean()) throw make_error(env, "INVALID_ARGUMENT", usage);
    texts[i] = text.As<Napi::String>().Utf8Value();
    special[i] = flag.As<Napi::Boolean>().Value();
  }
  std::vector<TextSegment> segments;
  for (size_t i = 0; i < texts.size(); i++) segments.push_back({texts[i], special[i]});
  const bool add_bos = info.Length() > 1 && info[1].ToBoolean();
  return int_array(env, e->tokenize(segments, add_bos));
}

// detokenize(ids) -> string
Napi::Value NativeModel::Detokenize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Engine* e = engine(env);
  std::vector<int32_t> ids;
  if (info.Length() < 1 || !read_ids(info[0], &ids)) {
    throw make_error(env, "INVALID_ARGUMENT", "detokenize(ids: integer[])");
  }
  std::string text;
  const Status st = e->detokenize(ids, &text);
  if (!st.ok()) throw make_error(env, st);
  return Napi::String::New(env, text);
}

// One request from (ids, options, onEvent). options: temperature, topK, topP,
// repetitionPenalty, seed, maxTokens, stop, ignoreEos, evaluate (all required but stop,
// grammar, adapter and score); grammar: the text of a JSON grammar the output must follow;
// adapter: index into the loaded adapters (absent or -1: the base model); score: the score head's
// value on the last prompt token instead of generating.
// Throws INVALID_ARGUMENT naming what is wrong.
static void read_request(Napi::Env env, const Napi::Value& ids, const Napi::Value& options, const Napi::Value& on_event,
                  GenerateParams* p, std::shared_ptr<RequestSink>* sink) {
  if (!read_ids(ids, &p->prompt) || !options.IsObject() || !on_event.IsFunction()) {
    throw make_error(env, "INVALID_ARGUMENT", "generate(ids: integer[], options: object, onEvent: function)");
  }
  const Napi::Object o = options.As<Napi::Object>();
  p->sampling.temperature = static_cast<float>(number_or(o, "temperature", 0.8));
  p->sampling.top_k = static_cast<int>(number_or(o, "topK", 40));
  p->sampling.top_p = static_cast<float>(number_or(o, "topP", 0.95));
  p->sampling.repetition_penalty = static_cast<float>(number_or(o, "repetitionPenalty", 1.0));
  const double seed = number_or(o, "seed", 0);
  if (seed < 0 || seed != std::floor(seed) || seed > 9007199254740991.0) {
    throw make_error(env, "INVALID_ARGUMENT", "seed must be a non-negative integer");
  }
  p->sampling.seed = static_cast<uint64_t>(seed);
  const double max_tokens = number_or(o, "maxTokens", 256);
  p->max_tokens = max_tokens > 1e9 ? 1000000000 : static_cast<int>(max_tokens);
  p->ignore_eos = o.Get("ignoreEos").ToBoolean();
  p->evaluate = o.Get("evaluate").ToBoolean();
  p->score = o.Get("score").ToBoolean();
  const Napi::Value grammar = o.Get("grammar");
  if (grammar.IsString()) p->grammar = grammar.As<Napi::String>();
  else if (!grammar.IsUndefined()) throw make_error(env, "INVALID_ARGUMENT", "grammar must be a string");
  const double adapter = number_or(o, "adapter", -1);
  if (adapter != std::floor(adapter) || adapter < -1 || adapter > 1e6) {
    throw make_error(env, "INVALID_ARGUMENT", "adapter must be an integer index of a loaded adapter, or -1");
  }
  p->adapter = static_cast<int>(adapter);
  const Napi::Value stop = o.Get("stop");
  if (stop.IsArray()) {
    Napi::Array a = stop.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      if (!a.Get(i).IsString()) throw make_error(env, "INVALID_ARGUMENT", "stop must be an array of strings");
      p->stop.push_back(a.Get(i).As<Napi::String>());
    }
  } else if (!stop.IsUndefined() && !stop.IsNull()) {
    throw make_error(env, "INVALID_ARGUMENT", "stop must be an array of strings");
  }
  *sink = std::make_shared<JsSink>(EventFunction::New(env, on_event.As<Napi::Function>(), "arbiter.generate", 0, 1));
}

// generate(ids, options, onEvent) -> request id (see read_request).
Napi::Value NativeModel::Generate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Engine* e = engine(env);
  GenerateParams p;
  std::shared_ptr<RequestSink> sink;
  read_request(env, info[0], info[1], info[2], &p, &sink);
  uint64_t id = 0;
  const Status st = e->submit(std::move(p), sink, &id);
  if (!st.ok()) throw make_error(env, st);  // the sink's destructor releases the function
  return Napi::Number::New(env, static_cast<double>(id));
}

// generateGroup([[ids, options, onEvent], ...]) -> request ids: admitted together, so members
// with the same prompt share one prefill (Scheduler::submit_group).
Napi::Value NativeModel::GenerateGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Engine* e = engine(env);
  if (info.Length() < 1 || !info[0].IsArray() || info[0].As<Napi::Array>().Length() == 0) {
    throw make_error(env, "INVALID_ARGUMENT", "generateGroup(requests: [ids, options, onEvent][]) needs a request");
  }
  const Napi::Array requests = info[0].As<Napi::Array>();
  std::vector<GenerateParams> params(requests.Length());
  std::vector<std::shared_ptr<RequestSink>> sinks(requests.Length());
  for (uint32_t i = 0; i < requests.Length(); i++) {
    const Napi::Value r = requests.Get(i);
    if (!r.IsArray() || r.As<Napi::Array>().Length() != 3) {
      throw make_error(env, "INVALID_ARGUMENT", "generateGroup: each request is [ids, options, onEvent]");
    }
    const Napi::Array a = r.As<Napi::Array>();
    read_request(env, a.Get(0u), a.Get(1u), a.Get(2u), &params[i], &sinks[i]);
  }
  std::vector<uint64_t> ids;
  const Status st = e->submit_group(std::move(params), sinks, &ids);
  if (!st.ok()) throw make_error(env, st);
  Napi::Array out = Napi::Array::New(env, ids.size());
  for (size_t i = 0; i < ids.size(); i++) out.Set(static_cast<uint32_t>(i), static_cast<double>(ids[i]));
  return out;
}

Napi::Value NativeModel::Cancel(const Napi::CallbackInfo& info) {
  if (engine_ && info.Length() > 0 && info[0].IsNumber()) {
    engine_->cancel(static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue()));
  }
  return info.Env().Undefined();
}

Napi::Value NativeModel::Dispose(const Napi::CallbackInfo& info) {
  release_engine();
  return info.Env().Undefined();
}

}  // namespace arb
