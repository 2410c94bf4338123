// Kernel registry, activation quantizers and the parallel matmul driver.
#include "matmul.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>


namespace arb {

std::vector<MatmulKernel> matmul_kernels(GgmlType type) {
  std::vector<MatmulKernel> out;
  switch (type) {
    case GgmlType::F32: add_f32_kernels(&out); break;
    case GgmlType::F16: add_f16_kernels(&out); break;
    case GgmlType::BF16: add_bf16_kernels(&out); break;
    case GgmlType::Q8_0: add_q8_0_kernels(&out); break;
    case GgmlType::Q4_0: add_q4_0_kernels(&out); break;
    default: break;
  }
  return out;
}

const MatmulKernel* select_matmul_kernel(GgmlType type) {
  // One table per type, built on first use; kernels are plain function pointers.
  static const std::vector<MatmulKernel> tables[] = {
      matmul_kernels(GgmlType::F32), matmul_kernels(GgmlType::F16), matmul_kernels(GgmlType::BF16),
      matmul_kernels(GgmlType::Q8_0), matmul_kernels(GgmlType::Q4_0)};
  const CpuIsa isa = cpu_isa_selected();
  for (const std::vector<MatmulKernel>& table : tables) {
    if (table.empty() || table[0].type != type) continue;
    const MatmulKernel* best = nullptr;
    for (const MatmulKernel& k : table) {
      if (k.isa <= isa) best = &k;
    }
    return best;
  }
  return nullptr;
}

namespace {

void quantize_act_portable(const float* x, void* row, int64_t n) {
  const int64_t nb = n / QK8_0;
  int8_t* qs = static_cast<int8_t*>(row);
  float* d = reinterpret_cast<float*>(qs + nb * QK8_0);
  int32_t* sum = reinterpret_cast<int32_t*>(qs + nb * (QK8_0 + 4));
  for (int64_t b = 0; b < nb; b++) {
    block_q8_act blk;
    quantize_row_q8_act_ref(x + b * QK8_0, &blk, QK8_0);
    std::memcpy(qs + b * QK8_0, blk.qs, QK8_0);
    std::memcpy(d + b, &blk.d, sizeof(float));
    std::memcpy(sum + b, &blk.sum, sizeof(int32_t));
  }
}

#ifdef ARB_HAVE_X86_KERNELS
ARB_TARGET_AVX2 void quantize_act_avx2(const float* x, void* row, int64_t n) {
  const int64_t nb = n / QK8_0;
  int8_t* qs = static_cast<int8_t*>(row);
  float* dst_d = reinterpret_cast<float*>(qs + nb * QK8_0);
  int32_t* dst_sum = reinterpret_cast<int32_t*>(qs + nb * (QK8_0 + 4));
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < nb; b++) {
    const float* xb = x + b * QK8_0;
    __m256 v[4];
    for (int k = 0; k < 4; k++) v[k] = _mm256_loadu_ps(xb + 8 * k);
    __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v[0]), _mm256_andnot_ps(sign, v[1])),
                             _mm256_max_ps(_mm256_andnot_ps(sign, v[2]), _mm256_andnot_ps(sign, v[3])));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
    // max_ps drops NaNs: look for them separately (a corrupt model), see quantize_row_q8_act_ref.
    const __m256 nan = _mm256_or_ps(_mm256_or_ps(_mm256_cmp_ps(v[0], v[0], _CMP_UNORD_Q), _mm256_cmp_ps(v[1], v[1], _CMP_UNORD_Q)),
                                    _mm256_or_ps(_mm256_cmp_ps(v[2], v[2], _CMP_UNORD_Q), _mm256_cmp_ps(v[3], v[3], _CMP_UNORD_Q)));
    const float amax = _mm256_movemask_ps(nan) ? NAN : _mm_cvtss_f32(m4);
    const bool finite = amax <= std::numeric_limits<float>::max();
    const float id = finite && amax != 0.0f ? 127.0f / amax : 0.0f;
    dst_d[b] = amax / 127.0f;
    if (!finite) {  // inf * 0 would be NaN: write the zero quants directly
      dst_sum[b] = 0;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + b * QK8_0), _mm256_setzero_si256());
      continue;
    }
    const __m256 mul = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; k++) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], mul));
    const __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    dst_sum[b] = _mm_cvtsi128_si32(s4);
    // packs interleave 128-bit lanes; the permute restores element order.
    const __m256i p8 = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    const __m256i ordered = _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + b * QK8_0), ordered);
  }
}

