// Every matmul kernel on this CPU (portable, AVX2, AVX-512) against the scalar references in
// quants_ref.cpp, on random data; plus the batch invariance the scheduler relies on.
#include <cstring>
#include <random>

#include "../cpu/attention.h"
#include "../cpu/kernels.h"
#include "../cpu/ops.h"
#include "../quants_ref.h"
#include "test.h"

namespace arb {
namespace {

const GgmlType kTypes[] = {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0};

bool is_quantized(GgmlType t) { return t == GgmlType::Q8_0 || t == GgmlType::Q4_0; }

struct Problem {
  GgmlType type;
  int64_t rows, cols;
  int n_tok;
  std::vector<uint8_t> w;
  std::vector<float> x;            // n_tok x cols
  std::vector<block_q8_act> xq;    // n_tok x cols/32, the reference's blocks
  std::vector<uint8_t> xrows;      // the same, as the kernels' Q8 activation rows
};

Problem make_problem(GgmlType type, int64_t rows, int64_t cols, int n_tok, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Problem p{type, rows, cols, n_tok, {}, {}, {}, {}};
  std::vector<float> wf(static_cast<size_t>(cols));
  p.w.resize(ggml_row_size(type, cols) * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; r++) {
    for (float& v : wf) v = normal(rng) * 0.1f;
    quantize_row_ref(type, wf.data(), p.w.data() + ggml_row_size(type, cols) * static_cast<size_t>(r), cols);
  }
  p.x.resize(static_cast<size_t>(n_tok * cols));
  for (float& v : p.x) v = normal(rng);
  if (is_quantized(type)) {
    p.xq.resize(static_cast<size_t>(n_tok * cols / QK8_0));
    p.xrows.resize(q8_act_row_bytes(cols) * n_tok);
    for (int t = 0; t < n_tok; t++) {
      quantize_row_q8_act_ref(&p.x[t * cols], &p.xq[t * cols / QK8_0], cols);
      select_quantize_act(CpuIsa::Portable)(&p.x[t * cols], &p.xrows[q8_act_row_bytes(cols) * t], cols);
    }
  }
  return p;
}

MatmulArgs args_for(const Problem& p, const MatmulKernel& k, float* y, int n_tok, int t0) {
  MatmulArgs a;
  a.w = p.w.data();
  a.w_row_bytes = ggml_row_size(p.type, p.cols);
  a.n_cols = p.cols;
  if (k.act == ActFormat::Q8) {
    a.act_row_bytes = q8_act_row_bytes(p.cols);
    a.act = p.xrows.data() + a.act_row_bytes * t0;
  } else {
    a.act_row_bytes = static_cast<size_t>(p.cols) * sizeof(float);
    a.act = p.x.data() + t0 * p.cols;
  }
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
    // 37 rows: whole 4-row tiles plus a tail; float types also get a column tail.
    const int64_t cols = is_quantized(type) ? 320 : 325;
    const Problem p = make_problem(type, 37, cols, 9, 1234 + static_cast<uint32_t>(type));
    const size_t rb = ggml_row_size(type, cols);
    for (const MatmulKernel& k : kernels) {
      std::vector<float> y(static_cast<size_t>(p.rows * p.n_tok), NAN);
      k.rows(args_for(p, k, y.data(), p.n_tok, 0), 0, p.rows);
      for (int t = 0; t < p.n_tok; t++) {
        for (int64_t r = 0; r < p.rows; r++) {
          const uint8_t* row = p.w.data() + rb * static_cast<size_t>(r);
          double expected, mag = 0.0;
          if (is_quantized(type)) {
            // Same quantized activations: only the fp32 accumulation order can differ.
            expected = vec_dot_q8_act_ref(type, row, &p.xq[t * cols / QK8_0], cols);
            std::vector<float> wf(static_cast<size_t>(cols));
            dequantize_row(type, row, wf.data(), cols);
            for (int64_t i = 0; i < cols; i++) {
              mag += std::fabs(wf[i] * p.xq[(t * cols + i) / QK8_0].d * p.xq[(t * cols + i) / QK8_0].qs[i % QK8_0]);
            }
          } else {
            expected = vec_dot_ref(type, row, &p.x[t * cols], cols);
            std::vector<float> wf(static_cast<size_t>(cols));
            dequantize_row(type, row, wf.data(), cols);
            for (int64_t i = 0; i < cols; i++) mag += std::fabs(wf[i] * p.x[t * cols + i]);
          }
          const double got = y[static_cast<size_t>(t * p.rows + r)];
          CHECK_MSG(std::fabs(got - expected) <= accumulation_tolerance(cols, mag),
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
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_0}) {
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
        for (int64_t i = 0; i < p.cols; i++) bound += std::fabs(wf[i]) * p.xq[(t * p.cols + i) / QK8_0].d / 2;
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
    }
    CHECK(std::isnan(got.d[3]) && got.sum[3] == 0 && std::isinf(got.d[6]) && got.sum[6] == 0);
    CHECK_MSG(same, cpu_isa_name(isa));
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

TEST(q8_0_and_q4_0_round_trip_within_half_a_step) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(256), back(256);
  for (float& v : x) v = normal(rng);
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_0}) {
    std::vector<uint8_t> q(ggml_row_size(type, 256));
    quantize_row_ref(type, x.data(), q.data(), 256);
    dequantize_row(type, q.data(), back.data(), 256);
    for (int b = 0; b < 8; b++) {
      const float d = fp16_to_fp32(reinterpret_cast<const ggml_half*>(q.data() + b * ggml_type_size(type))[0]);
      for (int i = 0; i < 32; i++) {
        // Q4_0 rounds by truncating x/d + 8.5 and clamps at 15: still within one step of d.
        CHECK_NEAR(back[b * 32 + i], x[b * 32 + i], std::fabs(d) * (type == GgmlType::Q4_0 ? 1.0f : 0.5f) + 1e-3f);
      }
    }
  }
}

}  // namespace
}  // namespace arb

namespace arb {
namespace {

TEST(attention_kernels_match_portable_reference) {
  // The SIMD paths sum in a different order and use a polynomial exp (a few ulp): outputs
  // agree to 1e-5 of the largest value (softmax weights and values are O(1)).
  std::mt19937 rng(17);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int head_dim : {64, 128, 40}) {
    for (int n_keys : {1, 7, 17, 100}) {
      const int group = 4;
      std::vector<float> q(group * head_dim), k(n_keys * head_dim), v(n_keys * head_dim);
      for (float& x : q) x = normal(rng) * 2.0f;
      for (float& x : k) x = normal(rng);
      for (float& x : v) x = normal(rng);
      std::vector<float> scores(group * n_keys), ref(group * head_dim), got(group * head_dim);
      AttendArgs a{q.data(), head_dim, group, k.data(), v.data(), n_keys, head_dim, scores.data(), ref.data(), head_dim};
      attend_portable(a);
      for (CpuIsa isa : {CpuIsa::Avx2, CpuIsa::Avx512}) {
        if (isa > cpu_isa_supported()) continue;
        a.out = got.data();
        select_attend(isa, head_dim)(a);
        double worst = 0;
        for (size_t i = 0; i < got.size(); i++) worst = std::max(worst, std::fabs(static_cast<double>(got[i]) - ref[i]));
        CHECK_MSG(worst <= 1e-5 * 4, std::string(cpu_isa_name(isa)) + " head_dim " + std::to_string(head_dim) +
                                         " keys " + std::to_string(n_keys) + ": " + std::to_string(worst));
      }
    }
  }
}

}  // namespace
}  // namespace arb

namespace arb {
namespace {

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
