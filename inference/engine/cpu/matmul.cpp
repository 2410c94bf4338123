// Kernel registry, activation quantizers and the parallel matmul driver.
#include "matmul.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <thread>


namespace arb {

std::vector<MatmulKernel> matmul_kernels(GgmlType type) {
  std::vector<MatmulKernel> out;
  switch (type) {
    case GgmlType::F32: add_f32_kernels(&out); break;
    case GgmlType::F16: add_f16_kernels(&out); break;
    case GgmlType::BF16: add_bf16_kernels(&out); break;
    case GgmlType::Q8_0: add_q8_0_kernels(&out); break;
    case GgmlType::Q4_0: add_q4_0_kernels(&out); break;
    case GgmlType::Q5_0: add_q5_0_kernels(&out); break;
    case GgmlType::Q4_K: add_q4_k_kernels(&out); break;
    case GgmlType::Q6_K: add_q6_k_kernels(&out); break;
    default: break;
  }
  return out;
}

const MatmulKernel* select_matmul_kernel(GgmlType type) {
  // One table per type, built on first use; kernels are plain function pointers.
  static const std::vector<MatmulKernel> tables[] = {
      matmul_kernels(GgmlType::F32), matmul_kernels(GgmlType::F16), matmul_kernels(GgmlType::BF16),
      matmul_kernels(GgmlType::Q8_0), matmul_kernels(GgmlType::Q4_0), matmul_kernels(GgmlType::Q5_0),
      matmul_kernels(GgmlType::Q4_K), matmul_kernels(GgmlType::Q6_K)};
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
    q8_act_write_neg_dsum(row, n, b, blk.d, blk.sum);
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
      q8_act_write_neg_dsum(row, n, b, dst_d[b], 0);
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
    q8_act_write_neg_dsum(row, n, b, dst_d[b], dst_sum[b]);
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
      q8_act_write_neg_dsum(row, n, b, dst_d[b], 0);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + b * QK8_0), _mm256_setzero_si256());
      continue;
    }
    const __m512 mul = _mm512_set1_ps(id);
    const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, mul));
    const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, mul));
    dst_sum[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
    q8_act_write_neg_dsum(row, n, b, dst_d[b], dst_sum[b]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + b * QK8_0), _mm512_cvtsepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + b * QK8_0 + 16), _mm512_cvtsepi32_epi8(q1));
  }
}
#endif

// ---- Q8K rows (K-quant activations) --------------------------------------------------------

// The parts of quantize_row_q8_K_ref every ISA shares: the block's max-magnitude value (the first
// on ties) found from amax, and the all-zero / non-finite cases. Returns the scale to multiply by,
// or 0 when the block is already written.
struct Q8KPlanes {
  int8_t* qs;
  float* d;
  int16_t* bsums;
};

Q8KPlanes q8k_planes(void* row, int64_t n) {
  int8_t* qs = static_cast<int8_t*>(row);
  return {qs, reinterpret_cast<float*>(qs + n), reinterpret_cast<int16_t*>(qs + n + n / QK_K * 4)};
}

float q8k_begin_block(const float* x, float amax, bool finite, const Q8KPlanes& p, int64_t b) {
  if (!finite || amax == 0.0f) {
    p.d[b] = finite ? 0.0f : NAN;
    std::memset(p.qs + b * QK_K, 0, QK_K);
    std::memset(p.bsums + b * 16, 0, 16 * sizeof(int16_t));
    return 0.0f;
  }
  int first = 0;
  while (std::fabs(x[first]) != amax) first++;
  const float iscale = -127.0f / x[first];
  p.d[b] = 1 / iscale;
  return iscale;
}

void quantize_act_q8k_portable(const float* x, void* row, int64_t n) {
  const Q8KPlanes p = q8k_planes(row, n);
  for (int64_t b = 0; b < n / QK_K; b++) {
    block_q8_K blk;
    quantize_row_q8_K_ref(x + b * QK_K, &blk, QK_K);
    std::memcpy(p.qs + b * QK_K, blk.qs, QK_K);
    std::memcpy(p.d + b, &blk.d, sizeof(float));
    std::memcpy(p.bsums + b * 16, blk.bsums, sizeof(blk.bsums));
  }
}

