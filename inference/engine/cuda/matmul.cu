// Prefill matrix products C[m][n] = sum_k A[m][k] W[n][k] on tensor cores (mma.sync; sm_80+).
// A block computes a 64 x 128 tile of C with 4 warps (each 32 x 64), one 32-value unit of k per
// step, staged in shared memory and double-buffered: the next unit's global loads are issued
// before the current unit's MMAs.
//  - quantized weights (mmq_kernel): the weight unit as int8 quants (Unit<T>::to_i8) times the
//    int8 activation quants (m16n8k32 s8, int32 sums), then per unit the decode path's own term
//    (Unit<T>::term) with the scales, accumulated in fp32. Q6_K's 16-value scales use two
//    m16n8k16 halves.
//  - float weights (hmma_kernel): fp16 tiles of weights and activations, m16n8k16 f16 with fp32
//    accumulation.
// No split over k: each output's summation order depends only on k, never on the other rows.
#include <string>

#include "kernels.h"
#include "quant_types.cuh"

namespace arb::cuda {

namespace {

constexpr int kBM = 64, kBN = 128, kThreads = 128;

struct MmParams {
  DevMatrix w;
  int m;
  const void* a;      // int8 quants or fp16 values, [m][lda]
  const float* ad;    // q8 scales [m][lda/32]
  const int32_t* as;  // q8 sums
  int64_t lda;
  int epi;
  float* c;
  int64_t ldc;
  int64_t col_offset;
};

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

__device__ __forceinline__ void mma_f16_16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void mma_s8_16832(int (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%10, %10, %10, %10};"
      : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1), "r"(0));
}

__device__ __forceinline__ void mma_s8_16816(int (&d)[4], uint32_t a0, uint32_t a1, uint32_t b0) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5}, {%6}, "
      "{%7, %7, %7, %7};"
      : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
      : "r"(a0), "r"(a1), "r"(b0), "r"(0));
}

// Writes the 2 x 8 x 4 accumulators of a thread (rows g, g+8 of each m16 tile; columns
// 2 * (lane % 4) + {0, 1} of each n8 tile).
__device__ __forceinline__ void store_tile(const MmParams& p, int64_t m0, int64_t n0, int wm, int wn, int lane,
                                           const float (&acc)[2][8][4]) {
#pragma unroll
  for (int mi = 0; mi < 2; mi++) {
#pragma unroll
    for (int ni = 0; ni < 8; ni++) {
#pragma unroll
      for (int half = 0; half < 2; half++) {
        const int64_t row = m0 + wm * 32 + mi * 16 + (lane >> 2) + half * 8;
        const int64_t col = n0 + wn * 64 + ni * 8 + (lane & 3) * 2;
        if (row >= p.m || col >= p.w.rows) continue;
        const float x0 = acc[mi][ni][2 * half], x1 = acc[mi][ni][2 * half + 1];
        float* c = p.c + row * p.ldc + p.col_offset;
        if (p.epi == static_cast<int>(Epilogue::SwiGlu)) {
          c[col / 2] = silu(x0) * x1;  // gate, up interleaved: rows count is even
        } else if (p.epi == static_cast<int>(Epilogue::Add)) {
          c[col] += x0;
          if (col + 1 < p.w.rows) c[col + 1] += x1;
        } else {
          c[col] = x0;
          if (col + 1 < p.w.rows) c[col + 1] = x1;
        }
      }
    }
  }
}

constexpr int kI8Stride = 48;  // bytes per shared row: 32 quants + 16 pad, conflict-free ldmatrix

