// LoRA products on the CPU (cpu/lora.h).
#include "lora.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../quants_ref.h"
#include "matmul.h"

namespace arb {

namespace {

// Packed B element types: each gives the 16 values of output block lanes for one rank index.
struct PackedF32 {
  using Elem = float;
  static float scalar(const float* p) { return *p; }
#ifdef ARB_HAVE_X86_KERNELS
  ARB_TARGET_AVX2 static __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
  ARB_TARGET_AVX512 static __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
#endif
};

struct PackedF16 {
  using Elem = ggml_half;
  static float scalar(const ggml_half* p) { return fp16_to_fp32(*p); }
#ifdef ARB_HAVE_X86_KERNELS
  ARB_TARGET_AVX2 static __m256 load8(const ggml_half* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  ARB_TARGET_AVX512 static __m512 load16(const ggml_half* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
#endif
};

// The output block starting at row o0 of the range [r0, r1): lanes [lo, hi) are in the range.
struct BlockLanes {
  int lo, hi;
  BlockLanes(int64_t o0, int64_t r0, int64_t r1)
      : lo(static_cast<int>(std::max<int64_t>(r0 - o0, 0))), hi(static_cast<int>(std::min<int64_t>(r1 - o0, kLoraBlock))) {}
};

// Per lane: acc = fma(b_j, u_j, acc) over j from 0, then y = fma(scale, acc, y); every ISA
// below does exactly this per (output, token), so all of them give the same bits.
template <typename P>
void up_portable(const LoraProduct& p, int64_t r0, int64_t r1) {
  const CpuLoraPair& c = *p.pair;
  const auto* b = static_cast<const typename P::Elem*>(c.b);
  for (int64_t o0 = r0 / kLoraBlock * kLoraBlock; o0 < r1; o0 += kLoraBlock) {
    const auto [lo, hi] = BlockLanes(o0, r0, r1);
    const auto* bb = b + o0 * c.rank;
    for (int t = 0; t < p.n_tok; t++) {
      const float* u = p.u + static_cast<int64_t>(t) * c.rank;
      float* y = p.y + t * p.ldy + o0;
      for (int lane = lo; lane < hi; lane++) {
        float acc = 0.0f;
        for (int j = 0; j < c.rank; j++) acc = std::fma(P::scalar(bb + j * kLoraBlock + lane), u[j], acc);
        y[lane] = std::fma(c.scale, acc, y[lane]);
      }
    }
  }
}

#ifdef ARB_HAVE_X86_KERNELS
template <typename P>
ARB_TARGET_AVX2 void up_avx2(const LoraProduct& p, int64_t r0, int64_t r1) {
  const CpuLoraPair& c = *p.pair;
  const auto* b = static_cast<const typename P::Elem*>(c.b);
  const __m256 scale = _mm256_set1_ps(c.scale);
  const __m256i lane_index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t o0 = r0 / kLoraBlock * kLoraBlock; o0 < r1; o0 += kLoraBlock) {
    const auto [lo, hi] = BlockLanes(o0, r0, r1);
    const auto* bb = b + o0 * c.rank;
    // Lanes [lo, hi) of the block's two halves: lo <= i && i < hi.
    __m256i mask[2];
    for (int h = 0; h < 2; h++) {
      const __m256i i = _mm256_add_epi32(lane_index, _mm256_set1_epi32(8 * h));
      mask[h] = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(lo), i),
                                    _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), i));
    }
    for (int t = 0; t < p.n_tok; t++) {
      const float* u = p.u + static_cast<int64_t>(t) * c.rank;
      float* y = p.y + t * p.ldy + o0;
      __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
      for (int j = 0; j < c.rank; j++) {
        const __m256 uj = _mm256_set1_ps(u[j]);
        acc0 = _mm256_fmadd_ps(P::load8(bb + j * kLoraBlock), uj, acc0);
        acc1 = _mm256_fmadd_ps(P::load8(bb + j * kLoraBlock + 8), uj, acc1);
      }
      _mm256_maskstore_ps(y, mask[0], _mm256_fmadd_ps(scale, acc0, _mm256_maskload_ps(y, mask[0])));
      _mm256_maskstore_ps(y + 8, mask[1], _mm256_fmadd_ps(scale, acc1, _mm256_maskload_ps(y + 8, mask[1])));
    }
  }
}

template <typename P>
ARB_TARGET_AVX512 void up_avx512(const LoraProduct& p, int64_t r0, int64_t r1) {
  const CpuLoraPair& c = *p.pair;
  const auto* b = static_cast<const typename P::Elem*>(c.b);
  const __m512 scale = _mm512_set1_ps(c.scale);
  for (int64_t o0 = r0 / kLoraBlock * kLoraBlock; o0 < r1; o0 += kLoraBlock) {
    const auto [lo, hi] = BlockLanes(o0, r0, r1);
    const auto* bb = b + o0 * c.rank;
    const __mmask16 mask = static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
    for (int t = 0; t < p.n_tok; t++) {
      const float* u = p.u + static_cast<int64_t>(t) * c.rank;
      float* y = p.y + t * p.ldy + o0;
      __m512 acc = _mm512_setzero_ps();
      for (int j = 0; j < c.rank; j++) acc = _mm512_fmadd_ps(P::load16(bb + j * kLoraBlock), _mm512_set1_ps(u[j]), acc);
      _mm512_mask_storeu_ps(y, mask, _mm512_fmadd_ps(scale, acc, _mm512_maskz_loadu_ps(mask, y)));
    }
  }
}
#endif