#ifdef ARB_HAVE_X86_KERNELS
ARB_TARGET_AVX2 void quantize_act_q8k_avx2(const float* x, void* row, int64_t n) {
  const Q8KPlanes p = q8k_planes(row, n);
  const __m256 sign = _mm256_set1_ps(-0.0f), big = _mm256_set1_ps(std::numeric_limits<float>::max());
  for (int64_t b = 0; b < n / QK_K; b++) {
    const float* xb = x + b * QK_K;
    __m256 m = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
    for (int k = 0; k < QK_K; k += 8) {
      const __m256 a = _mm256_andnot_ps(sign, _mm256_loadu_ps(xb + k));
      m = _mm256_max_ps(m, a);
      bad = _mm256_or_ps(bad, _mm256_cmp_ps(a, big, _CMP_NLE_UQ));  // NaN or infinity
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
    const float iscale = q8k_begin_block(xb, _mm_cvtss_f32(m4), _mm256_movemask_ps(bad) == 0, p, b);
    if (iscale == 0.0f) continue;
    const __m256 mul = _mm256_set1_ps(iscale);
    const __m256i cap = _mm256_set1_epi32(127);
    for (int k = 0; k < QK_K; k += 64) {
      __m256i q[8];
      for (int i = 0; i < 8; i++) {
        q[i] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + k + 8 * i), mul)), cap);
      }
      for (int h = 0; h < 2; h++) {
        // packs interleave 128-bit lanes; the permute restores element order.
        const __m256i p8 = _mm256_packs_epi16(_mm256_packs_epi32(q[4 * h], q[4 * h + 1]),
                                              _mm256_packs_epi32(q[4 * h + 2], q[4 * h + 3]));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.qs + b * QK_K + k + 32 * h),
                            _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
      }
      // Sums of the four 16-value groups: pairwise hadds leave lanes 0-3 and 4-7 of each group.
      const __m256i s0 = _mm256_add_epi32(q[0], q[1]), s1 = _mm256_add_epi32(q[2], q[3]);
      const __m256i s2 = _mm256_add_epi32(q[4], q[5]), s3 = _mm256_add_epi32(q[6], q[7]);
      const __m256i u = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3));
      const __m128i sums = _mm_add_epi32(_mm256_castsi256_si128(u), _mm256_extracti128_si256(u, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(p.bsums + b * 16 + k / 16), _mm_packs_epi32(sums, sums));
    }
  }
}

ARB_TARGET_AVX512 void quantize_act_q8k_avx512(const float* x, void* row, int64_t n) {
  const Q8KPlanes p = q8k_planes(row, n);
  const __m512 big = _mm512_set1_ps(std::numeric_limits<float>::max());
  for (int64_t b = 0; b < n / QK_K; b++) {
    const float* xb = x + b * QK_K;
    __m512 m = _mm512_setzero_ps();
    __mmask16 bad = 0;
    for (int k = 0; k < QK_K; k += 16) {
      const __m512 a = _mm512_abs_ps(_mm512_loadu_ps(xb + k));
      m = _mm512_max_ps(m, a);
      bad |= _mm512_cmp_ps_mask(a, big, _CMP_NLE_UQ);  // NaN or infinity
    }
    const float iscale = q8k_begin_block(xb, _mm512_reduce_max_ps(m), bad == 0, p, b);
    if (iscale == 0.0f) continue;
    const __m512 mul = _mm512_set1_ps(iscale);
    const __m512i cap = _mm512_set1_epi32(127);
    for (int k = 0; k < QK_K; k += 16) {
      const __m512i q = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb + k), mul)), cap);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p.qs + b * QK_K + k), _mm512_cvtsepi32_epi8(q));
      p.bsums[b * 16 + k / 16] = static_cast<int16_t>(_mm512_reduce_add_epi32(q));
    }
  }
}
#endif

}  // namespace

size_t act_row_bytes(ActFormat f, int64_t n) {
  switch (f) {
    case ActFormat::Q8: return q8_act_row_bytes(n);
    case ActFormat::Q8K: return q8k_act_row_bytes(n);
    case ActFormat::F32: break;
  }
  return static_cast<size_t>(n) * sizeof(float);
}

QuantizeActFn select_quantize_act_q8k(CpuIsa isa) {
#ifdef ARB_HAVE_X86_KERNELS
  if (isa >= CpuIsa::Avx512) return quantize_act_q8k_avx512;
  if (isa >= CpuIsa::Avx2) return quantize_act_q8k_avx2;
#endif
  (void)isa;
  return quantize_act_q8k_portable;
}

QuantizeActFn select_quantize_act(CpuIsa isa) {
#ifdef ARB_HAVE_X86_KERNELS
  if (isa >= CpuIsa::Avx512) return quantize_act_avx512;
  if (isa >= CpuIsa::Avx2) return quantize_act_avx2;
#endif
  (void)isa;
  return quantize_act_portable;
}

void quantize_activations(ThreadPool& pool, QuantizeActFn quantize, const float* x, int n_tok,
                          int64_t n, size_t row, uint8_t* out) {
  if (static_cast<int64_t>(n_tok) * n < 16384) {
    for (int t = 0; t < n_tok; t++) quantize(x + t * n, out + t * row, n);
    return;
  }
  pool.parallel_for(n_tok, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) quantize(x + t * n, out + t * row, n);
  });
}

namespace {

// Waits until `done` reaches n: the other threads' last A products (cpu/lora.h), handed out
// before any row chunk, so at most one short product per thread is still running.
void wait_until(const std::atomic<int64_t>& done, int64_t n) {
  for (int spins = 0; done.load(std::memory_order_acquire) < n; spins++) {
#ifdef ARB_HAVE_X86_KERNELS
    if (spins < (1 << 12)) {
      _mm_pause();
      continue;
    }
#endif
    std::this_thread::yield();  // that thread lost its core: let it have ours
  }
}

}  // namespace

