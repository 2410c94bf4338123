// Decode matrix-vector kernels, version 2, for the weight types that multiply Block32 q8
// activations (Q4_0, Q5_0, Q8_0). Version 1 (matvec.cuh) runs the other types and the sites
// where it is faster (tuned_matvec_impl).
//
// Layout of the work: a warp owns R consecutive weight rows at a time (a "group"); lane l reads
// units l, l + 32, l + 64, ... of each row (one 16-byte load per unit and row for Q4_0/Q5_0, two
// for Q8_0: each load instruction of the warp covers 512 contiguous bytes), U units per row in a
// batch, all loads of a batch issued before the first is used. Blocks are persistent: warps
// stride over the groups, the grid sized so that every warp gets the same number of groups. The
// first batch of a warp's first group is loaded before waiting on the previous kernel (PDL).
//
// Activations: the q8 form of all NV vectors is staged once per block in shared memory, planar
// (quants 0..15 | quants 16..31 | scale and sum, one array each, so the 16-byte reads of a warp
// are conflict-free), copied from the site's q8 buffer.
//
// Numerics: each unit's term is Unit<T>::dot_q8, as in version 1 and the prefill product. A
// row's sum is accumulated per lane in unit order and then reduced by the warp butterfly: it
// depends on nothing but the row, the vector and the column count, so every configuration (R,
// U, block size, grid size) and every batch size gives the same bits.
#pragma once
#include <algorithm>
#include <string>

#include "kernels.h"
#include "matvec.cuh"
#include "quant_types.cuh"

namespace arb::cuda {

struct Mv2Params {
  DevMatrix w;
  int nvec;
  // q8 rows [nvec][a_ld] (scales and sums [nvec][a_ld / 32])
  const int8_t* aq;
  const float* ad;
  const int32_t* as;
  int64_t a_ld;
  int epi;
  float* y;
  int64_t y_ld;
  int64_t row_offset;
  RopeKvArgs rk;  // pos, slot and q offset to this launch's first vector
  int64_t groups;  // ceil(rows / R), set by the launcher
};

// Blocks of up to 8 warps. The kernels are compiled for MB resident blocks of 256 threads per
// multiprocessor (__launch_bounds__(256, MB)): MB = 3 caps registers at 80 per thread (a batch
// of 8 Q4_0 units and the sums fit without spilling: ptxas -v), MB = 4 at 64 (only the
// configurations that still do not spill: see matvec2.cu).
constexpr int kMv2MaxThreads = 256;
constexpr int kMv2MinBlocks = 3;
constexpr int kMv2Warps = 8;  // warps per block of the backend's launches

// Block size and persistent grid of a launch (any values give the same results).
struct Mv2Shape {
  int warps = 8;          // warps per block (1..16)
  int blocks_per_sm = 3;  // resident blocks per multiprocessor the grid is sized for
};

// Shared memory of a block: per vector and unit 16 + 16 bytes of quants and 8 of scale and sum.
inline size_t mv2_smem_bytes(int64_t cols, int nv) {
  return static_cast<size_t>(cols / 32) * 40 * static_cast<size_t>(nv);
}

// ---------------------------------------------------------------------------------------------
// Staging of the activations

template <int NV>
__device__ __forceinline__ void mv2_stage_q8(const Mv2Params& p, int4* s_lo, int4* s_hi, int2* s_ds, int nu) {
  const int64_t ld32 = p.a_ld / 32;
  const int n = p.nvec * nu;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const int v = i / nu, u = i - v * nu;
    const int4* src = reinterpret_cast<const int4*>(p.aq + v * p.a_ld + static_cast<int64_t>(u) * 32);
    const int4 lo = src[0], hi = src[1];
    const float d = p.ad[v * ld32 + u];
    const int s = p.as[v * ld32 + u];
    s_lo[i] = lo;
    s_hi[i] = hi;
    s_ds[i] = make_int2(__float_as_int(d), s);
  }
}

// ---------------------------------------------------------------------------------------------
// The kernel