template <typename P>
std::vector<std::pair<CpuIsa, LoraUpFn>> up_kernels() {
  std::vector<std::pair<CpuIsa, LoraUpFn>> out = {{CpuIsa::Portable, up_portable<P>}};
#ifdef ARB_HAVE_X86_KERNELS
  if (cpu_isa_supported() >= CpuIsa::Avx2) out.push_back({CpuIsa::Avx2, up_avx2<P>});
  if (cpu_isa_supported() >= CpuIsa::Avx512) out.push_back({CpuIsa::Avx512, up_avx512<P>});
#endif
  return out;
}

}  // namespace

std::vector<std::pair<CpuIsa, LoraUpFn>> lora_up_kernels(GgmlType b_type) {
  return b_type == GgmlType::F16 ? up_kernels<PackedF16>() : up_kernels<PackedF32>();
}

CpuLoraPair pack_lora_pair(const LoraPair& pair, std::vector<uint8_t>* storage) {
  CpuLoraPair c;
  c.rank = pair.rank;
  c.scale = pair.scale;
  c.a = &pair.a;
  c.a_kernel = select_matmul_kernel(pair.a.type);
  c.n_out = pair.b.n_rows();
  c.b_type = pair.b.type == GgmlType::F16 ? GgmlType::F16 : GgmlType::F32;
  const size_t elem = c.b_type == GgmlType::F16 ? sizeof(ggml_half) : sizeof(float);
  const int64_t n_blocks = (c.n_out + kLoraBlock - 1) / kLoraBlock;
  storage->assign(static_cast<size_t>(n_blocks * c.rank * kLoraBlock) * elem, 0);  // zero: padding lanes
  std::vector<float> row(static_cast<size_t>(c.rank));
  for (int64_t o = 0; o < c.n_out; o++) {
    const uint8_t* src = pair.b.data + o * pair.b.row_bytes();
    const int64_t blk = o / kLoraBlock, lane = o % kLoraBlock;
    for (int j = 0; j < c.rank; j++) {
      const size_t at = static_cast<size_t>((blk * c.rank + j) * kLoraBlock + lane);
      if (c.b_type == GgmlType::F16) {
        std::memcpy(storage->data() + at * elem, src + static_cast<size_t>(j) * elem, elem);  // the same half
      } else {
        if (j == 0) dequantize_row(pair.b.type, src, row.data(), c.rank);  // F32, or BF16 widened exactly
        std::memcpy(storage->data() + at * elem, &row[static_cast<size_t>(j)], elem);
      }
    }
  }
  c.b = storage->data();
  const CpuIsa isa = cpu_isa_selected();
  for (const auto& [kernel_isa, fn] : lora_up_kernels(c.b_type)) {
    if (kernel_isa <= isa) c.up = fn;
  }
  return c;
}

CpuLoraAdapter pack_lora_adapter(const LoraAdapter& adapter) {
  CpuLoraAdapter out;
  out.layers.resize(adapter.layers.size());
  for (size_t l = 0; l < adapter.layers.size(); l++) {
    for (size_t k = 0; k < static_cast<size_t>(kLoraTargets); k++) {
      const LoraPair& pair = adapter.layers[l][k];
      if (!pair.present()) continue;
      out.storage.emplace_back();
      out.layers[l][k] = pack_lora_pair(pair, &out.storage.back());
    }
  }
  return out;
}

void lora_down(const LoraProduct& p, int t0, int t1) {
  const CpuLoraPair& c = *p.pair;
  MatmulArgs a;
  a.w = c.a->data;
  a.w_row_bytes = c.a->row_bytes();
  a.n_cols = c.a->n_cols();
  a.act = p.x + t0 * p.ldx;
  a.act_row_bytes = static_cast<size_t>(p.ldx) * sizeof(float);
  a.n_tok = t1 - t0;
  a.y = p.u + static_cast<int64_t>(t0) * c.rank;
  a.ldy = c.rank;
  c.a_kernel->rows(a, 0, c.rank);
}

void lora_product_ref(const LoraPair& pair, const float* x, int64_t ldx, float* y, int64_t ldy, int n_tok) {
  const TensorView &a = pair.a, &b = pair.b;
  std::vector<float> row(static_cast<size_t>(std::max(a.n_cols(), b.n_cols())));
  std::vector<double> u(static_cast<size_t>(pair.rank));
  for (int t = 0; t < n_tok; t++) {
    const float* xt = x + t * ldx;
    for (int64_t j = 0; j < a.n_rows(); j++) {
      dequantize_row(a.type, a.data + j * a.row_bytes(), row.data(), a.n_cols());
      double sum = 0;
      for (int64_t i = 0; i < a.n_cols(); i++) sum += static_cast<double>(row[i]) * xt[i];
      u[static_cast<size_t>(j)] = sum;
    }
    for (int64_t o = 0; o < b.n_rows(); o++) {
      dequantize_row(b.type, b.data + o * b.row_bytes(), row.data(), b.n_cols());
      double sum = 0;
      for (int64_t j = 0; j < b.n_cols(); j++) sum += static_cast<double>(row[j]) * u[static_cast<size_t>(j)];
      y[t * ldy + o] += static_cast<float>(pair.scale * sum);
    }
  }
}

}  // namespace arb