template <GgmlType T>
__global__ void __launch_bounds__(kThreads) mmq_kernel(MmParams p) {
  __shared__ __align__(16) int8_t As[2][kBM][kI8Stride];
  __shared__ __align__(16) int8_t Ws[2][kBN][kI8Stride];
  __shared__ WPar Wp[2][kBN];
  __shared__ float Ad[2][kBM];
  __shared__ int Asum[2][kBM];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2;
  const int wm = warp & 1, wn = warp >> 1;
  const int64_t m0 = static_cast<int64_t>(blockIdx.x) * kBM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.y) * kBN;
  const int64_t units = p.w.cols / 32, lda32 = p.lda / 32;
  const int64_t w_row = n0 + tid;  // the weight row this thread stages
  const bool w_ok = w_row < p.w.rows;
  const int8_t* aq = static_cast<const int8_t*>(p.a);

  Unit<T> wreg;
  int4 areg = make_int4(0, 0, 0, 0);
  float ad_reg = 0.0f;
  int as_reg = 0;
  auto load_a = [&](int64_t u) {
    const int64_t gm = m0 + (tid >> 1);
    areg = gm < p.m ? *reinterpret_cast<const int4*>(aq + gm * p.lda + u * 32 + (tid & 1) * 16) : make_int4(0, 0, 0, 0);
    if (tid < kBM) {
      const int64_t gm2 = m0 + tid;
      ad_reg = gm2 < p.m ? p.ad[gm2 * lda32 + u] : 0.0f;
      as_reg = gm2 < p.m ? p.as[gm2 * lda32 + u] : 0;
    }
  };
  auto stage = [&](int buf) {
    uint4 q[2];
    WPar par;
    wreg.to_i8(q, par);
    if (!w_ok) par = WPar{};  // zero scales: the row's terms vanish
    *reinterpret_cast<uint4*>(&Ws[buf][tid][0]) = q[0];
    *reinterpret_cast<uint4*>(&Ws[buf][tid][16]) = q[1];
    Wp[buf][tid] = par;
    *reinterpret_cast<int4*>(&As[buf][tid >> 1][(tid & 1) * 16]) = areg;
    if (tid < kBM) {
      Ad[buf][tid] = ad_reg;
      Asum[buf][tid] = as_reg;
    }
  };

  float acc[2][8][4];
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 8; j++)
#pragma unroll
      for (int e = 0; e < 4; e++) acc[i][j][e] = 0.0f;

  if (w_ok && units > 0) wreg.load(p.w, w_row, 0);  // weights are constant: load before waiting
  pdl_wait_and_release();
  if (units > 0) {
    load_a(0);
    stage(0);
  }
  __syncthreads();
  for (int64_t u = 0; u < units; u++) {
    const int buf = static_cast<int>(u & 1);
    const bool more = u + 1 < units;
    if (more) {
      if (w_ok) wreg.load(p.w, w_row, u + 1);
      load_a(u + 1);
    }
    uint32_t af[2][4], bf[8][2];
    float da[2][2];
    int sa[2][2];
#pragma unroll
    for (int mi = 0; mi < 2; mi++) {
      ldmatrix_x4(af[mi], &As[buf][wm * 32 + mi * 16 + (lane & 15)][(lane >> 4) * 16]);
#pragma unroll
      for (int h = 0; h < 2; h++) {
        da[mi][h] = Ad[buf][wm * 32 + mi * 16 + g + 8 * h];
        sa[mi][h] = Asum[buf][wm * 32 + mi * 16 + g + 8 * h];
      }
    }
#pragma unroll
    for (int nj = 0; nj < 4; nj++) {
      uint32_t r[4];
      ldmatrix_x4(r, &Ws[buf][wn * 64 + nj * 16 + (lane & 7) + ((lane >> 4) << 3)][((lane >> 3) & 1) * 16]);
      bf[2 * nj][0] = r[0];
      bf[2 * nj][1] = r[1];
      bf[2 * nj + 1][0] = r[2];
      bf[2 * nj + 1][1] = r[3];
    }
#pragma unroll
    for (int ni = 0; ni < 8; ni++) {
      const WPar pc0 = Wp[buf][wn * 64 + ni * 8 + 2 * (lane & 3)];
      const WPar pc1 = Wp[buf][wn * 64 + ni * 8 + 2 * (lane & 3) + 1];
#pragma unroll
      for (int mi = 0; mi < 2; mi++) {
        int lo[4], hi[4] = {0, 0, 0, 0};
        if constexpr (Unit<T>::kSplit16) {
          mma_s8_16816(lo, af[mi][0], af[mi][1], bf[ni][0]);
          mma_s8_16816(hi, af[mi][2], af[mi][3], bf[ni][1]);
        } else {
          mma_s8_16832(lo, af[mi], bf[ni][0], bf[ni][1]);
        }
#pragma unroll
        for (int e = 0; e < 4; e++) {
          acc[mi][ni][e] += Unit<T>::term(lo[e], hi[e], (e & 1) ? pc1 : pc0, da[mi][e >> 1], sa[mi][e >> 1]);
        }
      }
    }
    if (more) stage(buf ^ 1);
    __syncthreads();
  }
  store_tile(p, m0, n0, wm, wn, lane, acc);
}

constexpr int kHStride = 40;  // halves per shared row: 80 bytes, conflict-free ldmatrix

