// The Model binding class: owns one Engine. Loading happens on a libuv worker (loadModel), the
// scheduler's events come back through one thread-safe function per request.
#pragma once
#include <napi.h>

#include <memory>

#include "engine.h"

namespace arb {

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::FunctionReference* constructor(Napi::Env env);

  explicit NativeModel(const Napi::CallbackInfo& info);
  ~NativeModel() override;

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Tokenize(const Napi::CallbackInfo& info);
  Napi::Value TokenizeSegments(const Napi::CallbackInfo& info);
  Napi::Value Detokenize(const Napi::CallbackInfo& info);
  Napi::Value Generate(const Napi::CallbackInfo& info);
  Napi::Value GenerateGroup(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  Engine* engine(Napi::Env env);  // throws DISPOSED after dispose()
  void release_engine();
  static void on_env_cleanup(void* self);

  std::unique_ptr<Engine> engine_;
  napi_env env_ = nullptr;
};

}  // namespace arb
