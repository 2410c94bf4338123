// Shared pieces of the CUDA backend: status conversion, the launch helper (with programmatic
// dependent launch on sm_90), warp reductions and the q8 activation quantizers that every
// producer of matrix-vector inputs uses, so they round exactly like the CPU path.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "../status.h"

namespace arb::cuda {

// A CUDA error as a Status naming the call. Allocation failures are OutOfMemory, a missing
// driver or device is DeviceUnavailable, everything else Internal.
Status cuda_status(cudaError_t err, const char* what);

#define ARB_CUDA_RETURN(call)                                                          \
  do {                                                                                 \
    const cudaError_t arb_err_ = (call);                                               \
    if (arb_err_ != cudaSuccess) return ::arb::cuda::cuda_status(arb_err_, #call);      \
  } while (0)

// Where kernels go: the stream, and whether launches may overlap their predecessor's tail
// (programmatic dependent launch; only set on sm_90+ devices).
struct LaunchCtx {
  cudaStream_t stream = nullptr;
  bool pdl = false;
};

// Launches a kernel, with the PDL attribute when ctx.pdl is set, and reports launch errors.
template <typename... KArgs, typename... Args>
Status launch_kernel(const char* name, void (*kernel)(KArgs...), dim3 grid, dim3 block,
                     size_t smem, const LaunchCtx& ctx, Args... args) {
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return Status::Ok();
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = grid;
  cfg.blockDim = block;
  cfg.dynamicSmemBytes = smem;
  cfg.stream = ctx.stream;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = ctx.pdl ? attr : nullptr;
  cfg.numAttrs = ctx.pdl ? 1 : 0;
  const cudaError_t err = cudaLaunchKernelEx(&cfg, kernel, static_cast<KArgs>(args)...);
  if (err != cudaSuccess) return cuda_status(err, name);
  const cudaError_t last = cudaGetLastError();
  if (last != cudaSuccess) return cuda_status(last, name);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Device helpers

// Programmatic dependent launch: every kernel waits for its predecessor before it touches any
// buffer another kernel writes or reads (weights may be read before), then lets its successor
// start launching. Without the launch attribute both are no-ops.
__device__ __forceinline__ void pdl_wait_and_release() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
  asm volatile("griddepcontrol.launch_dependents;" :::);
#endif
}

// Butterfly reductions: every lane ends with the same value (addition is commutative, so the
// two lanes of each exchange compute the same sum).
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ int warp_sum_int(int v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// SiLU as the CPU path computes it.
__device__ __forceinline__ float silu(float x) { return x / (1.0f + expf(-x)); }

// ---------------------------------------------------------------------------------------------
// q8 activations. Matrix-vector products with quantized weights take their input as int8 quants
// in blocks of 32 with a float scale d and the integer sum s of the block's quants, stored as
// three arrays: q[row * ld + k], d[row * ld/32 + k/32], s[row * ld/32 + k/32].
//  - Block32 (for Q4_0, Q5_0, Q8_0 weights): the CPU's block_q8_act: d = max|x| / 127,
//    q = round-half-even(x * (127 / max|x|)).
//  - Super256 (for Q4_K, Q6_K weights): ggml's Q8_K: per 256 values, max = the value of largest
//    magnitude (first one on ties), iscale = -127 / max, q = min(127, round-half-even(x*iscale)),
//    d = 1 / iscale; every 32-block of the super-block carries the same d.
enum class ActQuant : int { None = 0, Block32 = 1, Super256 = 2 };

struct Q8Act {
  int8_t* q = nullptr;
  float* d = nullptr;
  int32_t* s = nullptr;
};

// One warp quantizes the 32 values at block `blk` (value `v` in lane order) as Block32.
__device__ __forceinline__ void quantize_block32_warp(float v, const Q8Act& out, int64_t q_off,
                                                      int64_t blk_off) {
  const int lane = threadIdx.x & 31;
  const float amax = warp_max(fabsf(v));
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  const int q = __float2int_rn(v * id);
  const int s = warp_sum_int(q);
  out.q[q_off + lane] = static_cast<int8_t>(q);
  if (lane == 0) {
    out.d[blk_off] = amax / 127.0f;
    out.s[blk_off] = s;
  }
}

// One warp quantizes 256 values as Super256; lane l holds values 8l .. 8l+7 in v[].
__device__ __forceinline__ void quantize_super256_warp(const float (&v)[8], const Q8Act& out,
                                                       int64_t q_off, int64_t blk_off) {
  const int lane = threadIdx.x & 31;
  float amax = 0.0f;
  int idx = 0x7fffffff;
  float vmax = 0.0f;
#pragma unroll
  for (int i = 0; i < 8; i++) {
    const float a = fabsf(v[i]);
    if (a > amax) {  // strict: the first of equal magnitudes wins, as in ggml
      amax = a;
      idx = lane * 8 + i;
      vmax = v[i];
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float a2 = __shfl_xor_sync(0xffffffffu, amax, o);
    const int i2 = __shfl_xor_sync(0xffffffffu, idx, o);
    const float v2 = __shfl_xor_sync(0xffffffffu, vmax, o);
    if (a2 > amax || (a2 == amax && i2 < idx)) {
      amax = a2;
      idx = i2;
      vmax = v2;
    }
  }
  int q[8];
  float d = 0.0f;
  if (amax != 0.0f) {
    const float iscale = -127.0f / vmax;
#pragma unroll
    for (int i = 0; i < 8; i++) q[i] = min(127, __float2int_rn(iscale * v[i]));
    d = 1.0f / iscale;
  } else {
#pragma unroll
    for (int i = 0; i < 8; i++) q[i] = 0;
  }
  int s = 0;
#pragma unroll
  for (int i = 0; i < 8; i++) s += q[i];
  s += __shfl_xor_sync(0xffffffffu, s, 1);
  s += __shfl_xor_sync(0xffffffffu, s, 2);  // lanes 4j..4j+3 hold the 32-block j
  uint32_t lo = 0, hi = 0;
#pragma unroll
  for (int i = 0; i < 4; i++) {
    lo |= static_cast<uint32_t>(q[i] & 0xff) << (8 * i);
    hi |= static_cast<uint32_t>(q[i + 4] & 0xff) << (8 * i);
  }
  *reinterpret_cast<uint2*>(out.q + q_off + lane * 8) = make_uint2(lo, hi);
  if ((lane & 3) == 0) {
    out.d[blk_off + lane / 4] = d;
    out.s[blk_off + lane / 4] = s;
  }
}

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
inline int64_t ceil_div(int64_t x, int64_t m) { return (x + m - 1) / m; }

}  // namespace arb::cuda
