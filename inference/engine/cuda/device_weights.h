// Device memory ownership and the weight upload: GGUF tensors (views into the mmap) are
// repacked row by row into the layout of device_matrix.h and copied to the GPU once.
#pragma once
#include <cstddef>
#include <vector>

#include "../model.h"
#include "../status.h"
#include "device_matrix.h"

namespace arb::cuda {

// Owns cudaMalloc'd buffers; frees them all on destruction.
class DeviceAllocations {
 public:
  DeviceAllocations() = default;
  DeviceAllocations(const DeviceAllocations&) = delete;
  DeviceAllocations& operator=(const DeviceAllocations&) = delete;
  ~DeviceAllocations();

  // Zero-filled device memory of `bytes` (at least 1), 256-byte aligned.
  Status alloc(size_t bytes, void** out, const char* what);
  template <typename T>
  Status alloc_array(size_t count, T** out, const char* what) {
    void* p = nullptr;
    ARB_RETURN_IF_ERROR(alloc(count * sizeof(T), &p, what));
    *out = static_cast<T*>(p);
    return Status::Ok();
  }
  size_t total_bytes() const { return total_; }

 private:
  std::vector<void*> ptrs_;
  size_t total_ = 0;
};

// Repacks one GGUF row (ggml blocks) into the device layout (host side; also used by tests).
void repack_row(GgmlType t, const uint8_t* src, int64_t cols, uint8_t* q_dst, uint16_t* d_dst,
                uint32_t* qh_dst);

// Uploads the rows of `parts` (same type and column count) as one matrix: the parts' rows one
// after another, or, with `interleave`, row r of every part in turn (gate r, up r, gate r+1, ...).
Status upload_matrix(const std::vector<const TensorView*>& parts, bool interleave,
                     DeviceAllocations& mem, DevMatrix* out);

// Uploads an F32 vector (norm weights).
Status upload_f32(const TensorView& t, DeviceAllocations& mem, const float** out);

}  // namespace arb::cuda