// Units b*U .. b*U+U-1 (per lane) of rows row0 .. row0+R-1, from per-row bases (one 64-bit
// address per row and array; the units are immediate offsets). Rows past the matrix are not read.
template <GgmlType T, int R, int U>
__device__ __forceinline__ void mv2_load(Unit<T> (&wb)[R][U], const DevMatrix& w, int64_t row0, int b, int lane,
                                         int nu) {
#pragma unroll
  for (int r = 0; r < R; r++) {
    const int64_t row = row0 + r;
    if (row < w.rows) {
      const uint8_t* q = w.q + row * w.q_row_bytes;
      const __half* d = w.d + row * w.blocks_per_row;
      const uint32_t* qh = T == GgmlType::Q5_0 ? w.qh + row * w.blocks_per_row : nullptr;
#pragma unroll
      for (int j = 0; j < U; j++) {
        const int u = lane + 32 * (b * U + j);
        if (u < nu) wb[r][j].load_row(q, d, qh, w.q_row_bytes, u);
      }
    }
  }
}

template <GgmlType T, int NV, int R, int U>
__device__ __forceinline__ void mv2_compute(const Unit<T> (&wb)[R][U], float (&acc)[R][NV], const int4* s_lo,
                                            const int4* s_hi, const int2* s_ds, int b, int lane, int nu, int nvec) {
#pragma unroll
  for (int j = 0; j < U; j++) {
    const int u = lane + 32 * (b * U + j);
    if (u < nu) {
#pragma unroll
      for (int v = 0; v < NV; v++) {
        if (v < nvec) {
          const int4 a_lo = s_lo[v * nu + u], a_hi = s_hi[v * nu + u];
          const int2 ds = s_ds[v * nu + u];
          const float da = __int_as_float(ds.x);
#pragma unroll
          for (int r = 0; r < R; r++) acc[r][v] += wb[r][j].dot_q8(a_lo, a_hi, da, ds.y);
        }
      }
    }
  }
}

// Warp butterfly per (row, vector), then the epilogue: lane r * NV + v stores (row r, vector v);
// for row pairs (SwiGLU, RoPE) lane q * NV + v handles rows 2q, 2q + 1.
template <int NV, int R>
__device__ __forceinline__ void mv2_finish(const Mv2Params& p, int64_t row0, const float (&acc)[R][NV], int lane) {
  static_assert(R * NV <= 32, "one lane per output");
  float s[R][NV];
#pragma unroll
  for (int r = 0; r < R; r++) {
#pragma unroll
    for (int v = 0; v < NV; v++) s[r][v] = v < p.nvec ? warp_sum(acc[r][v]) : 0.0f;
  }
  if (p.epi == static_cast<int>(Epilogue::Store) || p.epi == static_cast<int>(Epilogue::Add)) {
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
      for (int v = 0; v < NV; v++) {
        if (lane == r * NV + v && v < p.nvec && row0 + r < p.w.rows) {
          float* y = p.y + v * p.y_ld + row0 + r;
          if (p.epi == static_cast<int>(Epilogue::Store)) {
            *y = s[r][v];
          } else {
            *y += s[r][v];
          }
        }
      }
    }
  } else {
#pragma unroll
    for (int q = 0; q < R / 2; q++) {
#pragma unroll
      for (int v = 0; v < NV; v++) {
        const int64_t row = row0 + 2 * q;  // even: the matrix has an even row count
        if (lane == q * NV + v && v < p.nvec && row < p.w.rows) {
          const float x0 = s[2 * q][v], x1 = s[2 * q + 1][v];
          if (p.epi == static_cast<int>(Epilogue::SwiGlu)) {
            p.y[v * p.y_ld + row / 2] = silu(x0) * x1;
          } else {
            store_qkv_pair(p.rk, v, p.row_offset + row, x0, x1);
          }
        }
      }
    }
  }
}

template <GgmlType T, int NV, int R, int U, int MB = kMv2MinBlocks>
__global__ void __launch_bounds__(kMv2MaxThreads, MB) matvec2_kernel(Mv2Params p) {
  static_assert(R % 2 == 0, "row pairs (SwiGLU, RoPE) stay in one warp");
  extern __shared__ int4 mv2_smem[];
  const int nu = static_cast<int>(p.w.cols >> 5);
  int4* s_lo = mv2_smem;
  int4* s_hi = s_lo + NV * nu;
  int2* s_ds = reinterpret_cast<int2*>(s_hi + NV * nu);
  const int lane = threadIdx.x & 31;
  const int warps = blockDim.x >> 5;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * warps;
  int64_t g = static_cast<int64_t>(blockIdx.x) * warps + (threadIdx.x >> 5);
  const int batches = (((nu + 31) >> 5) + U - 1) / U;

  Unit<T> wb[R][U];
  if (g < p.groups) mv2_load<T, R, U>(wb, p.w, g * R, 0, lane, nu);  // weights: before the wait
  pdl_wait_and_release();
  mv2_stage_q8<NV>(p, s_lo, s_hi, s_ds, nu);
  __syncthreads();

  for (; g < p.groups; g += stride) {
    const int64_t row0 = g * R;
    float acc[R][NV];
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
      for (int v = 0; v < NV; v++) acc[r][v] = 0.0f;
    }
    for (int b = 0; b < batches; b++) {
      if (b > 0) mv2_load<T, R, U>(wb, p.w, row0, b, lane, nu);
      mv2_compute<T, NV, R, U>(wb, acc, s_lo, s_hi, s_ds, b, lane, nu, p.nvec);
    }
    if (g + stride < p.groups) mv2_load<T, R, U>(wb, p.w, (g + stride) * R, 0, lane, nu);
    mv2_finish<NV, R>(p, row0, acc, lane);
  }
}