template <GgmlType T>
__global__ void __launch_bounds__(kThreads) hmma_kernel(MmParams p) {
  __shared__ __align__(16) __half As[2][kBM][kHStride];
  __shared__ __align__(16) __half Ws[2][kBN][kHStride];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp & 1, wn = warp >> 1;
  const int64_t m0 = static_cast<int64_t>(blockIdx.x) * kBM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.y) * kBN;
  const int64_t units = p.w.row_elems / 32;
  const int64_t w_row = n0 + tid;
  const bool w_ok = w_row < p.w.rows;
  const __half* ah = static_cast<const __half*>(p.a);

  Unit<T> wreg;
  uint4 areg[2];
  auto load_a = [&](int64_t u) {
#pragma unroll
    for (int i = 0; i < 2; i++) {
      const int c = tid + i * kThreads;
      const int64_t gm = m0 + (c >> 2);
      areg[i] = gm < p.m ? *reinterpret_cast<const uint4*>(ah + gm * p.lda + u * 32 + (c & 3) * 8)
                         : make_uint4(0, 0, 0, 0);
    }
  };
  auto stage = [&](int buf) {
    uint4 hv[4];
    unit_to_half<T>(wreg, hv);
#pragma unroll
    for (int i = 0; i < 4; i++) *reinterpret_cast<uint4*>(&Ws[buf][tid][i * 8]) = hv[i];
#pragma unroll
    for (int i = 0; i < 2; i++) {
      const int c = tid + i * kThreads;
      *reinterpret_cast<uint4*>(&As[buf][c >> 2][(c & 3) * 8]) = areg[i];
    }
  };

  float acc[2][8][4];
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 8; j++)
#pragma unroll
      for (int e = 0; e < 4; e++) acc[i][j][e] = 0.0f;

  if (w_ok && units > 0) wreg.load(p.w, w_row, 0);
  pdl_wait_and_release();
  if (units > 0) {
    load_a(0);
    stage(0);
  }
  __syncthreads();
  for (int64_t u = 0; u < units; u++) {
    const int buf = static_cast<int>(u & 1);
    const bool more = u + 1 < units;
    if (more) {
      if (w_ok) wreg.load(p.w, w_row, u + 1);
      load_a(u + 1);
    }
#pragma unroll
    for (int kk = 0; kk < 32; kk += 16) {
      uint32_t af[2][4], bf[8][2];
#pragma unroll
      for (int mi = 0; mi < 2; mi++) {
        ldmatrix_x4(af[mi], &As[buf][wm * 32 + mi * 16 + (lane & 15)][kk + (lane >> 4) * 8]);
      }
#pragma unroll
      for (int nj = 0; nj < 4; nj++) {
        uint32_t r[4];
        ldmatrix_x4(r, &Ws[buf][wn * 64 + nj * 16 + (lane & 7) + ((lane >> 4) << 3)][kk + ((lane >> 3) & 1) * 8]);
        bf[2 * nj][0] = r[0];
        bf[2 * nj][1] = r[1];
        bf[2 * nj + 1][0] = r[2];
        bf[2 * nj + 1][1] = r[3];
      }
#pragma unroll
      for (int mi = 0; mi < 2; mi++)
#pragma unroll
        for (int ni = 0; ni < 8; ni++) mma_f16_16816(acc[mi][ni], af[mi], bf[ni][0], bf[ni][1]);
    }
    if (more) stage(buf ^ 1);
    __syncthreads();
  }
  store_tile(p, m0, n0, wm, wn, lane, acc);
}

}  // namespace

Status launch_matmul(const MatmulArgs& args, const LaunchCtx& ctx) {
  const DevMatrix& w = args.w;
  const ActBuf& a = *args.a;
  const ActQuant aq = act_quant_for(w.type);
  const Q8Act& q8 = aq == ActQuant::Super256 ? a.q256 : a.q32;
  MmParams p;
  p.w = w;
  p.m = args.m;
  p.a = aq == ActQuant::None ? static_cast<const void*>(a.f16) : static_cast<const void*>(q8.q);
  p.ad = q8.d;
  p.as = q8.s;
  p.lda = a.ld;
  p.epi = static_cast<int>(args.epi);
  p.c = args.c;
  p.ldc = args.ldc;
  p.col_offset = args.col_offset;
  if (args.epi == Epilogue::RopeKv || w.cols != a.k || p.a == nullptr || args.c == nullptr ||
      (args.epi == Epilogue::SwiGlu && w.rows % 2 != 0)) {
    return Status::Error(StatusCode::Internal, std::string("matmul: bad arguments for ") + ggml_type_name(w.type));
  }
  const dim3 grid(static_cast<unsigned>(ceil_div(args.m, kBM)), static_cast<unsigned>(ceil_div(w.rows, kBN)));
  switch (w.type) {
#define ARB_MMQ_CASE(T) \
  case GgmlType::T:     \
    return launch_kernel("mmq_kernel<" #T ">", mmq_kernel<GgmlType::T>, grid, dim3(kThreads), 0, ctx, p);
#define ARB_HMMA_CASE(T) \
  case GgmlType::T:      \
    return launch_kernel("hmma_kernel<" #T ">", hmma_kernel<GgmlType::T>, grid, dim3(kThreads), 0, ctx, p);
    ARB_HMMA_CASE(F32)
    ARB_HMMA_CASE(F16)
    ARB_HMMA_CASE(BF16)
    ARB_MMQ_CASE(Q8_0)
    ARB_MMQ_CASE(Q4_0)
    ARB_MMQ_CASE(Q5_0)
    ARB_MMQ_CASE(Q4_K)
    ARB_MMQ_CASE(Q6_K)
#undef ARB_MMQ_CASE
#undef ARB_HMMA_CASE
    default:
      return Status::Error(StatusCode::Unsupported, std::string("no CUDA matmul for ") + ggml_type_name(w.type));
  }
}

}  // namespace arb::cuda
