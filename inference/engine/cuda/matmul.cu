// Prefill matrix product C[m][n] = sum_k A[m][k] W[n][k] on tensor cores (mma.sync m16n8k16,
// fp16 inputs, fp32 accumulation; sm_80+). A block computes a 64 x 128 tile of C with 4 warps
// (each 32 x 64). Per 32-wide step of k it stages A (fp16 activations) and W (dequantized to
// fp16 by the same per-type code the decode path reads, quant_types.cuh) in shared memory,
// double-buffered: the next step's global loads are issued before the current step's MMAs.
// No split over k, so each output element's summation order depends only on k.
#include <string>

#include "kernels.h"
#include "quant_types.cuh"

namespace arb::cuda {

namespace {

constexpr int kBM = 64, kBN = 128, kBK = 32, kThreads = 128;
constexpr int kStride = kBK + 8;  // halves per shared row: 80 bytes, conflict-free ldmatrix

struct MmParams {
  DevMatrix w;
  int m;
  const __half* a;
  int64_t lda;
  int epi;
  float* c;
  int64_t ldc;
  int64_t col_offset;
  __half* h;
  int64_t ldh;
};

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const __half* p) {
  const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

__device__ __forceinline__ void mma_16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <GgmlType T>
__global__ void __launch_bounds__(kThreads) matmul_kernel(MmParams p) {
  __shared__ __align__(16) __half As[2][kBM][kStride];
  __shared__ __align__(16) __half Ws[2][kBN][kStride];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp & 1, wn = warp >> 1;
  const int64_t m0 = static_cast<int64_t>(blockIdx.x) * kBM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.y) * kBN;
  const int64_t units = p.w.row_elems / 32;
  const int64_t w_row = n0 + tid;  // the weight row this thread stages
  const bool w_ok = w_row < p.w.rows;

  Unit<T> wreg;
  uint4 areg[2];
  auto load_a = [&](int64_t u) {
#pragma unroll
    for (int i = 0; i < 2; i++) {
      const int c = tid + i * kThreads;
      const int64_t gm = m0 + (c >> 2);
      areg[i] = gm < p.m ? *reinterpret_cast<const uint4*>(p.a + gm * p.lda + u * 32 + (c & 3) * 8)
                         : make_uint4(0, 0, 0, 0);
    }
  };
  auto store_tile = [&](int buf) {
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

  if (w_ok && units > 0) wreg.load(p.w, w_row, 0);  // weights are constant: load before waiting
  pdl_wait_and_release();
  if (units > 0) {
    load_a(0);
    store_tile(0);
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
    for (int kk = 0; kk < kBK; kk += 16) {
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
        for (int ni = 0; ni < 8; ni++) mma_16816(acc[mi][ni], af[mi], bf[ni][0], bf[ni][1]);
    }
    if (more) store_tile(buf ^ 1);
    __syncthreads();
  }

  // Accumulator (mi, ni, e): row g + 8 * (e >= 2), columns 2 * (lane % 4) + (e & 1).
#pragma unroll
  for (int mi = 0; mi < 2; mi++) {
#pragma unroll
    for (int ni = 0; ni < 8; ni++) {
#pragma unroll
      for (int half = 0; half < 2; half++) {
        const int64_t row = m0 + wm * 32 + mi * 16 + (lane >> 2) + half * 8;
        const int64_t col = n0 + wn * 64 + ni * 8 + (lane & 3) * 2;
        if (row >= p.m) continue;
        const float x0 = acc[mi][ni][2 * half], x1 = acc[mi][ni][2 * half + 1];
        if (p.epi == static_cast<int>(Epilogue::SwiGlu)) {
          if (col < p.w.rows) p.h[row * p.ldh + col / 2] = __float2half_rn(silu(x0) * x1);
        } else {
          float* c = p.c + row * p.ldc + p.col_offset + col;
          const bool add = p.epi == static_cast<int>(Epilogue::Add);
          if (col < p.w.rows) c[0] = add ? c[0] + x0 : x0;
          if (col + 1 < p.w.rows) c[1] = add ? c[1] + x1 : x1;
        }
      }
    }
  }
}

}  // namespace

Status launch_matmul(const MatmulArgs& args, const LaunchCtx& ctx) {
  MmParams p;
  p.w = args.w;
  p.m = args.m;
  p.a = args.a;
  p.lda = args.lda;
  p.epi = static_cast<int>(args.epi);
  p.c = args.c;
  p.ldc = args.ldc;
  p.col_offset = args.col_offset;
  p.h = args.h;
  p.ldh = args.ldh;
  if (args.epi == Epilogue::RopeKv || args.lda % 8 != 0 || args.lda < args.w.row_elems ||
      (args.epi == Epilogue::SwiGlu ? (args.h == nullptr || args.w.rows % 2 != 0) : args.c == nullptr)) {
    return Status::Error(StatusCode::Internal, "matmul: bad arguments");
  }
  const dim3 grid(static_cast<unsigned>(ceil_div(args.m, kBM)),
                  static_cast<unsigned>(ceil_div(args.w.rows, kBN)));
  switch (args.w.type) {
#define ARB_MATMUL_CASE(T) \
  case GgmlType::T:        \
    return launch_kernel("matmul_kernel<" #T ">", matmul_kernel<GgmlType::T>, grid, dim3(kThreads), 0, ctx, p);
    ARB_MATMUL_CASE(F32)
    ARB_MATMUL_CASE(F16)
    ARB_MATMUL_CASE(BF16)
    ARB_MATMUL_CASE(Q8_0)
    ARB_MATMUL_CASE(Q4_0)
    ARB_MATMUL_CASE(Q5_0)
    ARB_MATMUL_CASE(Q4_K)
    ARB_MATMUL_CASE(Q6_K)
#undef ARB_MATMUL_CASE
    default:
      return Status::Error(StatusCode::Unsupported,
                           std::string("no CUDA matmul for ") + ggml_type_name(args.w.type));
  }
}

}  // namespace arb::cuda