void run_matmuls(ThreadPool& pool, const MatmulTask* tasks, int n_tasks, const std::vector<LoraProduct>* lora,
                 const MatmulEpilogue* epilogue) {
  constexpr int kMaxTasks = 4;
  const bool joint = epilogue && epilogue->joint;
  const int n_cut = joint ? 1 : n_tasks;  // tasks whose rows are cut into chunks of their own
  int64_t chunk_rows[kMaxTasks], first_chunk[kMaxTasks + 1];
  first_chunk[0] = 0;
  for (int k = 0; k < n_cut; k++) {
    // Aim for ~8 chunks per thread per matrix so a slowed thread takes fewer; at least 16 rows
    // so a chunk is worth an atomic, a multiple of 4 to keep whole register tiles (of 16, whole
    // groups, for packed weights) and of the epilogue's multiple. A joint chunk computes its rows
    // of every task, so it is cut as if from all their rows.
    const int64_t rows = tasks[k].w->n_rows();
    int64_t multiple = 4;
    for (int j = k; j < (joint ? n_tasks : k + 1); j++) {
      if (tasks[j].kernel->pack) multiple = kPackedRows;
    }
    if (epilogue) multiple = std::lcm(multiple, epilogue->row_multiple);
    int64_t c = rows / (8 * pool.size() * (joint ? n_tasks : 1));
    c = c < 16 ? 16 : (c > 256 ? 256 : c);
    chunk_rows[k] = (c + multiple - 1) / multiple * multiple;
    first_chunk[k + 1] = first_chunk[k] + (rows + chunk_rows[k] - 1) / chunk_rows[k];
  }
  const int64_t n_chunks = first_chunk[n_cut];
  // Work items: the A products (per product, blocks of kLoraTokenBlock tokens), then the chunks.
  const size_t n_lora = lora ? lora->size() : 0;
  auto a_items = [&](size_t i) { return ((*lora)[i].n_tok + kLoraTokenBlock - 1) / kLoraTokenBlock; };
  int64_t n_a = 0;
  for (size_t i = 0; i < n_lora; i++) n_a += a_items(i);
  std::atomic<int64_t> next{0}, a_done{0};
  // Task k's rows [r0, r1): the kernel, then the LoRA terms.
  auto compute = [&](int k, int64_t r0, int64_t r1) {
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
    t.kernel->rows(a, r0, r1);
    if (n_lora == 0) return;
    wait_until(a_done, n_a);
    for (const LoraProduct& p : *lora) {
      if (p.task == k) lora_up_rows(p, r0, r1);
    }
  };
  pool.run([&](int, int) {
    int k = 0;
    size_t i = 0;
    int64_t first_of_i = 0;  // the first item of product i
    for (;;) {
      int64_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c < n_a) {
        while (c >= first_of_i + a_items(i)) first_of_i += a_items(i++);
        const LoraProduct& p = (*lora)[i];
        const int t0 = static_cast<int>(c - first_of_i) * kLoraTokenBlock;
        lora_down(p, t0, std::min(p.n_tok, t0 + kLoraTokenBlock));
        a_done.fetch_add(1, std::memory_order_release);
        continue;
      }
      c -= n_a;
      if (c >= n_chunks) return;
      while (c >= first_chunk[k + 1]) k++;
      const int64_t r0 = (c - first_chunk[k]) * chunk_rows[k];
      const int64_t r1 = std::min<int64_t>(r0 + chunk_rows[k], tasks[k].w->n_rows());
      if (joint) {
        for (int j = 0; j < n_tasks; j++) compute(j, r0, r1);
        epilogue->fn(epilogue->ctx, -1, r0, r1);
      } else {
        compute(k, r0, r1);
        if (epilogue) epilogue->fn(epilogue->ctx, k, r0, r1);
      }
    }
  });
}

void quantize_act_blocks(QuantizeActFn quantize, ActFormat f, const float* x, int64_t n, int64_t b0, int64_t b1,
                         uint8_t* row) {
  // Quantized a few blocks at a time as a short row of their own, then moved plane by plane.
  constexpr int64_t kPiece = 8;
  alignas(64) uint8_t piece[kPiece * sizeof(block_q8_K)];
  const bool q8k = f == ActFormat::Q8K;
  const int64_t block = q8k ? QK_K : QK8_0;
  const int64_t nb = n / block;
  for (int64_t p0 = b0; p0 < b1; p0 += kPiece) {
    const int64_t m = std::min(kPiece, b1 - p0);
    quantize(x + p0 * block, piece, m * block);
    std::memcpy(row + p0 * block, piece, static_cast<size_t>(m * block));  // quants
    uint8_t* planes = row + nb * block;
    const uint8_t* piece_planes = piece + m * block;
    if (q8k) {
      std::memcpy(planes + p0 * 4, piece_planes, static_cast<size_t>(m * 4));  // d
      std::memcpy(planes + nb * 4 + p0 * 32, piece_planes + m * 4, static_cast<size_t>(m * 32));  // bsums
    } else {
      for (int plane = 0; plane < 3; plane++) {  // d, sum, neg_dsum: 4 bytes per block each
        std::memcpy(planes + plane * nb * 4 + p0 * 4, piece_planes + plane * m * 4, static_cast<size_t>(m * 4));
      }
    }
  }
}

}  // namespace arb