ARB_TARGET_AVX512 void quantize_act_avx512(const float* x, void* row, int64_t n) {
  const int64_t nb = n / QK8_0;
  int8_t* qs = static_cast<int8_t*>(row);
  float* dst_d = reinterpret_cast<float*>(qs + nb * QK8_0);
  int32_t* dst_sum = reinterpret_cast<int32_t*>(qs + nb * (QK8_0 + 4));
  for (int64_t b = 0; b < nb; b++) {
    const float* xb = x + b * QK8_0;
    const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
    // max_ps drops NaNs: look for them separately (a corrupt model), see quantize_row_q8_act_ref.
    const bool has_nan = (_mm512_cmp_ps_mask(v0, v0, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q)) != 0;
    const float amax = has_nan ? NAN : _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const bool finite = amax <= std::numeric_limits<float>::max();
    const float id = finite && amax != 0.0f ? 127.0f / amax : 0.0f;
    dst_d[b] = amax / 127.0f;
    if (!finite) {  // inf * 0 would be NaN: write the zero quants directly
      dst_sum[b] = 0;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + b * QK8_0), _mm256_setzero_si256());
      continue;
    }
    const __m512 mul = _mm512_set1_ps(id);
    const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, mul));
    const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, mul));
    dst_sum[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + b * QK8_0), _mm512_cvtsepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + b * QK8_0 + 16), _mm512_cvtsepi32_epi8(q1));
  }
}
#endif

}  // namespace

QuantizeActFn select_quantize_act(CpuIsa isa) {
#ifdef ARB_HAVE_X86_KERNELS
  if (isa >= CpuIsa::Avx512) return quantize_act_avx512;
  if (isa >= CpuIsa::Avx2) return quantize_act_avx2;
#endif
  (void)isa;
  return quantize_act_portable;
}

void quantize_activations(ThreadPool& pool, QuantizeActFn quantize, const float* x, int n_tok,
                          int64_t n, uint8_t* out) {
  const size_t row = q8_act_row_bytes(n);
  if (static_cast<int64_t>(n_tok) * n < 16384) {
    for (int t = 0; t < n_tok; t++) quantize(x + t * n, out + t * row, n);
    return;
  }
  pool.parallel_for(n_tok, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) quantize(x + t * n, out + t * row, n);
  });
}

void run_matmuls(ThreadPool& pool, const MatmulTask* tasks, int n_tasks) {
  constexpr int kMaxTasks = 4;
  int64_t chunk_rows[kMaxTasks], first_chunk[kMaxTasks + 1];
  first_chunk[0] = 0;
  for (int k = 0; k < n_tasks; k++) {
    // Aim for ~8 chunks per thread per matrix so a slowed thread takes fewer; at least 16 rows
    // so a chunk is worth an atomic, a multiple of 4 to keep whole register tiles.
    const int64_t rows = tasks[k].w->n_rows();
    int64_t c = rows / (8 * pool.size());
    c = c < 16 ? 16 : (c > 256 ? 256 : c);
    chunk_rows[k] = (c + 3) / 4 * 4;
    first_chunk[k + 1] = first_chunk[k] + (rows + chunk_rows[k] - 1) / chunk_rows[k];
  }
  const int64_t n_chunks = first_chunk[n_tasks];
  std::atomic<int64_t> next{0};
  pool.run([&](int, int) {
    int k = 0;
    for (;;) {
      const int64_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= n_chunks) return;
      while (c >= first_chunk[k + 1]) k++;
      const MatmulTask& t = tasks[k];
      MatmulArgs a;
      a.w = t.w->data;
      a.w_row_bytes = t.w->row_bytes();
      a.n_cols = t.w->n_cols();
      a.act = t.act;
      a.act_row_bytes = t.act_row_bytes;
      a.n_tok = t.n_tok;
      a.y = t.y;
      a.ldy = t.ldy;
      const int64_t r0 = (c - first_chunk[k]) * chunk_rows[k];
      const int64_t r1 = std::min<int64_t>(r0 + chunk_rows[k], t.w->n_rows());
      t.kernel->rows(a, r0, r1);
    }
  });
}

}  // namespace arb