// ---------------------------------------------------------------------------------------------
// Host side

// Multiprocessor count and shared memory per multiprocessor of the current device (cached).
int mv2_device_sms();
int64_t mv2_device_smem_per_sm();
// The dynamic shared memory a launch may use: the default per-block limit (48 KB, which every
// device of compute capability 8.0+ grants without opting in) less headroom for what the driver
// reserves per block. Version 2 never opts in to more: wider launches are split into narrower
// ones (same bits), because opting in with cudaFuncSetAttribute failed with
// cudaErrorInvalidValue on the one launch that needed it.
constexpr int64_t kMv2DefaultSmemLimit = 48 * 1024;
constexpr int64_t kMv2StaticSmemReserve = 4096;
constexpr int64_t kMv2DynamicSmemLimit = kMv2DefaultSmemLimit - kMv2StaticSmemReserve;
// The widest launch (1, 2, 4 or 8 vectors) whose staged activations fit kMv2DynamicSmemLimit;
// 0 when not even one vector fits.
inline int mv2_max_launch_width(int64_t cols) {
  int nv = 8;
  while (nv > 0 && static_cast<int64_t>(mv2_smem_bytes(cols, nv)) > kMv2DynamicSmemLimit) nv /= 2;
  return nv;
}

// One launch of matvec2_kernel<T, NV, R, U, MB> for p.nvec <= NV vectors. The grid: enough warps
// for all groups at `shape`'s occupancy, shrunk so that every warp gets the same number of groups.
template <GgmlType T, int NV, int R, int U, int MB = kMv2MinBlocks>
Status launch_matvec2_kernel(const Mv2Params& params, const Mv2Shape& shape, const LaunchCtx& ctx) {
  Mv2Params p = params;
  p.groups = ceil_div(p.w.rows, R);
  const size_t smem = mv2_smem_bytes(p.w.cols, NV);
  if (p.nvec < 1 || p.nvec > NV || static_cast<int64_t>(smem) > kMv2DynamicSmemLimit || shape.warps < 1 ||
      shape.warps > kMv2MaxThreads / 32 || shape.blocks_per_sm < 1) {
    return Status::Error(StatusCode::Internal, "matvec2: bad launch configuration (" + std::to_string(p.w.cols) +
                                                   " columns, " + std::to_string(NV) + " vectors)");
  }
  // Blocks whose shared memory keeps fewer than shape.blocks_per_sm resident (8 wide vectors)
  // would leave a second partial wave: size the grid for what fits.
  const int64_t fit = mv2_device_smem_per_sm() / (static_cast<int64_t>(smem) + kMv2StaticSmemReserve);
  const int64_t bps = std::max<int64_t>(1, std::min<int64_t>(shape.blocks_per_sm, fit));
  const int64_t max_warps = static_cast<int64_t>(mv2_device_sms()) * bps * shape.warps;
  const int64_t per_warp = ceil_div(p.groups, max_warps);
  const int64_t warps = ceil_div(p.groups, per_warp);
  const dim3 grid(static_cast<unsigned>(ceil_div(warps, shape.warps)));
  return launch_kernel("matvec2_kernel", matvec2_kernel<T, NV, R, U, MB>, grid, dim3(shape.warps * 32), smem, ctx, p);
}

// Version 2 of launch_matvec (matvec2.cu); launch_matvec checks the arguments and dispatches.
Status launch_matvec2(const MatvecArgs& args, const LaunchCtx& ctx);

}  // namespace arb::cuda
