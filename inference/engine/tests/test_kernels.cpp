// Every matmul kernel on this CPU (portable, AVX2, AVX-512) against the scalar references in
// quants_ref.cpp, on random data; plus the batch invariance the scheduler relies on.
#include <atomic>
#include <cstring>
#include <random>
#include <string>

#include "../cpu/attention.h"
#include "../cpu/kernels.h"
#include "../cpu/lora.h"
#include "../cpu/matmul.h"
#include "../cpu/ops.h"
#include "../quants_ref.h"
#include "test.h"

namespace arb {
namespace {

const GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0,
                           GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K};

bool is_quantized(GgmlType t) { return ggml_block_size(t) > 1; }
bool is_k_quant(GgmlType t) { return ggml_block_size(t) == QK_K; }

struct Problem {
  GgmlType type;
  int64_t rows, cols;
  int n_tok;
  std::vector<uint8_t> w;
  std::vector<float> x;            // n_tok x cols
  std::vector<block_q8_act> xq;    // n_tok x cols/32, the reference's blocks (32-value types)
  std::vector<block_q8_K> xk;      // n_tok x cols/256, the reference's blocks (K-quants)
  std::vector<uint8_t> xrows;      // the same, as the kernels' activation rows
};

Problem make_problem(GgmlType type, int64_t rows, int64_t cols, int n_tok, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Problem p{type, rows, cols, n_tok, {}, {}, {}, {}, {}};
  std::vector<float> wf(static_cast<size_t>(cols));
  p.w.resize(ggml_row_size(type, cols) * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; r++) {
    for (float& v : wf) v = normal(rng) * 0.1f;
    quantize_row_ref(type, wf.data(), p.w.data() + ggml_row_size(type, cols) * static_cast<size_t>(r), cols);
  }
  p.x.resize(static_cast<size_t>(n_tok * cols));
  for (float& v : p.x) v = normal(rng);
  if (is_k_quant(type)) {
    p.xk.resize(static_cast<size_t>(n_tok * cols / QK_K));
    p.xrows.resize(q8k_act_row_bytes(cols) * n_tok);
    for (int t = 0; t < n_tok; t++) {
      quantize_row_q8_K_ref(&p.x[t * cols], &p.xk[t * cols / QK_K], cols);
      select_quantize_act_q8k(CpuIsa::Portable)(&p.x[t * cols], &p.xrows[q8k_act_row_bytes(cols) * t], cols);
    }
  } else if (is_quantized(type)) {
    p.xq.resize(static_cast<size_t>(n_tok * cols / QK8_0));
    p.xrows.resize(q8_act_row_bytes(cols) * n_tok);
    for (int t = 0; t < n_tok; t++) {
      quantize_row_q8_act_ref(&p.x[t * cols], &p.xq[t * cols / QK8_0], cols);
      select_quantize_act(CpuIsa::Portable)(&p.x[t * cols], &p.xrows[q8_act_row_bytes(cols) * t], cols);
    }
  }
  return p;
}

// The activation value the kernels multiply with (quantized for quantized weights).
double act_value(const Problem& p, int t, int64_t i) {
  if (is_k_quant(p.type)) {
    const block_q8_K& b = p.xk[(t * p.cols + i) / QK_K];
    return static_cast<double>(b.d) * b.qs[i % QK_K];
  }
  if (is_quantized(p.type)) {
    const block_q8_act& b = p.xq[(t * p.cols + i) / QK8_0];
    return static_cast<double>(b.d) * b.qs[i % QK8_0];
  }
  return p.x[t * p.cols + i];
}

// Sum over the row of |weight term| x |activation|: the scale of the fp32 rounding. Q4_K's
// terms are d * sc * q and dmin * m separately (the kernels sum them apart, then subtract).
double dot_magnitude(const Problem& p, const uint8_t* row, int t) {
  double mag = 0.0;
  if (p.type == GgmlType::Q4_K) {
    const block_q4_K* w = reinterpret_cast<const block_q4_K*>(row);
    for (int64_t i = 0; i < p.cols; i++) {
      const block_q4_K& b = w[i / QK_K];
      const int j = static_cast<int>(i % QK_K) / 32;
      uint8_t sc, m;
      q4_K_scale_min(j, b.scales, &sc, &m);
      const int q = (b.qs[32 * (j / 2) + i % 32] >> (4 * (j % 2))) & 0x0f;
      mag += (std::fabs(fp16_to_fp32(b.d) * sc * q) + std::fabs(fp16_to_fp32(b.dmin) * m)) * std::fabs(act_value(p, t, i));
    }
    return mag;
  }
  std::vector<float> wf(static_cast<size_t>(p.cols));
  dequantize_row(p.type, row, wf.data(), p.cols);
  for (int64_t i = 0; i < p.cols; i++) mag += std::fabs(wf[i] * act_value(p, t, i));
  return mag;
}

MatmulArgs args_for(const Problem& p, const MatmulKernel& k, float* y, int n_tok, int t0) {
  MatmulArgs a;
  a.w = p.w.data();
  a.w_row_bytes = ggml_row_size(p.type, p.cols);
  a.n_cols = p.cols;
  a.act_row_bytes = act_row_bytes(k.act, p.cols);
  a.act = k.act == ActFormat::F32 ? static_cast<const void*>(p.x.data() + t0 * p.cols)
                                  : static_cast<const void*>(p.xrows.data() + a.act_row_bytes * t0);
  a.n_tok = n_tok;
  a.y = y;
  a.ldy = p.rows;
  return a;
}

// Bound on the fp32 rounding of a sum of n terms whose magnitudes add up to `mag`: kernels
// accumulate in 8 or 16 lanes then add the lanes, so each term passes through at most
// n / 8 + 4 additions; 2^-23 relative error each, doubled for margin.
double accumulation_tolerance(int64_t n_terms, double mag) {
  return (static_cast<double>(n_terms) / 8.0 + 4.0) * 2.0 * 1.2e-7 * mag + 1e-30;
}

TEST(kernels_match_scalar_reference) {
  for (GgmlType type : kTypes) {
    const std::vector<MatmulKernel> kernels = matmul_kernels(type);
    CHECK_MSG(!kernels.empty(), ggml_type_name(type));
    // 37 rows: whole 4-row tiles plus a tail; float types also get a column tail, 32-value
    // types 11 blocks (two of AVX-512 Q4_0's four-block steps and three single blocks).
    const int64_t cols = is_k_quant(type) ? 768 : is_quantized(type) ? 352 : 325;
    const Problem p = make_problem(type, 37, cols, 9, 1234 + static_cast<uint32_t>(type));
    const size_t rb = ggml_row_size(type, cols);
    for (const MatmulKernel& k : kernels) {
      CHECK(k.act == (is_k_quant(type) ? ActFormat::Q8K : is_quantized(type) ? ActFormat::Q8 : ActFormat::F32));
      std::vector<float> y(static_cast<size_t>(p.rows * p.n_tok), NAN);
      k.rows(args_for(p, k, y.data(), p.n_tok, 0), 0, p.rows);
      for (int t = 0; t < p.n_tok; t++) {
        for (int64_t r = 0; r < p.rows; r++) {
          const uint8_t* row = p.w.data() + rb * static_cast<size_t>(r);
          // Same quantized activations: the integer sums are exact, so only the fp32
          // accumulation order (and the int -> float conversions) can differ.
          const double expected = is_k_quant(type)    ? vec_dot_q8_K_ref(type, row, &p.xk[t * cols / QK_K], cols)
                                  : is_quantized(type) ? vec_dot_q8_act_ref(type, row, &p.xq[t * cols / QK8_0], cols)
                                                       : vec_dot_ref(type, row, &p.x[t * cols], cols);
          const double got = y[static_cast<size_t>(t * p.rows + r)];
          CHECK_MSG(std::fabs(got - expected) <= accumulation_tolerance(cols, dot_magnitude(p, row, t)),
                    std::string(ggml_type_name(type)) + " " + cpu_isa_name(k.isa) + " row " + std::to_string(r) +
                        " tok " + std::to_string(t) + ": " + std::to_string(got) + " vs " + std::to_string(expected));
        }
      }
    }
  }
}

TEST(quantized_kernels_stay_close_to_the_exact_dot) {
  // Against the fp32 dot of the dequantized weights with the unquantized activations: the gap
  // is the activation quantization, at most half a step (d / 2) per value, so
  // |err| <= sum_i |w_i| * d_block(i) / 2 (plus accumulation rounding).
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
    const Problem p = make_problem(type, 16, 1024, 2, 99);
    const MatmulKernel* k = select_matmul_kernel(type);
    std::vector<float> y(static_cast<size_t>(p.rows * p.n_tok));
    k->rows(args_for(p, *k, y.data(), p.n_tok, 0), 0, p.rows);
    const size_t rb = ggml_row_size(type, p.cols);
    for (int t = 0; t < p.n_tok; t++) {
      for (int64_t r = 0; r < p.rows; r++) {
        std::vector<float> wf(static_cast<size_t>(p.cols));
        dequantize_row(type, p.w.data() + rb * r, wf.data(), p.cols);
        double bound = 1e-4;
        for (int64_t i = 0; i < p.cols; i++) {
          const double step = is_k_quant(type) ? std::fabs(p.xk[(t * p.cols + i) / QK_K].d) : p.xq[(t * p.cols + i) / QK8_0].d;
          bound += std::fabs(wf[i]) * step / 2;
        }
        const double exact = vec_dot_ref(type, p.w.data() + rb * r, &p.x[t * p.cols], p.cols);
        CHECK_NEAR(y[t * p.rows + r], exact, bound);
      }
    }
  }
}

