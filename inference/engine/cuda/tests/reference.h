// Scalar references for the CUDA tests: random weight blocks of every type, dequantization
// (ggml's formulas; the types quants_ref.cpp covers are cross-checked against it), the q8
// activation quantizers, exact q8 dot products, and a float64 llama forward pass.
#pragma once
#include <cstdint>
#include <vector>

#include "../../ggml_types.h"
#include "../../model.h"

namespace arb::gputest {

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  float uniform() { return static_cast<float>(next() >> 40) / static_cast<float>(1ull << 24); }
  float normal();
};

int64_t block_values(GgmlType t);   // 1, 32 or 256
size_t block_bytes(GgmlType t);
size_t row_bytes(GgmlType t, int64_t cols);

// `rows` GGUF rows of random blocks whose values have roughly standard deviation `std`.
std::vector<uint8_t> random_rows(GgmlType t, int64_t rows, int64_t cols, float std, Rng& rng);

// ggml's dequantize_row_* for every type the engine reads.
void ref_dequantize_row(GgmlType t, const uint8_t* src, float* dst, int64_t n);

// q8 activations in the GPU's storage (q per value, d and s per 32 values).
void ref_quantize_block32(const float* x, int64_t n, int8_t* q, float* d, int32_t* s);
void ref_quantize_super256(const float* x, int64_t n, int8_t* q, float* d, int32_t* s);

// Exact (double) dot of one weight row with q8 activations, from the integer quants and the
// scales, as the kernels define it; `abs_sum` receives the sum of the absolute per-unit terms
// (the scale of fp32 rounding error).
double ref_dot_q8(GgmlType t, const uint8_t* row, int64_t cols, const int8_t* q, const float* d,
                  const int32_t* s, double* abs_sum);

// A float64 llama forward pass over dequantized weights, one token at a time, with its own
// KV cache per slot.
class RefForward {
 public:
  RefForward(const LlamaModel& model, int n_slots, int n_ctx);
  // Appends tokens at positions n_past.. of `slot`; returns the logits of every token.
  std::vector<std::vector<double>> run(int slot, const std::vector<int32_t>& tokens, int n_past);
  void copy_prefix(int src_slot, int dst_slot, int n_tokens);

 private:
  struct Mat {
    int64_t rows = 0, cols = 0;
    std::vector<float> w;
    void matvec(const std::vector<double>& x, std::vector<double>& y) const;
  };
  Mat load(const TensorView& t) const;
  std::vector<double> rmsnorm(const std::vector<double>& x, const std::vector<float>& w) const;

  LlamaConfig c_;
  int n_ctx_;
  Mat tok_, out_;
  std::vector<float> out_norm_;
  struct Layer {
    std::vector<float> attn_norm, ffn_norm;
    Mat wq, wk, wv, wo, gate, up, down;
  };
  std::vector<Layer> layers_;
  std::vector<std::vector<double>> k_, v_;  // [slot][(layer * n_ctx + pos) * kv_dim + j]
};

}  // namespace arb::gputest
