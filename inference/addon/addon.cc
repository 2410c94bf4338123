// Module entry: the Model class, the async loader and the CUDA probes.
#include <napi.h>

#include "backend.h"
#include "model.h"

namespace {

Napi::Value CudaCompiled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), arb::cuda_compiled());
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), arb::cuda_device_count());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  arb::NativeModel::Init(env, exports);
  exports.Set("cudaCompiled", Napi::Function::New(env, CudaCompiled, "cudaCompiled"));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, CudaDeviceCount, "cudaDeviceCount"));
  return exports;
}

}  // namespace

NODE_API_MODULE(arbiter, Init)