TEST(kernels_give_identical_results_alone_or_batched) {
  // The scheduler's promise "a sequence's output does not depend on its batch" rests on this:
  // any row range and any number of activations give bit-identical results.
  for (GgmlType type : kTypes) {
    const Problem p = make_problem(type, 45, 256, 7, 7);
    for (const MatmulKernel& k : matmul_kernels(type)) {
      std::vector<float> batched(static_cast<size_t>(p.rows * p.n_tok));
      k.rows(args_for(p, k, batched.data(), p.n_tok, 0), 0, p.rows);
      for (int t = 0; t < p.n_tok; t++) {
        std::vector<float> alone(static_cast<size_t>(p.rows));
        // Odd row splits: tiles land on different rows than in the batched run.
        const int64_t cuts[] = {0, 3, 17, 18, 45};
        for (int c = 0; c + 1 < 5; c++) {
          MatmulArgs a = args_for(p, k, alone.data(), 1, t);
          k.rows(a, cuts[c], cuts[c + 1]);
        }
        CHECK_MSG(std::memcmp(alone.data(), &batched[t * p.rows], alone.size() * sizeof(float)) == 0,
                  std::string(ggml_type_name(type)) + " " + cpu_isa_name(k.isa) + " tok " + std::to_string(t));
      }
    }
  }
}

