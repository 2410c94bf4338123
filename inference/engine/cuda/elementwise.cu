// Small kernels around the matrix products: embedding lookup, RMSNorm + activation
// quantization, SwiGLU, RoPE + KV store, row gather and KV prefix copy.
#include <algorithm>

#include "kernels.h"
#include "matvec.cuh"
#include "quant_types.cuh"

namespace arb::cuda {

namespace {

__global__ void embed_kernel(DevMatrix tok, const int32_t* tokens, float* x, int64_t ldx) {
  pdl_wait_and_release();
  const int r = blockIdx.y;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < tok.cols) x[r * ldx + i] = dequant_elem(tok, tokens[r], i);
}

// One block per row. The sum of squares is accumulated in double like the CPU path and
// reduced in a fixed order (per thread, warp butterfly, warps in order), so a row's result
// never depends on the other rows.
template <bool kNorm>
__global__ void __launch_bounds__(256) norm_quant_kernel(const float* x, int64_t ldx, const float* w,
                                                         float eps, ActBuf out, unsigned forms) {
  __shared__ double warp_sums[8];
  __shared__ float row_scale;
  pdl_wait_and_release();
  const int64_t row = blockIdx.x;
  const float* xr = x + row * ldx;
  const int64_t n = out.k;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  float scale = 1.0f;
  if (kNorm) {
    double s = 0.0;
    for (int64_t i = tid; i < n; i += 256) s += static_cast<double>(xr[i]) * xr[i];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) warp_sums[warp] = s;
    __syncthreads();
    if (tid == 0) {
      double t = 0.0;
      for (int k = 0; k < 8; k++) t += warp_sums[k];
      const float mean = static_cast<float>(t / static_cast<double>(n));
      row_scale = 1.0f / sqrtf(mean + eps);
    }
    __syncthreads();
    scale = row_scale;
  }
  auto value = [&](int64_t i) { return kNorm ? xr[i] * scale * w[i] : xr[i]; };
  if (forms & (kF32 | kF16)) {
    for (int64_t i = tid; i < n; i += 256) {
      const float v = value(i);
      if (forms & kF32) out.f32[row * out.ld + i] = v;
      if (forms & kF16) out.f16[row * out.ld + i] = __float2half_rn(v);
    }
  }
  if (forms & kQ32) {
    for (int64_t b = warp; b < n / 32; b += 8) {
      quantize_block32_warp(value(b * 32 + lane), out.q32, row * out.ld + b * 32,
                            row * (out.ld / 32) + b);
    }
  }
  if (forms & kQ256) {
    for (int64_t sb = warp; sb < n / 256; sb += 8) {
      float v[8];
#pragma unroll
      for (int i = 0; i < 8; i++) v[i] = value(sb * 256 + lane * 8 + i);
      quantize_super256_warp(v, out.q256, row * out.ld + sb * 256, row * (out.ld / 32) + sb * 8);
    }
  }
}

