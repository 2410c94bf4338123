// Attention over the fp16 KV cache, fp32 arithmetic, online softmax (running max m, running
// sum l, output rescaled by exp(m_old - m_new) whenever the max grows).
//  - decode: one warp per (row, head, split of the context); the split count depends only on
//    the row's length, and the last warp to finish a (row, head) combines the splits in order,
//    so a row's result is the same whatever else is in the batch. That warp also writes the
//    Block32 q8 form of the head's output when head_dim is a multiple of 32.
//  - decode, version 2 (head_dim 128, the default there): a block of 128 threads per (row, KV
//    head, split slot), the group's query heads together; tiles of 64 positions of K and V
//    staged in shared memory with cp.async (16-byte copies, 256 contiguous bytes per row), the
//    tile's positions that earlier steps wrote fetched before waiting on the previous kernel;
//    two threads per position score it, one thread per dimension accumulates V. Same split
//    rule and in-order combine by the last block as version 1.
//  - prefill: 8 warps = 8 consecutive query tokens of one head share K/V tiles of 32 positions
//    staged in shared memory; lane j scores key j, then every lane accumulates its own output
//    dimensions over the tile.
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace arb::cuda {

namespace {

constexpr int kChunkMin = 64;     // context positions per decode split, at least
constexpr int kMaxSplits = 128;
constexpr int kMaxHeadDim = 256;

__device__ __forceinline__ void split_range(int len, int max_splits, int* chunk, int* n_splits) {
  const int c = max(kChunkMin, (len + max_splits - 1) / max_splits);
  *chunk = c;
  *n_splits = (len + c - 1) / c;
}

// q . k over head_dim, q in shared memory (fp32, pre-scaled), k a row of the fp16 cache.
__device__ __forceinline__ float dot_q_k(const float* q, const __half* k, int hd) {
  float s = 0.0f;
  if ((hd & 7) == 0) {
    const uint4* k4 = reinterpret_cast<const uint4*>(k);
    for (int c = 0; c < hd / 8; c++) {
      const uint4 raw = k4[c];
      const __half2* h = reinterpret_cast<const __half2*>(&raw);
#pragma unroll
      for (int i = 0; i < 4; i++) {
        const float2 f = __half22float2(h[i]);
        s = fmaf(q[8 * c + 2 * i], f.x, s);
        s = fmaf(q[8 * c + 2 * i + 1], f.y, s);
      }
    }
  } else {
    for (int d = 0; d < hd; d++) s = fmaf(q[d], __half2float(k[d]), s);
  }
  return s;
}

// Lane `lane` owns output dimensions lane*DPL .. lane*DPL + DPL - 1 (those below hd).
template <int DPL>
__global__ void __launch_bounds__(32) attn_decode_kernel(AttentionArgs a, const int32_t* pos,
                                                         const int32_t* slot,
                                                         DecodeAttnScratch sc, ActBuf out,
                                                         unsigned forms) {
  __shared__ float qs[kMaxHeadDim];
  const int s = blockIdx.x, h = blockIdx.y, r = blockIdx.z, lane = threadIdx.x;
  const int hd = a.head_dim;
  pdl_wait_and_release();
  const int len = pos[r] + 1;
  const int lo = a.window > 0 ? max(0, len - a.window) : 0;  // first visible position
  int chunk, n_splits;
  split_range(len - lo, sc.max_splits, &chunk, &n_splits);
  if (s >= n_splits) return;
  const int p0 = lo + s * chunk, p1 = min(len, p0 + chunk);
  const int kvh = h / (a.n_head / a.n_kv_head);
  const int64_t head_off = slot[r] * a.slot_stride + kvh * a.n_ctx * hd;
  const __half* K = a.k_cache + head_off;
  const __half* V = a.v_cache + head_off;
  const float scale = a.scale != 0.0f ? a.scale : 1.0f / sqrtf(static_cast<float>(hd));
  for (int d = lane; d < hd; d += 32) qs[d] = a.q[r * a.q_ld + static_cast<int64_t>(h) * hd + d] * scale;
  __syncwarp();

  float m = -INFINITY, l = 0.0f, o[DPL];
#pragma unroll
  for (int i = 0; i < DPL; i++) o[i] = 0.0f;
  const bool vec_v = (hd == 32 * DPL) && (DPL == 4 || DPL == 8);
  for (int t0 = p0; t0 < p1; t0 += 32) {
    const int p = t0 + lane;
    const bool valid = p < p1;
    const float score = valid ? dot_q_k(qs, K + static_cast<int64_t>(p) * hd, hd) : -INFINITY;
    const float m_new = fmaxf(m, warp_max(score));
    const float corr = expf(m - m_new);
    const float pj = valid ? expf(score - m_new) : 0.0f;
    l = l * corr + warp_sum(pj);
#pragma unroll
    for (int i = 0; i < DPL; i++) o[i] *= corr;
    const int n_valid = min(32, p1 - t0);
    for (int j = 0; j < n_valid; j++) {
      const float wj = __shfl_sync(0xffffffffu, pj, j);
      const __half* vr = V + static_cast<int64_t>(t0 + j) * hd + lane * DPL;
      if (vec_v) {
        if constexpr (DPL == 4) {
          const uint2 raw = *reinterpret_cast<const uint2*>(vr);
          const __half2* hv = reinterpret_cast<const __half2*>(&raw);
#pragma unroll
          for (int i = 0; i < 2; i++) {
            const float2 f = __half22float2(hv[i]);
            o[2 * i] = fmaf(wj, f.x, o[2 * i]);
            o[2 * i + 1] = fmaf(wj, f.y, o[2 * i + 1]);
          }
        } else if constexpr (DPL == 8) {
          const uint4 raw = *reinterpret_cast<const uint4*>(vr);
          const __half2* hv = reinterpret_cast<const __half2*>(&raw);
#pragma unroll
          for (int i = 0; i < 4; i++) {
            const float2 f = __half22float2(hv[i]);
            o[2 * i] = fmaf(wj, f.x, o[2 * i]);
            o[2 * i + 1] = fmaf(wj, f.y, o[2 * i + 1]);
          }
        }
      } else {
#pragma unroll
        for (int i = 0; i < DPL; i++) {
          if (lane * DPL + i < hd) o[i] = fmaf(wj, __half2float(vr[i]), o[i]);
        }
      }
    }
    m = m_new;
  }

  // Publish this split, then let the last split of (r, h) combine them all in order.
  float* part = sc.partial + ((static_cast<int64_t>(r) * a.n_head + h) * sc.max_splits) * (hd + 2);
  float* mine = part + static_cast<int64_t>(s) * (hd + 2);
  if (lane == 0) {
    mine[0] = m;
    mine[1] = l;
  }
#pragma unroll
  for (int i = 0; i < DPL; i++) {
    if (lane * DPL + i < hd) mine[2 + lane * DPL + i] = o[i];
  }
  __threadfence();
  __syncwarp();
  int done = 0;
  if (lane == 0) done = atomicAdd(sc.counters + static_cast<int64_t>(r) * a.n_head + h, 1);
  done = __shfl_sync(0xffffffffu, done, 0);
  if (done != n_splits - 1) return;
  __threadfence();

  float big_m = -INFINITY;
  for (int k = 0; k < n_splits; k++) big_m = fmaxf(big_m, __ldcg(part + static_cast<int64_t>(k) * (hd + 2)));
  float denom = 0.0f, acc[DPL];
#pragma unroll
  for (int i = 0; i < DPL; i++) acc[i] = 0.0f;
  for (int k = 0; k < n_splits; k++) {
    const float* pk = part + static_cast<int64_t>(k) * (hd + 2);
    const float f = expf(__ldcg(pk) - big_m);
    denom += __ldcg(pk + 1) * f;
#pragma unroll
    for (int i = 0; i < DPL; i++) {
      if (lane * DPL + i < hd) acc[i] += __ldcg(pk + 2 + lane * DPL + i) * f;
    }
  }
  if (lane == 0) sc.counters[static_cast<int64_t>(r) * a.n_head + h] = 0;  // ready for the next launch
  const float inv = 1.0f / denom;
  float val[DPL];
#pragma unroll
  for (int i = 0; i < DPL; i++) {
    val[i] = acc[i] * inv;
    const int d = lane * DPL + i;
    if (d < hd) {
      const int64_t idx = r * out.ld + static_cast<int64_t>(h) * hd + d;
      if (forms & kF32) out.f32[idx] = val[i];
      if (forms & kF16) out.f16[idx] = __float2half_rn(val[i]);
    }
  }
  // Block32 q8 of the head's output for the wo matvec (head_dim = 32 * DPL: the 32-value block b
  // is lanes b*32/DPL .. (b+1)*32/DPL - 1). Same arithmetic as quantize_block32_warp.
  if ((forms & kQ32) && hd == 32 * DPL) {
    constexpr int kGroup = 32 / DPL;
    float amax = 0.0f;
#pragma unroll
    for (int i = 0; i < DPL; i++) amax = fmaxf(amax, fabsf(val[i]));
#pragma unroll
    for (int o = kGroup / 2; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    const int64_t base = r * out.ld + static_cast<int64_t>(h) * hd + lane * DPL;
    int sum = 0;
#pragma unroll
    for (int i = 0; i < DPL; i++) {
      const int q = __float2int_rn(val[i] * id);
      out.q32.q[base + i] = static_cast<int8_t>(q);
      sum += q;
    }
#pragma unroll
    for (int o = kGroup / 2; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    if (lane % kGroup == 0) {
      const int64_t blk = r * (out.ld / 32) + (static_cast<int64_t>(h) * hd + lane * DPL) / 32;
      out.q32.d[blk] = amax / 127.0f;
      out.q32.s[blk] = sum;
    }
  }
}

// ---- decode, version 2

constexpr int kA2HeadDim = 128;
constexpr int kA2Tile = 64;                    // positions per shared-memory tile
constexpr int kA2Threads = 128;
constexpr int kA2KStride = kA2HeadDim + 8;     // halves per K row in shared memory (conflict-free)
constexpr int kA2MaxSlots = 32;                // blocks per (row, KV head); more splits loop

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
  const uint32_t s = static_cast<uint32_t>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(s), "l"(gmem) : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;" ::: "memory"); }

// Copies the K and V rows of positions t0 + j (j < 64) with lo <= t0 + j < hi into the tiles
// (16 threads per 256-byte row); zero-fills the rows at or past `end` when `zero_tail`.
__device__ __forceinline__ void a2_load_tile(__half* Ks, __half* Vs, const __half* K, const __half* V, int t0, int lo,
                                             int hi, int end, bool zero_tail) {
  for (int i = threadIdx.x; i < 2 * kA2Tile * 16; i += kA2Threads) {
    const bool is_v = i >= kA2Tile * 16;
    const int j = (i >> 4) & (kA2Tile - 1), c = i & 15;
    const int p = t0 + j;
    __half* dst = is_v ? Vs + j * kA2HeadDim + c * 8 : Ks + j * kA2KStride + c * 8;
    if (p >= lo && p < hi) {
      cp_async16(dst, (is_v ? V : K) + static_cast<int64_t>(p) * kA2HeadDim + c * 8);
    } else if (zero_tail && p >= end) {
      *reinterpret_cast<uint4*>(dst) = make_uint4(0u, 0u, 0u, 0u);
    }
  }
}

// The final value of dimension `d` of head h for row r, in the asked forms; the q8 form per warp
// (32 dimensions = one Block32 block) with quantize_block32_warp.
__device__ __forceinline__ void a2_write(const ActBuf& out, unsigned forms, int r, int h, int d, float val) {
  const int64_t idx = r * out.ld + static_cast<int64_t>(h) * kA2HeadDim + d;
  if (forms & kF32) out.f32[idx] = val;
  if (forms & kF16) out.f16[idx] = __float2half_rn(val);
  if (forms & kQ32) {
    quantize_block32_warp(val, out.q32, idx - (d & 31),
                          r * (out.ld / 32) + (static_cast<int64_t>(h) * kA2HeadDim + d) / 32);
  }
}

template <int G>
__global__ void __launch_bounds__(kA2Threads) attn_decode2_kernel(AttentionArgs a, const int32_t* pos,
                                                                  const int32_t* slot, const int32_t* stable,
                                                                  DecodeAttnScratch sc, ActBuf out, unsigned forms) {
  constexpr int HD = kA2HeadDim;
  __shared__ __align__(16) __half Ks[kA2Tile * kA2KStride];
  __shared__ __align__(16) __half Vs[kA2Tile * HD];
  __shared__ __align__(16) float qs[G * HD];
  __shared__ float part[2 * kA2Tile];
  __shared__ float ss[kA2Tile];  // scores, then probabilities
  __shared__ float cm[kMaxSplits], cl[kMaxSplits];  // combine: every split's max and sum
  __shared__ int last_s;
  const int kvh = blockIdx.x, r = blockIdx.y, tid = threadIdx.x;
  // pos, slot and stable were uploaded before the step: readable before the wait.
  const int len = pos[r] + 1;
  const int lo = a.window > 0 ? max(0, len - a.window) : 0;  // first visible position
  int chunk, n_splits;
  split_range(len - lo, sc.max_splits, &chunk, &n_splits);
  const int first = blockIdx.z;
  if (first >= n_splits) return;
  const int64_t head_off = slot[r] * a.slot_stride + kvh * a.n_ctx * HD;
  const __half* K = a.k_cache + head_off;
  const __half* V = a.v_cache + head_off;
  const int fresh = stable ? min(stable[r], len) : 0;  // positions below were written by earlier steps
  {
    const int p0 = lo + first * chunk, p1 = min(len, p0 + chunk);
    a2_load_tile(Ks, Vs, K, V, p0, p0, min(p1, fresh), p1, false);
    cp_async_commit();
  }
  pdl_wait_and_release();
  const float scale = a.scale != 0.0f ? a.scale : 1.0f / sqrtf(static_cast<float>(HD));
  for (int i = tid; i < G * HD; i += kA2Threads) {
    qs[i] = a.q[r * a.q_ld + static_cast<int64_t>(kvh * G) * HD + i] * scale;
  }

  for (int sp = first; sp < n_splits; sp += gridDim.z) {
    const int p0 = lo + sp * chunk, p1 = min(len, p0 + chunk);
    float m[G], l[G], o[G];
#pragma unroll
    for (int g = 0; g < G; g++) {
      m[g] = -INFINITY;
      l[g] = 0.0f;
      o[g] = 0.0f;
    }
    for (int t0 = p0; t0 < p1; t0 += kA2Tile) {
      const int n = min(kA2Tile, p1 - t0);
      if (sp == first && t0 == p0) {
        a2_load_tile(Ks, Vs, K, V, t0, max(t0, fresh), p1, t0 + n, true);  // the rest of the first tile
      } else {
        __syncthreads();  // the previous tile is consumed
        a2_load_tile(Ks, Vs, K, V, t0, t0, p1, t0 + n, true);
      }
      cp_async_commit();
      cp_async_wait_all();
      __syncthreads();
#pragma unroll
      for (int g = 0; g < G; g++) {
        {  // score of position j: threads j (dims 0..63) and j + 64 (dims 64..127)
          const int j = tid & (kA2Tile - 1), half = tid >> 6;
          const __half* kr = Ks + j * kA2KStride + half * 64;
          const float* q = qs + g * HD + half * 64;
          float acc = 0.0f;
#pragma unroll
          for (int c = 0; c < 8; c++) {
            const uint4 raw = *reinterpret_cast<const uint4*>(kr + c * 8);
            const __half2* h2 = reinterpret_cast<const __half2*>(&raw);
            const float4 qa = *reinterpret_cast<const float4*>(q + c * 8);
            const float4 qb = *reinterpret_cast<const float4*>(q + c * 8 + 4);
            const float2 f0 = __half22float2(h2[0]), f1 = __half22float2(h2[1]);
            const float2 f2 = __half22float2(h2[2]), f3 = __half22float2(h2[3]);
            acc = fmaf(qa.x, f0.x, acc);
            acc = fmaf(qa.y, f0.y, acc);
            acc = fmaf(qa.z, f1.x, acc);
            acc = fmaf(qa.w, f1.y, acc);
            acc = fmaf(qb.x, f2.x, acc);
            acc = fmaf(qb.y, f2.y, acc);
            acc = fmaf(qb.z, f3.x, acc);
            acc = fmaf(qb.w, f3.y, acc);
          }
          part[half * kA2Tile + j] = acc;
        }
        __syncthreads();
        if (tid < kA2Tile) ss[tid] = tid < n ? part[tid] + part[kA2Tile + tid] : -INFINITY;
        __syncthreads();
        float mt = -INFINITY;
#pragma unroll 8
        for (int j = 0; j < kA2Tile; j++) mt = fmaxf(mt, ss[j]);
        const float m_new = fmaxf(m[g], mt);
        const float corr = expf(m[g] - m_new);
        __syncthreads();  // every thread has read the scores
        if (tid < kA2Tile) ss[tid] = tid < n ? expf(ss[tid] - m_new) : 0.0f;
        __syncthreads();
        float psum = 0.0f, acc = o[g] * corr;
#pragma unroll 16
        for (int j = 0; j < kA2Tile; j++) {  // rows past n: probability 0, V zero-filled
          const float pj = ss[j];
          psum += pj;
          acc = fmaf(pj, __half2float(Vs[j * HD + tid]), acc);
        }
        l[g] = l[g] * corr + psum;
        o[g] = acc;
        m[g] = m_new;
      }
    }

    if (n_splits == 1) {
#pragma unroll
      for (int g = 0; g < G; g++) a2_write(out, forms, r, kvh * G + g, tid, o[g] * (1.0f / l[g]));
      return;
    }
    // Publish this split; the last block of (row, KV head) to finish combines all in order.
#pragma unroll
    for (int g = 0; g < G; g++) {
      float* mine = sc.partial + ((static_cast<int64_t>(r) * a.n_head + kvh * G + g) * sc.max_splits + sp) * (HD + 2);
      if (tid == 0) {
        mine[0] = m[g];
        mine[1] = l[g];
      }
      mine[2 + tid] = o[g];
    }
    __threadfence();
    __syncthreads();
    int32_t* counter = sc.counters + static_cast<int64_t>(r) * a.n_head + kvh * G;
    if (tid == 0) last_s = atomicAdd(counter, 1) == n_splits - 1;
    __syncthreads();
    if (!last_s) continue;
    __threadfence();
    // In order over the splits: M = max m_k, out = sum o_k e^(m_k - M) / sum l_k e^(m_k - M).
    // Thread k < n_splits fetches split k's (m, l) into shared memory; the o_k are fetched 8 at
    // a time, so a few L2 round trips cover any split count.
#pragma unroll
    for (int g = 0; g < G; g++) {
      const int h = kvh * G + g;
      const float* pp = sc.partial + (static_cast<int64_t>(r) * a.n_head + h) * sc.max_splits * (HD + 2);
      __syncthreads();  // the previous head's cm/cl are consumed
      if (tid < n_splits) {
        cm[tid] = __ldcg(pp + static_cast<int64_t>(tid) * (HD + 2));
        cl[tid] = __ldcg(pp + static_cast<int64_t>(tid) * (HD + 2) + 1);
      }
      __syncthreads();
      float big_m = -INFINITY;
      for (int k = 0; k < n_splits; k++) big_m = fmaxf(big_m, cm[k]);
      float denom = 0.0f, acc = 0.0f;
      for (int k0 = 0; k0 < n_splits; k0 += 8) {
        float ov[8];
#pragma unroll
        for (int i = 0; i < 8; i++) {
          ov[i] = k0 + i < n_splits ? __ldcg(pp + static_cast<int64_t>(k0 + i) * (HD + 2) + 2 + tid) : 0.0f;
        }
#pragma unroll
        for (int i = 0; i < 8; i++) {
          if (k0 + i < n_splits) {
            const float f = expf(cm[k0 + i] - big_m);
            denom += cl[k0 + i] * f;
            acc += ov[i] * f;
          }
        }
      }
      a2_write(out, forms, r, h, tid, acc * (1.0f / denom));
    }
    if (tid == 0) *counter = 0;  // ready for the next launch
  }
}

constexpr int kPrefillWarps = 8;
constexpr int kKvTile = 32;

__host__ __device__ inline size_t prefill_smem_bytes(int hd) {
  return sizeof(float) * (static_cast<size_t>(kPrefillWarps) * hd + 2ull * kKvTile * (hd + 1));
}

// Lane owns dimensions lane, lane + 32, ... (conflict-free shared-memory reads of V).
__global__ void __launch_bounds__(kPrefillWarps * 32) attn_prefill_kernel(AttentionArgs a,
                                                                          const PrefillTile* tiles,
                                                                          float* out, int64_t out_ld) {
  extern __shared__ float smem[];
  const int hd = a.head_dim, ks = hd + 1;  // odd stride: lanes reading key rows hit distinct banks
  float* qsm = smem;
  float* Ks = qsm + kPrefillWarps * hd;
  float* Vs = Ks + kKvTile * ks;
  const int h = blockIdx.y, tid = threadIdx.x, lane = tid & 31, w = tid >> 5;
  pdl_wait_and_release();
  const PrefillTile t = tiles[blockIdx.x];
  const int kvh = h / (a.n_head / a.n_kv_head);
  const int64_t head_off = t.slot * a.slot_stride + kvh * a.n_ctx * hd;
  const __half* K = a.k_cache + head_off;
  const __half* V = a.v_cache + head_off;
  const float scale = a.scale != 0.0f ? a.scale : 1.0f / sqrtf(static_cast<float>(hd));
  const bool active = w < t.n;
  const int my_pos = t.pos0 + w;
  if (active) {
    for (int d = lane; d < hd; d += 32) {
      qsm[w * hd + d] = a.q[static_cast<int64_t>(t.row0 + w) * a.q_ld + static_cast<int64_t>(h) * hd + d] * scale;
    }
  }
  float m = -INFINITY, l = 0.0f, o[kMaxHeadDim / 32];
#pragma unroll
  for (int i = 0; i < kMaxHeadDim / 32; i++) o[i] = 0.0f;
  const int kv_end = t.pos0 + t.n;  // positions [kv_begin, kv_end) are needed by some warp
  const int kv_begin = a.window > 0 ? max(0, t.pos0 + 1 - a.window) : 0;
  for (int t0 = kv_begin; t0 < kv_end; t0 += kKvTile) {
    const int n_rows = min(kKvTile, kv_end - t0);
    __syncthreads();  // the previous tile is consumed (and q is staged)
    for (int e = tid; e < n_rows * hd; e += kPrefillWarps * 32) {
      const int j = e / hd, d = e % hd;
      Ks[j * ks + d] = __half2float(K[static_cast<int64_t>(t0 + j) * hd + d]);
      Vs[j * ks + d] = __half2float(V[static_cast<int64_t>(t0 + j) * hd + d]);
    }
    __syncthreads();
    if (!active || t0 > my_pos) continue;
    const int p = t0 + lane;
    const bool valid = lane < n_rows && p <= my_pos && (a.window == 0 || p > my_pos - a.window);
    float score = -INFINITY;
    if (valid) {
      float s = 0.0f;
      for (int d = 0; d < hd; d++) s = fmaf(qsm[w * hd + d], Ks[lane * ks + d], s);
      score = s;
    }
    const float m_new = fmaxf(m, warp_max(score));
    if (m_new == -INFINITY) continue;  // a window that starts past this tile for this warp
    const float corr = expf(m - m_new);
    const float pj = valid ? expf(score - m_new) : 0.0f;
    l = l * corr + warp_sum(pj);
#pragma unroll
    for (int i = 0; i < kMaxHeadDim / 32; i++) o[i] *= corr;
    const int n_valid = min(n_rows, my_pos - t0 + 1);
    for (int j = 0; j < n_valid; j++) {
      const float wj = __shfl_sync(0xffffffffu, pj, j);
#pragma unroll
      for (int i = 0; i < kMaxHeadDim / 32; i++) {
        const int d = lane + 32 * i;
        if (d < hd) o[i] = fmaf(wj, Vs[j * ks + d], o[i]);
      }
    }
    m = m_new;
  }
  if (!active) return;
  const float inv = 1.0f / l;
#pragma unroll
  for (int i = 0; i < kMaxHeadDim / 32; i++) {
    const int d = lane + 32 * i;
    if (d < hd) {
      out[static_cast<int64_t>(t.row0 + w) * out_ld + static_cast<int64_t>(h) * hd + d] = o[i] * inv;
    }
  }
}

}  // namespace

int attention_max_splits(int64_t n_ctx) {
  const int64_t s = ceil_div(n_ctx, kChunkMin);
  return static_cast<int>(s < 1 ? 1 : (s > kMaxSplits ? kMaxSplits : s));
}

bool attention_decode2_supports(int head_dim, int n_head, int n_kv_head) {
  if (head_dim != kA2HeadDim || n_kv_head <= 0 || n_head % n_kv_head != 0) return false;
  const int g = n_head / n_kv_head;
  return g == 1 || g == 2 || g == 4 || g == 8;
}

Status launch_attention_decode(const AttentionArgs& args, const int32_t* pos, const int32_t* slot,
                               const int32_t* stable, int rows, const DecodeAttnScratch& scratch,
                               const ActBuf& out, unsigned forms, const LaunchCtx& ctx) {
  if (args.head_dim > kMaxHeadDim || args.head_dim <= 0) {
    return Status::Error(StatusCode::Unsupported, "CUDA attention supports head sizes up to 256");
  }
  if ((forms & (kQ256 | ((args.head_dim % 32 != 0) ? kQ32 : 0u))) || ((forms & kQ32) && !out.q32.q) ||
      ((forms & kF32) && !out.f32) || ((forms & kF16) && !out.f16)) {
    return Status::Error(StatusCode::Internal, "attention decode: output form not available");
  }
  const bool v2 = args.impl != 1 && attention_decode2_supports(args.head_dim, args.n_head, args.n_kv_head) &&
                  scratch.max_splits <= kA2Threads;  // the combine fetches one split per thread
  if (args.impl == 2 && !v2) {
    return Status::Error(StatusCode::Internal, "attention decode: version 2 does not run this head shape");
  }
  if (v2) {
    const dim3 grid2(static_cast<unsigned>(args.n_kv_head), static_cast<unsigned>(rows),
                     static_cast<unsigned>(std::min(scratch.max_splits, kA2MaxSlots)));
    switch (args.n_head / args.n_kv_head) {
#define ARB_A2_CASE(G)                                                                                             \
  case G:                                                                                                          \
    return launch_kernel("attn_decode2_kernel", attn_decode2_kernel<G>, grid2, dim3(kA2Threads), 0, ctx, args, pos, \
                         slot, stable, scratch, out, forms);
      ARB_A2_CASE(1)
      ARB_A2_CASE(2)
      ARB_A2_CASE(4)
      ARB_A2_CASE(8)
#undef ARB_A2_CASE
      default: break;
    }
  }
  const dim3 grid(static_cast<unsigned>(scratch.max_splits), static_cast<unsigned>(args.n_head),
                  static_cast<unsigned>(rows));
  const int dpl = (args.head_dim + 31) / 32;
  if (dpl <= 1) {
    return launch_kernel("attn_decode_kernel", attn_decode_kernel<1>, grid, dim3(32), 0, ctx, args,
                         pos, slot, scratch, out, forms);
  }
  if (dpl <= 2) {
    return launch_kernel("attn_decode_kernel", attn_decode_kernel<2>, grid, dim3(32), 0, ctx, args,
                         pos, slot, scratch, out, forms);
  }
  if (dpl <= 4) {
    return launch_kernel("attn_decode_kernel", attn_decode_kernel<4>, grid, dim3(32), 0, ctx, args,
                         pos, slot, scratch, out, forms);
  }
  return launch_kernel("attn_decode_kernel", attn_decode_kernel<8>, grid, dim3(32), 0, ctx, args,
                       pos, slot, scratch, out, forms);
}

Status prepare_attention_prefill(int head_dim) {
  if (head_dim > kMaxHeadDim || head_dim <= 0) {
    return Status::Error(StatusCode::Unsupported, "CUDA attention supports head sizes up to 256");
  }
  ARB_CUDA_RETURN(cudaFuncSetAttribute(attn_prefill_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(prefill_smem_bytes(kMaxHeadDim))));
  return Status::Ok();
}

Status launch_attention_prefill(const AttentionArgs& args, const PrefillTile* tiles, int n_tiles,
                                float* out, int64_t out_ld, const LaunchCtx& ctx) {
  const dim3 grid(static_cast<unsigned>(n_tiles), static_cast<unsigned>(args.n_head));
  return launch_kernel("attn_prefill_kernel", attn_prefill_kernel, grid, dim3(kPrefillWarps * 32),
                       prefill_smem_bytes(args.head_dim), ctx, args, tiles, out, out_ld);
}

}  // namespace arb::cuda