TEST(f16_kernels_match_reference_and_are_batch_invariant_at_prefill_sizes) {
  // The F16 kernels over more activations than a register tile or an activation block (the
  // AVX-512 one works in tiles of 4 rows x 6 activations, matmul_f16.cpp): 45 rows (whole 4-row
  // tiles and one more), 1037 columns (32- and 16-column steps and a 13-column masked tail), 71
  // activations (11 tiles of 6 and 5 more, past kActivationBlock). Every result against the
  // reference; then activations alone, in pairs and in fours at odd offsets, over odd row
  // splits, with the bits they had in the whole batch (decode steps and prefill chunks share a
  // batch, so the tile a result falls in must not matter).
  const Problem p = make_problem(GgmlType::F16, 45, 1037, 71, 18);
  const size_t rb = ggml_row_size(p.type, p.cols);
  for (const MatmulKernel& k : matmul_kernels(GgmlType::F16)) {
    const std::string name = std::string("F16 ") + cpu_isa_name(k.isa);
    std::vector<float> batched(static_cast<size_t>(p.rows * p.n_tok), NAN);
    k.rows(args_for(p, k, batched.data(), p.n_tok, 0), 0, p.rows);
    for (int t = 0; t < p.n_tok; t++) {
      for (int64_t r = 0; r < p.rows; r++) {
        const uint8_t* row = p.w.data() + rb * static_cast<size_t>(r);
        const double expected = vec_dot_ref(p.type, row, &p.x[t * p.cols], p.cols);
        const double got = batched[static_cast<size_t>(t * p.rows + r)];
        CHECK_MSG(std::fabs(got - expected) <= accumulation_tolerance(p.cols, dot_magnitude(p, row, t)),
                  name + " row " + std::to_string(r) + " tok " + std::to_string(t) + ": " + std::to_string(got) +
                      " vs " + std::to_string(expected));
      }
    }
    for (int n_tok : {1, 2, 4}) {
      for (int t0 = 1; t0 + n_tok <= p.n_tok; t0 += 11) {
        std::vector<float> part(static_cast<size_t>(p.rows * n_tok), NAN);
        const int64_t cuts[] = {0, 3, 17, 18, 45};
        for (int c = 0; c + 1 < 5; c++) k.rows(args_for(p, k, part.data(), n_tok, t0), cuts[c], cuts[c + 1]);
        CHECK_MSG(std::memcmp(part.data(), &batched[static_cast<size_t>(t0 * p.rows)], part.size() * sizeof(float)) == 0,
                  name + ": " + std::to_string(n_tok) + " activations from " + std::to_string(t0));
      }
    }
  }
}

TEST(packed_kernels_match_scalar_reference_and_are_batch_invariant) {
  // Q8_0, Q4_0, Q4_K and Q6_K repacked into groups of 16 interleaved rows (matmul_packed.cpp): every
  // packed kernel against the reference on the file's rows; the AVX-512 one bit-identical to
  // the portable one (the same float operations); any whole-group row split and any batch give
  // the same bits.
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
    const std::vector<MatmulKernel> kernels = packed_matmul_kernels(type);
    CHECK_MSG(!kernels.empty() && kernels[0].isa == CpuIsa::Portable, ggml_type_name(type));
    CHECK(select_packed_matmul_kernel(type, 40) == nullptr);  // not whole groups: the file's layout
    Problem p = make_problem(type, 48, is_k_quant(type) ? 768 : 352, 9, 4321 + static_cast<uint32_t>(type));
    const size_t rb = ggml_row_size(type, p.cols);
    std::vector<uint8_t> packed(p.w.size());
    kernels[0].pack(p.w.data(), rb, p.rows, p.cols, packed.data());
    const std::vector<uint8_t> file = p.w;
    p.w = packed;
    std::vector<float> first;
    for (const MatmulKernel& k : kernels) {
      CHECK(k.pack != nullptr && k.act == (is_k_quant(type) ? ActFormat::Q8K : ActFormat::Q8));
      const std::string name = std::string(ggml_type_name(type)) + " packed " + cpu_isa_name(k.isa);
      std::vector<float> y(static_cast<size_t>(p.rows * p.n_tok), NAN);
      k.rows(args_for(p, k, y.data(), p.n_tok, 0), 0, p.rows);
      for (int t = 0; t < p.n_tok; t++) {
        for (int64_t r = 0; r < p.rows; r++) {
          const uint8_t* row = file.data() + rb * static_cast<size_t>(r);
          const double expected = is_k_quant(type) ? vec_dot_q8_K_ref(type, row, &p.xk[t * p.cols / QK_K], p.cols)
                                                   : vec_dot_q8_act_ref(type, row, &p.xq[t * p.cols / QK8_0], p.cols);
          const double got = y[static_cast<size_t>(t * p.rows + r)];
          CHECK_MSG(std::fabs(got - expected) <= accumulation_tolerance(p.cols, dot_magnitude(p, row, t)),
                    name + " row " + std::to_string(r) + " tok " + std::to_string(t) + ": " + std::to_string(got) +
                        " vs " + std::to_string(expected));
        }
      }
      if (first.empty()) first = y;
      CHECK_MSG(std::memcmp(first.data(), y.data(), y.size() * sizeof(float)) == 0, name + ": not the portable bits");
      for (int t = 0; t < p.n_tok; t++) {
        std::vector<float> alone(static_cast<size_t>(p.rows));
        const int64_t cuts[] = {0, 16, 48};
        for (int c = 0; c + 1 < 3; c++) k.rows(args_for(p, k, alone.data(), 1, t), cuts[c], cuts[c + 1]);
        CHECK_MSG(std::memcmp(alone.data(), &y[t * p.rows], alone.size() * sizeof(float)) == 0,
                  name + " alone, tok " + std::to_string(t));
      }
    }
  }
}