// The same job for the common case (no Super256 form, k a multiple of 4): 1024 threads, four
// values each per step, the 8 threads of a 32-value block quantizing it together with shuffles.
// Same arithmetic as norm_quant_kernel and quantize_block32_warp, so the same bits.
template <bool kNorm>
__global__ void __launch_bounds__(1024) norm_quant4_kernel(const float* x, int64_t ldx, const float* w,
                                                           float eps, ActBuf out, unsigned forms) {
  __shared__ double warp_sums[32];
  __shared__ float row_scale;
  pdl_wait_and_release();
  const int64_t row = blockIdx.x;
  const float4* xr = reinterpret_cast<const float4*>(x + row * ldx);
  const float4* w4 = reinterpret_cast<const float4*>(w);
  const int64_t chunks = out.k / 4;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, nwarps = blockDim.x >> 5;
  float scale = 1.0f;
  if (kNorm) {
    double s = 0.0;
    for (int64_t c = tid; c < chunks; c += blockDim.x) {
      const float4 v = xr[c];
      s += static_cast<double>(v.x) * v.x;
      s += static_cast<double>(v.y) * v.y;
      s += static_cast<double>(v.z) * v.z;
      s += static_cast<double>(v.w) * v.w;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) warp_sums[warp] = s;
    __syncthreads();
    if (tid == 0) {
      double t = 0.0;
      for (int k = 0; k < nwarps; k++) t += warp_sums[k];
      const float mean = static_cast<float>(t / static_cast<double>(out.k));
      row_scale = 1.0f / sqrtf(mean + eps);
    }
    __syncthreads();
    scale = row_scale;
  }
  // Whole warps iterate together (shuffles need every lane); a 32-value block is 8 lanes, all
  // active or all idle since k is a multiple of 32 whenever kQ32 is asked for.
  for (int64_t c0 = static_cast<int64_t>(warp) * 32; c0 < chunks; c0 += static_cast<int64_t>(nwarps) * 32) {
    const int64_t c = c0 + lane;
    const bool active = c < chunks;
    float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (active) {
      const float4 xv = xr[c];
      v[0] = xv.x; v[1] = xv.y; v[2] = xv.z; v[3] = xv.w;
      if (kNorm) {
        const float4 wv = w4[c];
        v[0] = v[0] * scale * wv.x;
        v[1] = v[1] * scale * wv.y;
        v[2] = v[2] * scale * wv.z;
        v[3] = v[3] * scale * wv.w;
      }
      if (forms & kF32) *reinterpret_cast<float4*>(out.f32 + row * out.ld + 4 * c) = make_float4(v[0], v[1], v[2], v[3]);
      if (forms & kF16) {
        __half2* h = reinterpret_cast<__half2*>(out.f16 + row * out.ld + 4 * c);
        h[0] = __floats2half2_rn(v[0], v[1]);
        h[1] = __floats2half2_rn(v[2], v[3]);
      }
    }
    if (forms & kQ32) {
      float amax = fmaxf(fmaxf(fabsf(v[0]), fabsf(v[1])), fmaxf(fabsf(v[2]), fabsf(v[3])));
#pragma unroll
      for (int o = 4; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
      const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
      int q[4], sum = 0;
#pragma unroll
      for (int i = 0; i < 4; i++) {
        q[i] = __float2int_rn(v[i] * id);
        sum += q[i];
      }
#pragma unroll
      for (int o = 4; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
      if (active) {
        const uint32_t packed = (static_cast<uint32_t>(q[0]) & 0xff) | ((static_cast<uint32_t>(q[1]) & 0xff) << 8) |
                                ((static_cast<uint32_t>(q[2]) & 0xff) << 16) | ((static_cast<uint32_t>(q[3]) & 0xff) << 24);
        *reinterpret_cast<uint32_t*>(out.q32.q + row * out.ld + 4 * c) = packed;
        if ((lane & 7) == 0) {
          const int64_t blk = row * (out.ld / 32) + c / 8;
          out.q32.d[blk] = amax / 127.0f;
          out.q32.s[blk] = sum;
        }
      }
    }
  }
}

// GELU (tanh form) as the CPU path's binary16 table: 0 below -10, x above 10, else computed on
// the binary16 rounding of x and rounded to binary16.
__device__ __forceinline__ float gelu_tanh_fp16(float x) {
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  const float h = __half2float(__float2half_rn(x));
  const float g = 0.5f * h * (1.0f + tanhf(0.79788456080286535587989211986876f * h * (1.0f + 0.044715f * h * h)));
  return __half2float(__float2half_rn(g));
}

__global__ void swiglu_kernel(const float* g, const float* u, int64_t ld_in, ActBuf out,
                              unsigned forms, bool gelu) {
  pdl_wait_and_release();
  const int64_t r = blockIdx.y;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= out.k) return;
  const float gi = g[r * ld_in + i];
  const float h = (gelu ? gelu_tanh_fp16(gi) : silu(gi)) * u[r * ld_in + i];
  if (forms & kF32) out.f32[r * out.ld + i] = h;
  if (forms & kF16) out.f16[r * out.ld + i] = __float2half_rn(h);
}

// One thread per column of q|k|v; RoPE reads both elements of a pair and writes its own, into
// the q buffer or the cache (never in place).
__global__ void rope_store_kernel(const float* qkv, int64_t ld, RopeKvArgs a) {
  pdl_wait_and_release();
  const int r = blockIdx.y;
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= a.n_q + 2 * a.n_kv) return;
  const float* row = qkv + r * ld;
  const int pos = a.pos[r];
  const bool is_q = c < a.n_q, is_k = !is_q && c < a.n_q + a.n_kv;
  const int64_t cc = is_q ? c : (is_k ? c - a.n_q : c - a.n_q - a.n_kv);
  const int d = static_cast<int>(cc % a.head_dim);
  float val = row[c];
  if ((is_q || is_k) && d < a.rope_dim && a.neox) {
    const int half = a.rope_dim / 2, i = d < half ? d : d - half;
    const int64_t base = c - d + i;
    float x0 = row[base], x1 = row[base + half];
    rotate_pair(a.cs, a.rope_dim, pos, 2 * i, &x0, &x1);
    val = d < half ? x0 : x1;
  } else if ((is_q || is_k) && d < a.rope_dim) {
    const int64_t base = c - (d & 1);
    float x0 = row[base], x1 = row[base + 1];
    rotate_pair(a.cs, a.rope_dim, pos, d - (d & 1), &x0, &x1);
    val = (d & 1) ? x1 : x0;
  }
  if (is_q) {
    a.q[r * a.q_ld + c] = val;
    return;
  }
  const int64_t kvh = cc / a.head_dim;
  __half* dst = (is_k ? a.k_cache : a.v_cache) + a.slot[r] * a.slot_stride +
                (kvh * a.n_ctx + pos) * a.head_dim + d;
  *dst = __float2half_rn(val);
}

