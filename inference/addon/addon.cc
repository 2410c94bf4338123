// Module entry: the Model class, the async loader and the CUDA probes.
#include <napi.h>

#include "backend.h"
#include "ggml_types.h"
#include "model.h"
#include "quants_ref.h"

namespace {

// quantizeReference(typeId, values: Float32Array) -> Uint8Array: the C++ reference quantizer
// (quants_ref.h), so tests can compare the TypeScript GGUF writer's bytes with it.
Napi::Value QuantizeReference(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, "quantizeReference(typeId: number, values: Float32Array)");
  }
  const auto type = static_cast<arb::GgmlType>(info[0].As<Napi::Number>().Uint32Value());
  const Napi::Float32Array values = info[1].As<Napi::Float32Array>();
  const int64_t n = static_cast<int64_t>(values.ElementLength());
  if (!arb::quants_ref_supports(type) || n % arb::ggml_block_size(type) != 0) {
    throw Napi::RangeError::New(env, "quantizeReference: unsupported type or not a whole number of blocks");
  }
  Napi::Uint8Array out = Napi::Uint8Array::New(env, arb::ggml_row_size(type, n));
  arb::quantize_row_ref(type, values.Data(), out.Data(), n);
  return out;
}

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
  exports.Set("quantizeReference", Napi::Function::New(env, QuantizeReference, "quantizeReference"));
  return exports;
}

}  // namespace

NODE_API_MODULE(arbiter, Init)