TEST(activation_quantizers_match_reference_bit_for_bit) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> x(1024);
  for (float& v : x) v = normal(rng);
  for (int i = 0; i < 32; i++) x[i] = 0.0f;  // an all-zero block: d = 0
  x[40] = 1e-30f;
  x[100] = NAN;        // blocks a corrupt model could produce: zero quants, non-finite d
  x[200] = INFINITY;
  x[201] = -INFINITY;
  std::vector<block_q8_act> ref(32);
  quantize_row_q8_act_ref(x.data(), ref.data(), 1024);
  for (CpuIsa isa : {CpuIsa::Portable, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (isa > cpu_isa_supported()) continue;
    std::vector<uint8_t> row(q8_act_row_bytes(1024), 0xAB);
    select_quantize_act(isa)(x.data(), row.data(), 1024);
    const Q8ActRow got = q8_act_row(row.data(), 1024);
    bool same = true;
    for (int b = 0; b < 32; b++) {
      const bool same_d = std::memcmp(&ref[b].d, got.d + b, 4) == 0 || (std::isnan(ref[b].d) && std::isnan(got.d[b]));
      same = same && std::memcmp(ref[b].qs, got.qs + 32 * b, 32) == 0 && same_d && ref[b].sum == got.sum[b];
      const float neg_dsum = -(ref[b].d * static_cast<float>(ref[b].sum));
      same = same && (std::memcmp(got.neg_dsum + b, &neg_dsum, 4) == 0 || (std::isnan(got.neg_dsum[b]) && std::isnan(neg_dsum)));
    }
    CHECK(std::isnan(got.d[3]) && got.sum[3] == 0 && std::isinf(got.d[6]) && got.sum[6] == 0);
    CHECK_MSG(same, cpu_isa_name(isa));
  }
}

