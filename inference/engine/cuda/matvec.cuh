// Decode matrix-vector kernels: each block owns ROWS consecutive weight rows and streams them
// once, multiplying every 32-value unit with all NV activation rows (NV <= 8) before moving
// on, so the weights are read once per step for the whole batch. Quantized weights: integer
// dot products (dp4a) with q8 activations, as the CPU path computes; float weights: fp32 FMA.
// Each thread keeps per-(row, vector) partial sums over the units it owns; a fixed-order
// reduction (warp butterfly, then warps in order) makes each result independent of NV.
// Templates live here so the GPU test can instantiate other block shapes for tuning.
#pragma once
#include "kernels.h"
#include "quant_types.cuh"

namespace arb::cuda {

struct MvParams {
  DevMatrix w;
  int nvec;
  const int8_t* aq;
  const float* ad;
  const int32_t* as;
  const float* af;
  int64_t a_ld;
  int epi;
  float* y;
  int64_t y_ld;
  int64_t row_offset;
  RopeKvArgs rk;  // pos, slot and q already offset to this launch's first vector
};

__device__ __forceinline__ void rotate_pair(const float2* cs, int rope_dim, int pos, int d,
                                            float* x0, float* x1) {
  if (d < rope_dim) {
    const float2 c = cs[static_cast<int64_t>(pos) * (rope_dim / 2) + d / 2];
    const float a = *x0, b = *x1;
    *x0 = a * c.x - b * c.y;
    *x1 = a * c.y + b * c.x;
  }
}

// Element pair (grow, grow + 1) of row v of q|k|v (grow even, both in one head).
__device__ __forceinline__ void store_qkv_pair(const RopeKvArgs& a, int v, int64_t grow, float x0,
                                               float x1) {
  const int pos = a.pos[v];
  if (grow < a.n_q) {
    rotate_pair(a.cs, a.rope_dim, pos, static_cast<int>(grow % a.head_dim), &x0, &x1);
    float* q = a.q + v * a.q_ld + grow;
    q[0] = x0;
    q[1] = x1;
    return;
  }
  const bool is_k = grow < a.n_q + a.n_kv;
  const int64_t c = is_k ? grow - a.n_q : grow - a.n_q - a.n_kv;
  const int64_t kvh = c / a.head_dim;
  const int d = static_cast<int>(c % a.head_dim);
  if (is_k) rotate_pair(a.cs, a.rope_dim, pos, d, &x0, &x1);
  __half* dst = (is_k ? a.k_cache : a.v_cache) + a.slot[v] * a.slot_stride +
                (kvh * a.n_ctx + pos) * a.head_dim + d;
  dst[0] = __float2half_rn(x0);
  dst[1] = __float2half_rn(x1);
}

template <int NV, int ROWS>
__device__ __forceinline__ void mv_epilogue(const MvParams& p, int64_t row0,
                                            const float (&fin)[ROWS][NV]) {
  const int tid = threadIdx.x;
  if (p.epi == static_cast<int>(Epilogue::Store) || p.epi == static_cast<int>(Epilogue::Add)) {
    if (tid < ROWS * NV) {
      const int r = tid / NV, v = tid % NV;
      const int64_t row = row0 + r;
      if (row < p.w.rows && v < p.nvec) {
        float* y = p.y + v * p.y_ld + row;
        if (p.epi == static_cast<int>(Epilogue::Store)) {
          *y = fin[r][v];
        } else {
          *y += fin[r][v];
        }
      }
    }
  } else if (tid < (ROWS / 2) * NV) {
    const int pr = tid / NV, v = tid % NV;
    const int64_t row = row0 + 2 * pr;  // rows come in pairs: the matrix has an even count
    if (row < p.w.rows && v < p.nvec) {
      const float x0 = fin[2 * pr][v], x1 = fin[2 * pr + 1][v];
      if (p.epi == static_cast<int>(Epilogue::SwiGlu)) {
        p.y[v * p.y_ld + row / 2] = silu(x0) * x1;
      } else {
        store_qkv_pair(p.rk, v, p.row_offset + row, x0, x1);
      }
    }
  }
}

template <int NV, int ROWS, int THREADS>
__device__ __forceinline__ void mv_reduce_and_finish(const MvParams& p, int64_t row0,
                                                     float (&acc)[ROWS][NV]) {
  __shared__ float red[THREADS / 32][ROWS][NV];
  __shared__ float fin[ROWS][NV];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
#pragma unroll
  for (int r = 0; r < ROWS; r++) {
#pragma unroll
    for (int v = 0; v < NV; v++) {
      const float s = warp_sum(acc[r][v]);
      if (lane == 0) red[warp][r][v] = s;
    }
  }
  __syncthreads();
  if (tid < ROWS * NV) {
    const int r = tid / NV, v = tid % NV;
    float s = 0.0f;
#pragma unroll
    for (int w = 0; w < THREADS / 32; w++) s += red[w][r][v];
    fin[r][v] = s;
  }
  __syncthreads();
  mv_epilogue<NV, ROWS>(p, row0, fin);
}

template <GgmlType T, int ROWS>
__device__ __forceinline__ void load_units(Unit<T> (&un)[ROWS], const DevMatrix& w, int64_t row0,
                                           int64_t u) {
#pragma unroll
  for (int r = 0; r < ROWS; r++) {
    if (row0 + r < w.rows) un[r].load(w, row0 + r, u);
  }
}

// Quantized weights. Each thread owns units tid, tid + THREADS, ...; the next unit's weights are
// loaded before the current one is used, and the first before waiting on the previous kernel.
template <GgmlType T, int NV, int ROWS, int THREADS>
__global__ void __launch_bounds__(THREADS) matvec_q_kernel(MvParams p) {
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * ROWS;
  const int64_t units = p.w.cols / 32;
  const int64_t ld32 = p.a_ld / 32;
  float acc[ROWS][NV];
#pragma unroll
  for (int r = 0; r < ROWS; r++) {
#pragma unroll
    for (int v = 0; v < NV; v++) acc[r][v] = 0.0f;
  }
  int64_t u = threadIdx.x;
  Unit<T> cur[ROWS];
  if (u < units) load_units<T, ROWS>(cur, p.w, row0, u);
  pdl_wait_and_release();
  while (u < units) {
    const int64_t un = u + THREADS;
    Unit<T> nxt[ROWS];
    if (un < units) load_units<T, ROWS>(nxt, p.w, row0, un);
#pragma unroll
    for (int v = 0; v < NV; v++) {
      if (v < p.nvec) {
        const int4* aq = reinterpret_cast<const int4*>(p.aq + v * p.a_ld + u * 32);
        const int4 a_lo = __ldg(aq), a_hi = __ldg(aq + 1);
        const float da = __ldg(p.ad + v * ld32 + u);
        const int sa = __ldg(p.as + v * ld32 + u);
#pragma unroll
        for (int r = 0; r < ROWS; r++) acc[r][v] += cur[r].dot_q8(a_lo, a_hi, da, sa);
      }
    }
#pragma unroll
    for (int r = 0; r < ROWS; r++) cur[r] = nxt[r];
    u = un;
  }
  mv_reduce_and_finish<NV, ROWS, THREADS>(p, row0, acc);
}

// 8 consecutive weights of a float-type row as fp32.
template <GgmlType T>
__device__ __forceinline__ void load8_float(const DevMatrix& w, int64_t row, int64_t c8,
                                            float (&out)[8]) {
  const uint8_t* base = w.q + row * w.q_row_bytes;
  if constexpr (T == GgmlType::F32) {
    const float4 a = __ldg(reinterpret_cast<const float4*>(base) + 2 * c8);
    const float4 b = __ldg(reinterpret_cast<const float4*>(base) + 2 * c8 + 1);
    out[0] = a.x; out[1] = a.y; out[2] = a.z; out[3] = a.w;
    out[4] = b.x; out[5] = b.y; out[6] = b.z; out[7] = b.w;
  } else {
    const uint4 raw = __ldg(reinterpret_cast<const uint4*>(base) + c8);
#pragma unroll
    for (int i = 0; i < 4; i++) {
      const uint32_t word = uword_of(raw, i);
      if constexpr (T == GgmlType::F16) {
        out[2 * i] = __half2float(__ushort_as_half(static_cast<unsigned short>(word & 0xffff)));
        out[2 * i + 1] = __half2float(__ushort_as_half(static_cast<unsigned short>(word >> 16)));
      } else {
        out[2 * i] = __uint_as_float(word << 16);
        out[2 * i + 1] = __uint_as_float(word & 0xffff0000u);
      }
    }
  }
}

// Float weights with fp32 activations, 8 columns per step (rows are zero-padded to 32).
template <GgmlType T, int NV, int ROWS, int THREADS>
__global__ void __launch_bounds__(THREADS) matvec_f_kernel(MvParams p) {
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * ROWS;
  const int64_t c8s = p.w.row_elems / 8;
  float acc[ROWS][NV];
#pragma unroll
  for (int r = 0; r < ROWS; r++) {
#pragma unroll
    for (int v = 0; v < NV; v++) acc[r][v] = 0.0f;
  }
  pdl_wait_and_release();
  for (int64_t c8 = threadIdx.x; c8 < c8s; c8 += THREADS) {
    float wv[ROWS][8];
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
      if (row0 + r < p.w.rows) {
        load8_float<T>(p.w, row0 + r, c8, wv[r]);
      } else {
#pragma unroll
        for (int i = 0; i < 8; i++) wv[r][i] = 0.0f;
      }
    }
#pragma unroll
    for (int v = 0; v < NV; v++) {
      if (v < p.nvec) {
        const float4* af = reinterpret_cast<const float4*>(p.af + v * p.a_ld) + 2 * c8;
        const float4 a = __ldg(af), b = __ldg(af + 1);
        const float x[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
#pragma unroll
        for (int r = 0; r < ROWS; r++) {
          float s = acc[r][v];
#pragma unroll
          for (int i = 0; i < 8; i++) s = fmaf(wv[r][i], x[i], s);
          acc[r][v] = s;
        }
      }
    }
  }
  mv_reduce_and_finish<NV, ROWS, THREADS>(p, row0, acc);
}

}  // namespace arb::cuda