// One warp per (row, head of q|k|v): biases, then the head's RMSNorm (sum of squares in double,
// as the CPU path).
__global__ void __launch_bounds__(32) qkv_prep_kernel(float* qkv, int64_t ld, QkvPrepArgs a) {
  pdl_wait_and_release();
  const int head = blockIdx.x, r = blockIdx.y, lane = threadIdx.x, hd = a.head_dim;
  const bool is_q = head < a.n_head, is_k = !is_q && head < a.n_head + a.n_head_kv;
  const float* bias = is_q ? a.bq : (is_k ? a.bk : a.bv);
  const float* norm = is_q ? a.q_norm : (is_k ? a.k_norm : nullptr);
  const int64_t first = static_cast<int64_t>(head) * hd;  // column in q|k|v
  const int64_t in_part = is_q ? first : (is_k ? first - static_cast<int64_t>(a.n_head) * hd
                                                : first - static_cast<int64_t>(a.n_head + a.n_head_kv) * hd);
  float* v = qkv + r * ld + first;
  if (bias) {
    for (int d = lane; d < hd; d += 32) v[d] += bias[in_part + d];
    __syncwarp();
  }
  if (!norm) return;
  double s = 0.0;
  for (int d = lane; d < hd; d += 32) s += static_cast<double>(v[d]) * v[d];
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  const float scale = 1.0f / sqrtf(static_cast<float>(s / hd) + a.eps);
  for (int d = lane; d < hd; d += 32) v[d] = v[d] * scale * norm[d];
}

// One block of 256 per row: x += rmsnorm(y) * w.
__global__ void __launch_bounds__(256) norm_add_kernel(const float* y, int64_t ldy, const float* w, float eps,
                                                       int64_t n, float* x, int64_t ldx) {
  __shared__ double warp_sums[8];
  __shared__ float row_scale;
  pdl_wait_and_release();
  const int64_t row = blockIdx.x;
  const float* yr = y + row * ldy;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  double s = 0.0;
  for (int64_t i = tid; i < n; i += 256) s += static_cast<double>(yr[i]) * yr[i];
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  if (lane == 0) warp_sums[warp] = s;
  __syncthreads();
  if (tid == 0) {
    double t = 0.0;
    for (int k = 0; k < 8; k++) t += warp_sums[k];
    row_scale = 1.0f / sqrtf(static_cast<float>(t / static_cast<double>(n)) + eps);
  }
  __syncthreads();
  for (int64_t i = tid; i < n; i += 256) x[row * ldx + i] += yr[i] * row_scale * w[i];
}

__global__ void scale_rows_kernel(float* x, int64_t ldx, int64_t n, float s) {
  pdl_wait_and_release();
  const int64_t r = blockIdx.y;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) x[r * ldx + i] *= s;
}

__global__ void gather_rows_kernel(const float* src, int64_t ld_src, const int32_t* idx, int64_t n,
                                   float* dst, int64_t ld_dst) {
  pdl_wait_and_release();
  const int64_t r = blockIdx.y;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) dst[r * ld_dst + i] = src[idx[r] * ld_src + i];
}

__global__ void copy_prefix_kernel(__half* k, __half* v, int64_t layer_stride, int64_t slot_stride,
                                   int64_t head_stride, int src_slot, int dst_slot, int64_t n) {
  pdl_wait_and_release();
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= n) return;
  const int64_t base = blockIdx.z * layer_stride + blockIdx.y * head_stride + e;
  k[base + dst_slot * slot_stride] = k[base + src_slot * slot_stride];
  v[base + dst_slot * slot_stride] = v[base + src_slot * slot_stride];
}

dim3 cols_grid(int64_t n, int rows) {
  return dim3(static_cast<unsigned>(ceil_div(n, 256)), static_cast<unsigned>(rows));
}

}  // namespace

Status launch_embed(const DevMatrix& tok_embd, const int32_t* tokens, int rows, float* x,
                    int64_t ldx, const LaunchCtx& ctx) {
  return launch_kernel("embed_kernel", embed_kernel, cols_grid(tok_embd.cols, rows), dim3(256), 0,
                       ctx, tok_embd, tokens, x, ldx);
}