TEST(q8k_activation_quantizers_match_reference_bit_for_bit) {
  std::mt19937 rng(6);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> x(256 * 8);
  for (float& v : x) v = normal(rng);
  for (int i = 0; i < 256; i++) x[i] = 0.0f;   // block 0: all zero, d = 0
  x[256 + 10] = 50.0f;                          // block 1: +50 first, then -50: +50 sets the sign
  x[256 + 200] = -50.0f;
  x[512 + 7] = -40.0f;                          // block 2: a negative maximum
  x[768 + 3] = NAN;                             // blocks 3 and 4: zero quants, d = NaN
  x[1024 + 255] = -INFINITY;
  for (int i = 1280; i < 1536; i++) x[i] = 1e-30f * (i % 7 - 3);  // block 5: tiny values
  std::vector<block_q8_K> ref(8);
  quantize_row_q8_K_ref(x.data(), ref.data(), 2048);
  CHECK(ref[1].d < 0.0f && ref[1].qs[10] == -127 && ref[1].qs[200] == 127);
  CHECK(ref[2].d > 0.0f && ref[2].qs[7] == -127);
  CHECK(std::isnan(ref[3].d) && std::isnan(ref[4].d) && ref[3].bsums[0] == 0);
  for (CpuIsa isa : {CpuIsa::Portable, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (isa > cpu_isa_supported()) continue;
    std::vector<uint8_t> row(q8k_act_row_bytes(2048), 0xAB);
    select_quantize_act_q8k(isa)(x.data(), row.data(), 2048);
    const Q8KActRow got = q8k_act_row(row.data(), 2048);
    bool same = true;
    for (int b = 0; b < 8; b++) {
      const bool same_d = std::memcmp(&ref[b].d, got.d + b, 4) == 0 || (std::isnan(ref[b].d) && std::isnan(got.d[b]));
      same = same && same_d && std::memcmp(ref[b].qs, got.qs + 256 * b, 256) == 0 &&
             std::memcmp(ref[b].bsums, got.bsums + 16 * b, 32) == 0;
    }
    CHECK_MSG(same, cpu_isa_name(isa));
  }
}

TEST(activation_blocks_quantize_as_the_whole_row) {
  // The gate/up job quantizes the down projection's input block by block as its rows complete:
  // any split of the blocks must give the whole row's bytes.
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> x(2048);
  for (float& v : x) v = normal(rng);
  x[300] = NAN;
  const int64_t splits[] = {0, 1, 4, 15, 16, 64};  // pieces of 1, 3, 11 (more than one batch of 8) and 1, 48 blocks
  for (CpuIsa isa : {CpuIsa::Portable, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (isa > cpu_isa_supported()) continue;
    for (const ActFormat f : {ActFormat::Q8, ActFormat::Q8K}) {
      const bool q8k = f == ActFormat::Q8K;
      const QuantizeActFn quantize = q8k ? select_quantize_act_q8k(isa) : select_quantize_act(isa);
      const int64_t nb = 2048 / (q8k ? QK_K : QK8_0);
      std::vector<uint8_t> whole(act_row_bytes(f, 2048), 0xAB), pieces(whole.size(), 0xCD);
      quantize(x.data(), whole.data(), 2048);
      for (size_t i = 0; i + 1 < std::size(splits); i++) {
        const int64_t b0 = std::min(splits[i], nb), b1 = i + 2 == std::size(splits) ? nb : std::min(splits[i + 1], nb);
        if (b0 < b1) quantize_act_blocks(quantize, f, x.data(), 2048, b0, b1, pieces.data());
      }
      CHECK_MSG(whole == pieces, std::string(cpu_isa_name(isa)) + (q8k ? " q8k" : " q8"));
    }
  }
}

TEST(matmul_epilogue_sees_every_chunk_once_with_its_final_rows) {
  std::mt19937 rng(12);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t n_in = 64;
  const int n_tok = 3;
  std::vector<float> x(static_cast<size_t>(n_tok * n_in));
  for (float& v : x) v = normal(rng);
  // Three F32 matrices: 200, 200 and 72 rows.
  const int64_t rows[3] = {200, 200, 72};
  std::vector<float> w[3];
  TensorView views[3];
  for (int k = 0; k < 3; k++) {
    w[k].resize(static_cast<size_t>(rows[k] * n_in));
    for (float& v : w[k]) v = normal(rng);
    views[k].type = GgmlType::F32;
    views[k].n_dims = 2;
    views[k].ne[0] = n_in;
    views[k].ne[1] = rows[k];
    views[k].data = reinterpret_cast<const uint8_t*>(w[k].data());
    views[k].n_bytes = w[k].size() * sizeof(float);
  }
  ThreadPool pool(2);
  auto tasks_into = [&](std::vector<float>* y, MatmulTask* tasks) {
    for (int k = 0; k < 3; k++) {
      y[k].assign(static_cast<size_t>(n_tok * rows[k]), 0.0f);
      tasks[k].kernel = select_matmul_kernel(GgmlType::F32);
      tasks[k].w = &views[k];
      tasks[k].act = x.data();
      tasks[k].act_row_bytes = n_in * sizeof(float);
      tasks[k].n_tok = n_tok;
      tasks[k].y = y[k].data();
      tasks[k].ldy = rows[k];
    }
  };
  std::vector<float> want[3];
  MatmulTask plain[3];
  tasks_into(want, plain);
  run_matmuls(pool, plain, 3);

  for (const bool joint : {true, false}) {
    const int n_tasks = joint ? 2 : 3;  // joint: the two tasks of 200 rows
    std::vector<float> y[3], seen[3];
    MatmulTask tasks[3];
    tasks_into(y, tasks);
    for (int k = 0; k < 3; k++) seen[k].assign(y[k].size(), NAN);
    std::vector<std::atomic<int>> calls(3 * 200);
    std::atomic<bool> aligned{true};
    // Copies the chunk's rows as the epilogue finds them: rows not final yet would differ.
    auto record = [&](int task, int64_t r0, int64_t r1) {
      if (r0 % 24 != 0 || (joint != (task == -1))) aligned = false;
      for (int k = joint ? 0 : task; k < (joint ? n_tasks : task + 1); k++) {
        for (int64_t r = r0; r < r1; r++) {
          calls[static_cast<size_t>(k * 200 + r)]++;
          for (int t = 0; t < n_tok; t++) seen[k][t * rows[k] + r] = y[k][t * rows[k] + r];
        }
      }
    };
    const MatmulEpilogue epilogue = MatmulEpilogue::of(record, joint, 24);
    run_matmuls(pool, tasks, n_tasks, nullptr, &epilogue);
    bool once = true;
    for (int k = 0; k < n_tasks; k++) {
      for (int64_t r = 0; r < rows[k]; r++) once = once && calls[static_cast<size_t>(k * 200 + r)] == 1;
      CHECK_MSG(seen[k] == want[k] && y[k] == want[k], joint ? "joint" : "per task");
    }
    CHECK_MSG(once && aligned, joint ? "joint" : "per task");
  }
}

TEST(fp16_and_bf16_conversions_round_to_nearest_even) {
  CHECK_EQ(fp32_to_fp16(1.0f), 0x3c00);
  CHECK_EQ(fp32_to_fp16(-2.0f), 0xc000);
  CHECK_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  CHECK_EQ(fp32_to_fp16(1e6f), 0x7c00);          // overflow -> inf
  CHECK_EQ(fp32_to_fp16(5.960464477539063e-8f), 0x0001);  // smallest subnormal
  CHECK_EQ(fp32_to_fp16(1.0f + 1.0f / 2048.0f), 0x3c00);  // tie -> even
  CHECK_EQ(fp32_to_fp16(1.0f + 3.0f / 2048.0f), 0x3c02);  // tie -> even (up)
  CHECK_EQ(fp16_to_fp32(0x0001), 5.960464477539063e-8f);
  CHECK_EQ(fp16_to_fp32(0x3555), 0.333251953125f);
  CHECK_EQ(bf16_to_fp32(0x3f80), 1.0f);
  CHECK_EQ(fp32_to_bf16(1.00390625f), 0x3f80);  // tie -> even
  CHECK_EQ(fp32_to_bf16(1.01171875f), 0x3f82);  // tie -> even (up)
  for (uint32_t h = 0; h < 0x7c00; h++) {        // every finite positive half round-trips
    if (fp32_to_fp16(fp16_to_fp32(static_cast<ggml_half>(h))) != h) {
      CHECK_MSG(false, "half " + std::to_string(h));
      break;
    }
  }
}

TEST(quantizers_round_trip_within_a_step) {
  // Dequantize(quantize(x)) stays within one quantization step of x: half a step for the
  // rounding quantizers, a whole one for Q4_0 / Q5_0 (they truncate x/d + 8.5, resp. + 16.5, and
  // clamp the top level). For the K-quants the step is the sub-block's d * sc.
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(512), back(512);
  for (float& v : x) v = normal(rng);
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
    std::vector<uint8_t> q(ggml_row_size(type, 512));
    quantize_row_ref(type, x.data(), q.data(), 512);
    dequantize_row(type, q.data(), back.data(), 512);
    for (int i = 0; i < 512; i++) {
      double step = 0.0;
      if (type == GgmlType::Q4_K) {
        const block_q4_K& b = reinterpret_cast<const block_q4_K*>(q.data())[i / QK_K];
        uint8_t sc, m;
        q4_K_scale_min((i % QK_K) / 32, b.scales, &sc, &m);
        // Levels are d*sc*q - dmin*m; the min itself is rounded to a multiple of dmin.
        step = fp16_to_fp32(b.d) * sc / 2 + fp16_to_fp32(b.dmin);
      } else if (type == GgmlType::Q6_K) {
        const block_q6_K& b = reinterpret_cast<const block_q6_K*>(q.data())[i / QK_K];
        step = std::fabs(fp16_to_fp32(b.d) * b.scales[(i % QK_K) / 16]) / 2;
      } else {
        const float d = fp16_to_fp32(reinterpret_cast<const ggml_half*>(q.data() + (i / 32) * ggml_type_size(type))[0]);
        step = std::fabs(d) * (type == GgmlType::Q8_0 ? 0.5 : 1.0);
      }
      CHECK_NEAR(back[i], x[i], step * 1.01 + 1e-6);
    }
  }
}

}  // namespace
}  // namespace arb

