// LoRA on the GPU (kernels.h, launch_lora): after a projection's base product has written y for
// every row of the pass, each row whose sequence runs an adapter adds scale * B (A x). One block
// per row: its warps compute u = A x (one dot product of n_in values per warp and rank), then its
// threads add scale * (B u) to the row's outputs. A row's sums never depend on the other rows,
// so a sequence gets the same results alone or batched. The CPU path (cpu/lora.h) is the reference.
#include "kernels.h"

namespace arb::cuda {

namespace {

constexpr int kLoraThreads = 256;

__global__ void lora_add_kernel(LoraArgs a) {
  pdl_wait_and_release();
  const int64_t row = blockIdx.x;
  const int adapter = a.row_adapter[row];
  if (adapter < 0) return;
  const LoraDevPair p = a.pairs[adapter * a.pair_stride];
  if (p.rank == 0) return;
  __shared__ float u[kLoraMaxRank];
  const float* x = a.x + row * a.ldx;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int j = warp; j < p.rank; j += kLoraThreads / 32) {
    float sum = 0.0f;
    for (int64_t i = lane; i < a.n_in; i += 32) sum += p.a[j * a.n_in + i] * x[i];
    for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    if (lane == 0) u[j] = sum;
  }
  __syncthreads();
  float* y = a.y + row * a.ldy;
  for (int64_t o = threadIdx.x; o < a.n_out; o += kLoraThreads) {
    float sum = 0.0f;
    for (int j = 0; j < p.rank; j++) sum += p.b[o * p.rank + j] * u[j];
    y[o] += p.scale * sum;
  }
}

}  // namespace

Status launch_lora(const LoraArgs& args, int rows, const LaunchCtx& ctx) {
  return launch_kernel("lora_add_kernel", lora_add_kernel, dim3(rows), dim3(kLoraThreads), 0, ctx, args);
}

}  // namespace arb::cuda
