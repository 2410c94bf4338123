// Weight upload: repack ggml blocks into the device layout (device_matrix.h), copy in chunks.
#include "device_weights.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "common.cuh"

namespace arb::cuda {

Status cuda_status(cudaError_t err, const char* what) {
  std::string msg = std::string("CUDA error in ") + what + ": " + cudaGetErrorName(err) + " (" +
                    cudaGetErrorString(err) + ")";
  switch (err) {
    case cudaErrorMemoryAllocation:
      return Status::Error(StatusCode::OutOfMemory, msg + "; the model, context length or slot count does not fit in GPU memory");
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
    case cudaErrorStubLibrary:
      return Status::Error(StatusCode::DeviceUnavailable, msg);
    default:
      return Status::Error(StatusCode::Internal, msg);
  }
}

DeviceAllocations::~DeviceAllocations() {
  for (void* p : ptrs_) cudaFree(p);
}

Status DeviceAllocations::alloc(size_t bytes, void** out, const char* what) {
  *out = nullptr;
  void* p = nullptr;
  const size_t n = std::max<size_t>(bytes, 1);
  const cudaError_t err = cudaMalloc(&p, n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return Status::Error(
        err == cudaErrorMemoryAllocation ? StatusCode::OutOfMemory : StatusCode::Internal,
        std::string("cannot allocate ") + std::to_string(n >> 20) + " MiB of GPU memory for " +
            what + " (" + cudaGetErrorString(err) + "); " + std::to_string(total_ >> 20) +
            " MiB are already allocated: use a smaller context length or fewer sequences");
  }
  ptrs_.push_back(p);
  total_ += n;
  ARB_CUDA_RETURN(cudaMemset(p, 0, n));
  *out = p;
  return Status::Ok();
}

static bool is_float_type(GgmlType t) {
  return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16;
}

int64_t repacked_row_bytes(GgmlType t, int64_t cols) {
  switch (t) {
    case GgmlType::F32: return round_up(cols, 32) * 4;
    case GgmlType::F16:
    case GgmlType::BF16: return round_up(cols, 32) * 2;
    case GgmlType::Q8_0: return cols;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0: return cols / 2;
    case GgmlType::Q4_K: return cols / QK_K * 144;
    case GgmlType::Q6_K: return cols / QK_K * 208;
    default: return 0;
  }
}

bool repacked_has_scales(GgmlType t) {
  return t == GgmlType::Q8_0 || t == GgmlType::Q4_0 || t == GgmlType::Q5_0 || t == GgmlType::Q6_K;
}

bool repacked_has_qh(GgmlType t) { return t == GgmlType::Q5_0; }

void repack_row(GgmlType t, const uint8_t* src, int64_t cols, uint8_t* q_dst, uint16_t* d_dst,
                uint32_t* qh_dst) {
  switch (t) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16: {
      const size_t esize = t == GgmlType::F32 ? 4 : 2;
      std::memcpy(q_dst, src, static_cast<size_t>(cols) * esize);
      std::memset(q_dst + cols * esize, 0, static_cast<size_t>(round_up(cols, 32) - cols) * esize);
      return;
    }
    case GgmlType::Q8_0:  // planar: quants 0..15 of every block, then quants 16..31 of every block
      for (int64_t b = 0; b < cols / QK8_0; b++) {
        const uint8_t* blk = src + b * sizeof(block_q8_0);
        std::memcpy(&d_dst[b], blk + offsetof(block_q8_0, d), 2);
        std::memcpy(q_dst + b * 16, blk + offsetof(block_q8_0, qs), 16);
        std::memcpy(q_dst + cols / 2 + b * 16, blk + offsetof(block_q8_0, qs) + 16, 16);
      }
      return;
    case GgmlType::Q4_0:
      for (int64_t b = 0; b < cols / QK4_0; b++) {
        const uint8_t* blk = src + b * sizeof(block_q4_0);
        std::memcpy(&d_dst[b], blk + offsetof(block_q4_0, d), 2);
        std::memcpy(q_dst + b * 16, blk + offsetof(block_q4_0, qs), 16);
      }
      return;
    case GgmlType::Q5_0:
      for (int64_t b = 0; b < cols / QK5_0; b++) {
        const uint8_t* blk = src + b * sizeof(block_q5_0);
        std::memcpy(&d_dst[b], blk + offsetof(block_q5_0, d), 2);
        std::memcpy(&qh_dst[b], blk + offsetof(block_q5_0, qh), 4);  // little-endian, as ggml
        std::memcpy(q_dst + b * 16, blk + offsetof(block_q5_0, qs), 16);
      }
      return;
    case GgmlType::Q4_K:
      std::memcpy(q_dst, src, static_cast<size_t>(cols / QK_K) * sizeof(block_q4_K));
      return;
    case GgmlType::Q6_K:
      for (int64_t b = 0; b < cols / QK_K; b++) {
        const uint8_t* blk = src + b * sizeof(block_q6_K);
        static_assert(offsetof(block_q6_K, ql) == 0 && offsetof(block_q6_K, qh) == 128 &&
                          offsetof(block_q6_K, scales) == 192 && offsetof(block_q6_K, d) == 208,
                      "Q6_K layout");
        std::memcpy(q_dst + b * 208, blk, 208);
        std::memcpy(&d_dst[b], blk + offsetof(block_q6_K, d), 2);
      }
      return;
    default:
      return;
  }
}