namespace arb {
namespace {

TEST(attention_kernels_match_portable_reference) {
  // The SIMD paths sum in a different order and use a polynomial exp (a few ulp): outputs
  // agree to 1e-5 of the largest value (softmax weights and values are O(1)). Both cache types:
  // binary16 rows and Q8_0 rows (head sizes that are whole blocks of 32), whose values the SIMD
  // paths widen to the same floats as the reference.
  std::mt19937 rng(17);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (GgmlType kv_type : {GgmlType::F16, GgmlType::Q8_0}) {
    for (int head_dim : {64, 128, 256, 40, 96}) {
      if (head_dim % 32 != 0 && kv_type == GgmlType::Q8_0) continue;
      // Query heads per KV head: the SIMD tiles take 4 heads (2 and 1 for smaller groups), so
      // groups that are not a multiple of the tile, or span several tiles, are covered; key
      // counts that are not a multiple of a tile's 4, 8 or 16 keys.
      for (int group : {1, 2, 3, 4, 6, 8}) {
        for (int n_keys : {1, 7, 17, 100, 190}) {
          std::vector<float> q(group * head_dim), kf(n_keys * head_dim), vf(n_keys * head_dim);
          for (float& x : q) x = normal(rng) * 2.0f;
          for (float& x : kf) x = normal(rng);
          for (float& x : vf) x = normal(rng);
          // The cache's rows, as the backend stores them.
          const size_t row = ggml_row_size(kv_type, head_dim);
          std::vector<uint8_t> k(n_keys * row), v(n_keys * row);
          quantize_row_ref(kv_type, kf.data(), k.data(), static_cast<int64_t>(n_keys) * head_dim);
          quantize_row_ref(kv_type, vf.data(), v.data(), static_cast<int64_t>(n_keys) * head_dim);
          std::vector<float> scores(group * n_keys), ref(group * head_dim), got(group * head_dim);
          // gemma3-style scales besides 1/sqrt(head_dim): the SIMD paths must use the one given.
          const float scale = (n_keys % 2 ? 1.0f : 0.5f) / std::sqrt(static_cast<float>(head_dim));
          AttendArgs a{q.data(), head_dim, group, k.data(), v.data(), n_keys, head_dim, scale, scores.data(), ref.data(), head_dim, kv_type};
          attend_portable(a);
          for (CpuIsa isa : {CpuIsa::Avx2, CpuIsa::Avx512}) {
            if (isa > cpu_isa_supported()) continue;
            a.out = got.data();
            select_attend(isa, head_dim, kv_type)(a);
            double worst = 0;
            for (size_t i = 0; i < got.size(); i++) worst = std::max(worst, std::fabs(static_cast<double>(got[i]) - ref[i]));
            CHECK_MSG(worst <= 1e-5 * 4, std::string(cpu_isa_name(isa)) + " " + ggml_type_name(kv_type) + " head_dim " +
                                             std::to_string(head_dim) + " keys " + std::to_string(n_keys) + " group " +
                                             std::to_string(group) + ": " + std::to_string(worst));
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace arb

namespace arb {
namespace {

TEST(fp16_conversion_matches_reference_bit_for_bit) {
  // The KV cache's float32 -> binary16 rounding: every ISA gives fp32_to_fp16's bits (round to
  // nearest even), over normal, subnormal, overflowing and halfway values.
  std::mt19937 rng(29);
  std::vector<float> x;
  for (int e = -30; e <= 17; e++) {
    for (int i = 0; i < 40; i++) x.push_back(std::ldexp(std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng), e));
  }
  for (float v : {0.0f, -0.0f, 65504.0f, 65519.0f, 65520.0f, 1e6f, -1e6f, 1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048,
                  5.960464477539063e-8f, 2.980232238769531e-8f, INFINITY, -INFINITY}) {
    x.push_back(v);
  }
  std::vector<uint16_t> want(x.size()), got(x.size());
  to_fp16_portable(want.data(), x.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); i++) CHECK(want[i] == fp32_to_fp16(x[i]));
  for (CpuIsa isa : {CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (isa > cpu_isa_supported()) continue;
    select_to_fp16(isa)(got.data(), x.data(), static_cast<int64_t>(x.size()));
    CHECK_MSG(got == want, cpu_isa_name(isa));
  }
  std::vector<uint16_t> nan(9);
  const std::vector<float> nans(9, NAN);
  select_to_fp16(cpu_isa_supported())(nan.data(), nans.data(), 9);
  for (uint16_t h : nan) CHECK(std::isnan(fp16_to_fp32(h)));
}

TEST(swiglu_kernels_match_portable_reference) {
  // Polynomial exp (a few ulp) and a division: 1e-6 relative to the value, plus a tiny absolute
  // term for results near zero.
  std::mt19937 rng(23);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  std::vector<float> gate(1000), up(1000);
  for (float& x : gate) x = normal(rng);
  for (float& x : up) x = normal(rng);
  gate[0] = -200.0f;
  gate[1] = 200.0f;
  gate[2] = 0.0f;
  std::vector<float> ref = gate;
  swiglu_portable(ref.data(), up.data(), 1000);
  for (CpuIsa isa : {CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (isa > cpu_isa_supported()) continue;
    std::vector<float> got = gate;
    select_swiglu(isa)(got.data(), up.data(), 1000);
    for (int i = 0; i < 1000; i++) {
      CHECK_NEAR(got[i], ref[i], 1e-6 * std::fabs(ref[i]) + 1e-30);
    }
  }
}

}  // namespace
}  // namespace arb

namespace arb {
namespace {

// A LoRA pair of random values stored as `type` (views into `bytes`).
LoraPair random_pair(GgmlType type, int rank, int64_t n_in, int64_t n_out, float scale, std::mt19937& rng,
                     std::vector<std::vector<uint8_t>>* bytes) {
  std::normal_distribution<float> normal(0.0f, 0.3f);
  auto matrix = [&](int64_t rows, int64_t cols) {
    TensorView v;
    v.type = type;
    v.n_dims = 2;
    v.ne[0] = cols;
    v.ne[1] = rows;
    std::vector<float> row(static_cast<size_t>(cols));
    bytes->emplace_back(ggml_row_size(type, cols) * static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; r++) {
      for (float& x : row) x = normal(rng);
      quantize_row_ref(type, row.data(), bytes->back().data() + r * ggml_row_size(type, cols), cols);
    }
    v.data = bytes->back().data();
    v.n_bytes = bytes->back().size();
    return v;
  };
  LoraPair p;
  p.rank = rank;
  p.scale = scale;
  p.a = matrix(rank, n_in);
  p.b = matrix(n_out, rank);
  return p;
}

TEST(lora_products_match_the_scalar_reference) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::vector<uint8_t>> bytes;
  // 130 outputs: a partial last block of the packed B. Ranks 20 (more than a block's 16
  // lanes), 8 and 5; the three stored types (BF16 packs as F32).
  const int64_t n_in = 96, n_out = 130;
  const LoraPair pairs[3] = {random_pair(GgmlType::F32, 20, n_in, n_out, 2.0f, rng, &bytes),
                             random_pair(GgmlType::F16, 8, n_in, n_out, 0.5f, rng, &bytes),
                             random_pair(GgmlType::BF16, 5, n_in, n_out, 1.0f, rng, &bytes)};
  std::vector<std::vector<uint8_t>> packed(3);
  CpuLoraPair cpu[3];
  for (int i = 0; i < 3; i++) cpu[i] = pack_lora_pair(pairs[i], &packed[static_cast<size_t>(i)]);
  CHECK(cpu[1].b_type == GgmlType::F16 && cpu[2].b_type == GgmlType::F32);

  // The base projection the products add to: F32, n_out x n_in.
  std::vector<float> w(static_cast<size_t>(n_out * n_in));
  for (float& v : w) v = normal(rng);
  TensorView base;
  base.type = GgmlType::F32;
  base.n_dims = 2;
  base.ne[0] = n_in;
  base.ne[1] = n_out;
  base.data = reinterpret_cast<const uint8_t*>(w.data());
  base.n_bytes = w.size() * sizeof(float);
  ThreadPool pool(2);
  auto project = [&](const float* x, int n_tok, float* y, const std::vector<LoraProduct>* lora) {
    MatmulTask task;
    task.kernel = select_matmul_kernel(GgmlType::F32);
    task.w = &base;
    task.act = x;
    task.act_row_bytes = n_in * sizeof(float);
    task.n_tok = n_tok;
    task.y = y;
    task.ldy = n_out;
    run_matmuls(pool, &task, 1, lora);
  };

  // A decode-sized step and a prompt-sized one (products split into blocks of tokens).
  for (const int n_tok : {7, 150}) {
    std::vector<float> x(static_cast<size_t>(n_tok * n_in));
    for (float& v : x) v = normal(rng);
    std::vector<float> want(static_cast<size_t>(n_tok * n_out));
    project(x.data(), n_tok, want.data(), nullptr);
    // Three sequences of one step: the first third of the tokens runs pair 0, the next token
    // pair 1, the rest pair 2.
    const int third = n_tok / 3;
    const int runs[3][2] = {{0, third}, {third, 1}, {third + 1, n_tok - third - 1}};
    std::vector<float> u(static_cast<size_t>(n_tok * 20));
    std::vector<LoraProduct> products;
    for (int i = 0; i < 3; i++) {
      const int t0 = runs[i][0];
      lora_product_ref(pairs[i], &x[t0 * n_in], n_in, &want[t0 * n_out], n_out, runs[i][1]);
      LoraProduct p;
      p.pair = &cpu[i];
      p.x = &x[t0 * n_in];
      p.ldx = n_in;
      p.y = nullptr;  // set per run below
      p.ldy = n_out;
      p.n_tok = runs[i][1];
      p.u = &u[static_cast<size_t>(t0) * 20];
      products.push_back(p);
    }

    // Every up kernel this CPU runs: the reference's values, and all the same bits.
    std::vector<float> first;
    for (const CpuIsa isa : {CpuIsa::Portable, CpuIsa::Avx2, CpuIsa::Avx512}) {
      if (isa > cpu_isa_supported()) continue;
      for (CpuLoraPair& c : cpu) {
        for (const auto& [kernel_isa, fn] : lora_up_kernels(c.b_type)) {
          if (kernel_isa == isa) c.up = fn;
        }
      }
      std::vector<float> y(want.size());
      for (int i = 0; i < 3; i++) products[static_cast<size_t>(i)].y = &y[runs[i][0] * n_out];
      project(x.data(), n_tok, y.data(), &products);
      for (size_t i = 0; i < y.size(); i++) CHECK_NEAR(y[i], want[i], 1e-4 * (1.0 + std::fabs(want[i])));
      if (first.empty()) first = y;
      CHECK(std::memcmp(first.data(), y.data(), sizeof(float) * y.size()) == 0);

      // Row ranges that cut the packed blocks (5..37, 37..130) give the same bits.
      std::vector<float> cut(want.size());
      project(x.data(), n_tok, cut.data(), nullptr);
      for (int i = 0; i < 3; i++) {
        LoraProduct p = products[static_cast<size_t>(i)];
        p.y = &cut[runs[i][0] * n_out];
        lora_down(p, 0, p.n_tok);
        const std::pair<int64_t, int64_t> ranges[] = {{0, 5}, {5, 37}, {37, n_out}};
        for (const auto& [r0, r1] : ranges) lora_up_rows(p, r0, r1);
      }
      CHECK(std::memcmp(cut.data(), y.data(), sizeof(float) * y.size()) == 0);

      // The second sequence's token alone gets the same bits as within the step (batch invariance).
      std::vector<float> alone(static_cast<size_t>(n_out));
      std::vector<LoraProduct> one = {products[1]};
      one[0].x = &x[third * n_in];
      one[0].y = alone.data();
      project(&x[third * n_in], 1, alone.data(), &one);
      CHECK(std::memcmp(alone.data(), &y[third * n_out], sizeof(float) * n_out) == 0);
    }
  }
}

}  // namespace
}  // namespace arb
