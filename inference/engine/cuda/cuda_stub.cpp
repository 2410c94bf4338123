// Compiled when the addon is built without CUDA (no nvcc, or ARBITER_CUDA=0): the CUDA entry
// points of backend.h say so instead of failing to link.
#include "../backend.h"

namespace arb {

bool cuda_compiled() { return false; }

int cuda_device_count() { return 0; }

Status create_cuda_backend(const LlamaModel&, const BackendOptions&, std::unique_ptr<Backend>*) {
  return Status::Error(StatusCode::DeviceUnavailable,
                       "this build of the Arbiter addon has no CUDA support (it was built without "
                       "nvcc or with ARBITER_CUDA=0); use device \"cpu\" or rebuild with CUDA");
}

}  // namespace arb