static int64_t ggml_block_values(GgmlType t) {
  switch (t) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16: return 1;
    case GgmlType::Q4_K:
    case GgmlType::Q6_K: return QK_K;
    default: return 32;
  }
}

static size_t ggml_block_bytes(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return 4;
    case GgmlType::F16:
    case GgmlType::BF16: return 2;
    case GgmlType::Q8_0: return sizeof(block_q8_0);
    case GgmlType::Q4_0: return sizeof(block_q4_0);
    case GgmlType::Q5_0: return sizeof(block_q5_0);
    case GgmlType::Q4_K: return sizeof(block_q4_K);
    case GgmlType::Q6_K: return sizeof(block_q6_K);
    default: return 0;
  }
}

Status upload_matrix(const std::vector<const TensorView*>& parts, bool interleave,
                     DeviceAllocations& mem, DevMatrix* out) {
  if (parts.empty()) return Status::Error(StatusCode::Internal, "upload_matrix: no tensors");
  const GgmlType t = parts[0]->type;
  const int64_t cols = parts[0]->n_cols();
  int64_t rows = 0;
  for (const TensorView* p : parts) {
    if (p->type != t || p->n_cols() != cols || (interleave && p->n_rows() != parts[0]->n_rows())) {
      return Status::Error(StatusCode::Internal, "upload_matrix: parts of " + p->name + " differ");
    }
    rows += p->n_rows();
  }
  const int64_t bvals = ggml_block_values(t);
  const size_t bbytes = ggml_block_bytes(t);
  if (bbytes == 0 || cols <= 0 || cols % bvals != 0) {
    return Status::Error(StatusCode::Unsupported,
                         "tensor " + parts[0]->name + " of type " + ggml_type_name(t) +
                             " cannot be uploaded to the GPU");
  }
  const size_t src_row_bytes = static_cast<size_t>(cols / bvals) * bbytes;
  for (const TensorView* p : parts) {
    if (p->data == nullptr || p->n_bytes < src_row_bytes * static_cast<size_t>(p->n_rows())) {
      return Status::Error(StatusCode::InvalidModel, "tensor " + p->name + " is truncated");
    }
  }

  DevMatrix m;
  m.type = t;
  m.rows = rows;
  m.cols = cols;
  m.q_row_bytes = repacked_row_bytes(t, cols);
  m.blocks_per_row = is_float_type(t) ? cols : cols / bvals;
  m.row_elems = is_float_type(t) ? round_up(cols, 32) : cols;
  const bool has_d = repacked_has_scales(t), has_qh = repacked_has_qh(t);
  uint8_t* q = nullptr;
  __half* d = nullptr;
  uint32_t* qh = nullptr;
  const std::string what = "weights " + parts[0]->name;
  ARB_RETURN_IF_ERROR(mem.alloc_array(static_cast<size_t>(rows * m.q_row_bytes), &q, what.c_str()));
  if (has_d) ARB_RETURN_IF_ERROR(mem.alloc_array(static_cast<size_t>(rows * m.blocks_per_row), &d, what.c_str()));
  if (has_qh) ARB_RETURN_IF_ERROR(mem.alloc_array(static_cast<size_t>(rows * m.blocks_per_row), &qh, what.c_str()));

  // Repack chunks of rows on the host and copy each chunk: bounded host memory for any size.
  const int64_t chunk_rows = std::max<int64_t>(1, (int64_t{32} << 20) / std::max<int64_t>(m.q_row_bytes, 1));
  std::vector<uint8_t> hq(static_cast<size_t>(chunk_rows * m.q_row_bytes));
  std::vector<uint16_t> hd(has_d ? static_cast<size_t>(chunk_rows * m.blocks_per_row) : 0);
  std::vector<uint32_t> hqh(has_qh ? static_cast<size_t>(chunk_rows * m.blocks_per_row) : 0);
  for (int64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
    const int64_t n = std::min(chunk_rows, rows - r0);
    for (int64_t i = 0; i < n; i++) {
      const int64_t r = r0 + i;
      const TensorView* src = nullptr;
      int64_t src_row = 0;
      if (interleave) {
        src = parts[static_cast<size_t>(r % static_cast<int64_t>(parts.size()))];
        src_row = r / static_cast<int64_t>(parts.size());
      } else {
        int64_t rr = r;
        for (const TensorView* p : parts) {
          if (rr < p->n_rows()) {
            src = p;
            break;
          }
          rr -= p->n_rows();
        }
        src_row = rr;
      }
      repack_row(t, src->data + static_cast<size_t>(src_row) * src_row_bytes, cols,
                 hq.data() + i * m.q_row_bytes, has_d ? hd.data() + i * m.blocks_per_row : nullptr,
                 has_qh ? hqh.data() + i * m.blocks_per_row : nullptr);
    }
    ARB_CUDA_RETURN(cudaMemcpy(q + r0 * m.q_row_bytes, hq.data(), static_cast<size_t>(n * m.q_row_bytes),
                               cudaMemcpyHostToDevice));
    if (has_d) {
      ARB_CUDA_RETURN(cudaMemcpy(d + r0 * m.blocks_per_row, hd.data(),
                                 static_cast<size_t>(n * m.blocks_per_row) * 2, cudaMemcpyHostToDevice));
    }
    if (has_qh) {
      ARB_CUDA_RETURN(cudaMemcpy(qh + r0 * m.blocks_per_row, hqh.data(),
                                 static_cast<size_t>(n * m.blocks_per_row) * 4, cudaMemcpyHostToDevice));
    }
  }
  m.q = q;
  m.d = d;
  m.qh = qh;
  *out = m;
  return Status::Ok();
}

Status upload_f32(const TensorView& t, DeviceAllocations& mem, const float** out) {
  const int64_t n = t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3];
  if (t.type != GgmlType::F32 || t.data == nullptr || t.n_bytes < static_cast<size_t>(n) * 4) {
    return Status::Error(StatusCode::InvalidModel, "tensor " + t.name + " must be F32");
  }
  float* p = nullptr;
  ARB_RETURN_IF_ERROR(mem.alloc_array(static_cast<size_t>(n), &p, t.name.c_str()));
  ARB_CUDA_RETURN(cudaMemcpy(p, t.data, static_cast<size_t>(n) * 4, cudaMemcpyHostToDevice));
  *out = p;
  return Status::Ok();
}

}  // namespace arb::cuda