Status launch_norm_quant(const float* x, int64_t ldx, const float* w, float eps, int rows,
                         const ActBuf& out, unsigned forms, const LaunchCtx& ctx) {
  if (((forms & kF32) && !out.f32) || ((forms & kF16) && !out.f16) ||
      ((forms & kQ32) && (!out.q32.q || out.k % 32 != 0)) ||
      ((forms & kQ256) && (!out.q256.q || out.k % 256 != 0))) {
    return Status::Error(StatusCode::Internal, "norm_quant: missing output buffer");
  }
  if (!(forms & kQ256) && out.k % 4 == 0 && ldx % 4 == 0) {
    const unsigned threads = static_cast<unsigned>(std::min<int64_t>(1024, round_up(out.k / 4, 32)));
    if (w) {
      return launch_kernel("norm_quant4_kernel", norm_quant4_kernel<true>, dim3(rows), dim3(threads), 0, ctx, x,
                           ldx, w, eps, out, forms);
    }
    return launch_kernel("quant4_kernel", norm_quant4_kernel<false>, dim3(rows), dim3(threads), 0, ctx, x, ldx,
                         w, eps, out, forms);
  }
  if (w) {
    return launch_kernel("norm_quant_kernel", norm_quant_kernel<true>, dim3(rows), dim3(256), 0,
                         ctx, x, ldx, w, eps, out, forms);
  }
  return launch_kernel("quant_kernel", norm_quant_kernel<false>, dim3(rows), dim3(256), 0, ctx, x,
                       ldx, w, eps, out, forms);
}

Status launch_qkv_prep(float* qkv, int64_t ld, int rows, const QkvPrepArgs& args, const LaunchCtx& ctx) {
  const dim3 grid(static_cast<unsigned>(args.n_head + 2 * args.n_head_kv), static_cast<unsigned>(rows));
  return launch_kernel("qkv_prep_kernel", qkv_prep_kernel, grid, dim3(32), 0, ctx, qkv, ld, args);
}

Status launch_norm_add(const float* y, int64_t ldy, const float* w, float eps, int rows, int64_t n,
                       float* x, int64_t ldx, const LaunchCtx& ctx) {
  return launch_kernel("norm_add_kernel", norm_add_kernel, dim3(static_cast<unsigned>(rows)), dim3(256), 0, ctx,
                       y, ldy, w, eps, n, x, ldx);
}

Status launch_scale_rows(float* x, int64_t ldx, int rows, int64_t n, float s, const LaunchCtx& ctx) {
  return launch_kernel("scale_rows_kernel", scale_rows_kernel, cols_grid(n, rows), dim3(256), 0, ctx, x, ldx,
                       n, s);
}

Status launch_swiglu(const float* g, const float* u, int64_t ld_in, int rows, const ActBuf& out,
                     unsigned forms, const LaunchCtx& ctx, bool gelu) {
  return launch_kernel("swiglu_kernel", swiglu_kernel, cols_grid(out.k, rows), dim3(256), 0, ctx,
                       g, u, ld_in, out, forms, gelu);
}

Status launch_rope_store(const float* qkv, int64_t ld, int rows, const RopeKvArgs& args,
                         const LaunchCtx& ctx) {
  return launch_kernel("rope_store_kernel", rope_store_kernel,
                       cols_grid(args.n_q + 2 * args.n_kv, rows), dim3(256), 0, ctx, qkv, ld, args);
}

Status launch_gather_rows(const float* src, int64_t ld_src, const int32_t* idx, int rows,
                          int64_t n, float* dst, int64_t ld_dst, const LaunchCtx& ctx) {
  return launch_kernel("gather_rows_kernel", gather_rows_kernel, cols_grid(n, rows), dim3(256), 0,
                       ctx, src, ld_src, idx, n, dst, ld_dst);
}

Status launch_copy_prefix(__half* k_cache, __half* v_cache, int n_layer, int64_t layer_stride,
                          int64_t slot_stride, int n_kv_head, int64_t n_ctx, int head_dim,
                          int src_slot, int dst_slot, int n, const LaunchCtx& ctx) {
  const int64_t elems = static_cast<int64_t>(n) * head_dim;
  const dim3 grid(static_cast<unsigned>(ceil_div(elems, 256)), static_cast<unsigned>(n_kv_head),
                  static_cast<unsigned>(n_layer));
  return launch_kernel("copy_prefix_kernel", copy_prefix_kernel, grid, dim3(256), 0, ctx, k_cache,
                       v_cache, layer_stride, slot_stride, n_ctx * head_dim, src_slot, dst_slot, elems);
}

}  // namespace arb::cuda
