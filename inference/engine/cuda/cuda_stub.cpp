// Compiled when the addon is built without CUDA (scripts/detect-cuda.mjs): the CUDA entry
// points of backend.h say so instead of failing to link.
#include "../backend.h"

namespace arb {

bool cuda_compiled() { return false; }

int cuda_device_count() { return 0; }

Status create_cuda_backend(const LlamaModel&, const BackendOptions&, std::unique_ptr<Backend>*) {
  return Status::Error(StatusCode::DeviceUnavailable,
                       "this build of the Arbiter addon has no CUDA support (it was built where no "
                       "NVIDIA driver or nvcc was found, or with ARBITER_CUDA=off); use device "
                       "\"cpu\", or rebuild with CUDA: ARBITER_CUDA=on npm run build:addon");
}

}  // namespace arb
