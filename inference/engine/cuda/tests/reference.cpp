// Scalar references for the CUDA tests (see reference.h). Block formulas follow ggml-quants.c.
#include "reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace arb::gputest {

float Rng::normal() {
  const float u1 = std::max(uniform(), 1e-7f), u2 = uniform();
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
}

int64_t block_values(GgmlType t) {
  switch (t) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16: return 1;
    case GgmlType::Q4_K:
    case GgmlType::Q6_K: return QK_K;
    default: return 32;
  }
}

size_t block_bytes(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return 4;
    case GgmlType::F16:
    case GgmlType::BF16: return 2;
    case GgmlType::Q8_0: return sizeof(block_q8_0);
    case GgmlType::Q4_0: return sizeof(block_q4_0);
    case GgmlType::Q5_0: return sizeof(block_q5_0);
    case GgmlType::Q4_K: return sizeof(block_q4_K);
    case GgmlType::Q6_K: return sizeof(block_q6_K);
    default: return 0;
  }
}

size_t row_bytes(GgmlType t, int64_t cols) {
  return static_cast<size_t>(cols / block_values(t)) * block_bytes(t);
}

std::vector<uint8_t> random_rows(GgmlType t, int64_t rows, int64_t cols, float std, Rng& rng) {
  const size_t rb = row_bytes(t, cols);
  std::vector<uint8_t> out(rb * static_cast<size_t>(rows));
  auto put_half = [](uint8_t* p, float f) {
    const ggml_half h = fp32_to_fp16(f);
    std::memcpy(p, &h, 2);
  };
  const int64_t nb = static_cast<int64_t>(out.size() / block_bytes(t));
  for (int64_t b = 0; b < nb; b++) {
    uint8_t* p = out.data() + static_cast<size_t>(b) * block_bytes(t);
    switch (t) {
      case GgmlType::F32: {
        const float f = std * rng.normal();
        std::memcpy(p, &f, 4);
        break;
      }
      case GgmlType::F16: put_half(p, std * rng.normal()); break;
      case GgmlType::BF16: {
        const ggml_bf16 h = fp32_to_bf16(std * rng.normal());
        std::memcpy(p, &h, 2);
        break;
      }
      default: {
        for (size_t i = 0; i < block_bytes(t); i++) p[i] = static_cast<uint8_t>(rng.next() >> 56);
        const float jitter = 0.5f + rng.uniform();
        if (t == GgmlType::Q8_0) put_half(p, jitter * std / 73.0f);
        if (t == GgmlType::Q4_0) put_half(p, jitter * std / 4.6f);
        if (t == GgmlType::Q5_0) put_half(p, jitter * std / 9.2f);
        if (t == GgmlType::Q4_K) {
          put_half(p, jitter * std / 170.0f);            // d
          put_half(p + 2, jitter * std * 7.5f / 170.0f);  // dmin: centres d*sc*q - dmin*m
        }
        if (t == GgmlType::Q6_K) {
          int8_t* sc = reinterpret_cast<int8_t*>(p + offsetof(block_q6_K, scales));
          for (int i = 0; i < QK_K / 16; i++) sc[i] = static_cast<int8_t>(static_cast<int>(rng.next() >> 57) - 64);
          put_half(p + offsetof(block_q6_K, d), jitter * std / 666.0f);
        }
      }
    }
  }
  return out;
}

static float h2f(const uint8_t* p) {
  ggml_half h;
  std::memcpy(&h, p, 2);
  return fp16_to_fp32(h);
}

void ref_dequantize_row(GgmlType t, const uint8_t* src, float* y, int64_t n) {
  switch (t) {
    case GgmlType::F32: std::memcpy(y, src, static_cast<size_t>(n) * 4); return;
    case GgmlType::F16:
      for (int64_t i = 0; i < n; i++) y[i] = h2f(src + 2 * i);
      return;
    case GgmlType::BF16:
      for (int64_t i = 0; i < n; i++) {
        ggml_bf16 h;
        std::memcpy(&h, src + 2 * i, 2);
        y[i] = bf16_to_fp32(h);
      }
      return;
    case GgmlType::Q8_0:
      for (int64_t i = 0; i < n / 32; i++) {
        const uint8_t* b = src + i * sizeof(block_q8_0);
        const float d = h2f(b);
        for (int j = 0; j < 32; j++) y[i * 32 + j] = static_cast<int8_t>(b[2 + j]) * d;
      }
      return;
    case GgmlType::Q4_0:
      for (int64_t i = 0; i < n / 32; i++) {
        const uint8_t* b = src + i * sizeof(block_q4_0);
        const float d = h2f(b);
        for (int j = 0; j < 16; j++) {
          y[i * 32 + j] = ((b[2 + j] & 0x0F) - 8) * d;
          y[i * 32 + j + 16] = ((b[2 + j] >> 4) - 8) * d;
        }
      }
      return;
    case GgmlType::Q5_0:
      for (int64_t i = 0; i < n / 32; i++) {
        const uint8_t* b = src + i * sizeof(block_q5_0);
        const float d = h2f(b);
        uint32_t qh;
        std::memcpy(&qh, b + 2, 4);
        for (int j = 0; j < 16; j++) {
          const uint8_t xh_0 = ((qh >> (j + 0)) << 4) & 0x10;
          const uint8_t xh_1 = ((qh >> (j + 12))) & 0x10;
          const int32_t x0 = ((b[6 + j] & 0x0F) | xh_0) - 16;
          const int32_t x1 = ((b[6 + j] >> 4) | xh_1) - 16;
          y[i * 32 + j] = x0 * d;
          y[i * 32 + j + 16] = x1 * d;
        }
      }
      return;
    case GgmlType::Q4_K:
      for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t* b = src + i * sizeof(block_q4_K);
        const float d = h2f(b), dmin = h2f(b + 2);
        const uint8_t* scales = b + 4;
        const uint8_t* q = b + 16;
        float* yy = y + i * QK_K;
        int is = 0;
        auto scale_min = [&](int j, uint8_t* sc, uint8_t* m) {
          if (j < 4) {
            *sc = scales[j] & 63;
            *m = scales[j + 4] & 63;
          } else {
            *sc = (scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4);
            *m = (scales[j + 4] >> 4) | ((scales[j - 0] >> 6) << 4);
          }
        };
        for (int j = 0; j < QK_K; j += 64) {
          uint8_t sc, m;
          scale_min(is + 0, &sc, &m);
          const float d1 = d * sc, m1 = dmin * m;
          scale_min(is + 1, &sc, &m);
          const float d2 = d * sc, m2 = dmin * m;
          for (int l = 0; l < 32; ++l) *yy++ = d1 * (q[l] & 0xF) - m1;
          for (int l = 0; l < 32; ++l) *yy++ = d2 * (q[l] >> 4) - m2;
          q += 32;
          is += 2;
        }
      }
      return;
    case GgmlType::Q6_K:
      for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t* b = src + i * sizeof(block_q6_K);
        const float d = h2f(b + offsetof(block_q6_K, d));
        const uint8_t* ql = b;
        const uint8_t* qh = b + 128;
        const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
        float* yy = y + i * QK_K;
        for (int nn = 0; nn < QK_K; nn += 128) {
          for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int8_t q1 = static_cast<int8_t>((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int8_t q2 = static_cast<int8_t>((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int8_t q3 = static_cast<int8_t>((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int8_t q4 = static_cast<int8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            yy[l + 0] = d * sc[is + 0] * q1;
            yy[l + 32] = d * sc[is + 2] * q2;
            yy[l + 64] = d * sc[is + 4] * q3;
            yy[l + 96] = d * sc[is + 6] * q4;
          }
          yy += 128;
          ql += 64;
          qh += 32;
          sc += 8;
        }
      }
      return;
    default:
      for (int64_t i = 0; i < n; i++) y[i] = NAN;
  }
}

void ref_quantize_block32(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  for (int64_t b = 0; b < n / 32; b++) {
    const float* xb = x + b * 32;
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) amax = std::fmax(amax, std::fabs(xb[j]));
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    d[b] = amax / 127.0f;
    int32_t sum = 0;
    for (int j = 0; j < 32; j++) {
      const int v = static_cast<int>(std::nearbyint(xb[j] * id));
      q[b * 32 + j] = static_cast<int8_t>(v);
      sum += v;
    }
    s[b] = sum;
  }
}

// ggml quantize_row_q8_K_ref; nearest_int rounds half to even like nearbyint.
void ref_quantize_super256(const float* x, int64_t n, int8_t* q, float* d, int32_t* s) {
  for (int64_t b = 0; b < n / QK_K; b++) {
    const float* xb = x + b * QK_K;
    float max = 0, amax = 0;
    for (int j = 0; j < QK_K; ++j) {
      const float ax = std::fabs(xb[j]);
      if (ax > amax) {
        amax = ax;
        max = xb[j];
      }
    }
    float dd = 0.0f;
    if (amax != 0.0f) {
      const float iscale = -127.f / max;
      for (int j = 0; j < QK_K; ++j) {
        const int v = static_cast<int>(std::nearbyint(iscale * xb[j]));
        q[b * QK_K + j] = static_cast<int8_t>(v < 127 ? v : 127);
      }
      dd = 1 / iscale;
    } else {
      std::memset(q + b * QK_K, 0, QK_K);
    }
    for (int j = 0; j < 8; j++) {
      int32_t sum = 0;
      for (int l = 0; l < 32; l++) sum += q[b * QK_K + j * 32 + l];
      d[b * 8 + j] = dd;
      s[b * 8 + j] = sum;
    }
  }
}

double ref_dot_q8(GgmlType t, const uint8_t* row, int64_t cols, const int8_t* q, const float* d,
                  const int32_t* s, double* abs_sum) {
  double sum = 0.0, asum = 0.0;
  for (int64_t u = 0; u < cols / 32; u++) {
    const int8_t* a = q + u * 32;
    const double da = d[u];
    double term = 0.0;
    if (t == GgmlType::Q8_0 || t == GgmlType::Q4_0 || t == GgmlType::Q5_0) {
      // Integer quants of the weight block (value = dw * wq[j]).
      const uint8_t* b = row + u * block_bytes(t);
      const double dw = h2f(b);
      int wq[32];
      if (t == GgmlType::Q8_0) {
        for (int j = 0; j < 32; j++) wq[j] = static_cast<int8_t>(b[2 + j]);
      } else if (t == GgmlType::Q4_0) {
        for (int j = 0; j < 16; j++) {
          wq[j] = (b[2 + j] & 0xF) - 8;
          wq[j + 16] = (b[2 + j] >> 4) - 8;
        }
      } else {
        uint32_t qh;
        std::memcpy(&qh, b + 2, 4);
        for (int j = 0; j < 16; j++) {
          wq[j] = ((b[6 + j] & 0xF) | (((qh >> j) & 1) << 4)) - 16;
          wq[j + 16] = ((b[6 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
        }
      }
      int64_t isum = 0;
      for (int j = 0; j < 32; j++) isum += static_cast<int64_t>(wq[j]) * a[j];
      term = dw * da * static_cast<double>(isum);
    } else if (t == GgmlType::Q4_K) {
      const uint8_t* b = row + (u / 8) * sizeof(block_q4_K);
      const int j = static_cast<int>(u % 8);
      const double dw = h2f(b), dmin = h2f(b + 2);
      const uint8_t* scales = b + 4;
      int sc, m;
      if (j < 4) {
        sc = scales[j] & 63;
        m = scales[j + 4] & 63;
      } else {
        sc = (scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4);
        m = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
      }
      int64_t isum = 0;
      for (int l = 0; l < 32; l++) {
        const uint8_t byte = b[16 + (j / 2) * 32 + l];
        isum += static_cast<int64_t>((j & 1) ? (byte >> 4) : (byte & 0xF)) * a[l];
      }
      term = da * (dw * sc * static_cast<double>(isum) - dmin * m * static_cast<double>(s[u]));
    } else if (t == GgmlType::Q6_K) {
      const uint8_t* b = row + (u / 8) * sizeof(block_q6_K);
      const int j = static_cast<int>(u % 8), nn = j / 4, g = j % 4;
      const double dw = h2f(b + offsetof(block_q6_K, d));
      const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192 + 8 * nn);
      double acc = 0.0;
      for (int l = 0; l < 32; l++) {
        const uint8_t lo = b[64 * nn + 32 * (g & 1) + l];
        const uint8_t hi = b[128 + 32 * nn + l];
        const int qv = (((g >> 1) ? (lo >> 4) : (lo & 0xF)) | (((hi >> (2 * g)) & 3) << 4)) - 32;
        acc += static_cast<double>(sc[2 * g + l / 16]) * qv * a[l];
      }
      term = dw * da * acc;
    }
    sum += term;
    asum += std::fabs(term);
  }
  if (abs_sum) *abs_sum = asum;
  return sum;
}

// ---- float64 forward

void RefForward::Mat::matvec(const std::vector<double>& x, std::vector<double>& y) const {
  y.assign(static_cast<size_t>(rows), 0.0);
  for (int64_t r = 0; r < rows; r++) {
    double acc = 0.0;
    const float* wr = w.data() + r * cols;
    for (int64_t c = 0; c < cols; c++) acc += static_cast<double>(wr[c]) * x[static_cast<size_t>(c)];
    y[static_cast<size_t>(r)] = acc;
  }
}

RefForward::Mat RefForward::load(const TensorView& t) const {
  Mat m;
  m.rows = t.n_rows();
  m.cols = t.n_cols();
  m.w.resize(static_cast<size_t>(m.rows * m.cols));
  const size_t rb = row_bytes(t.type, m.cols);
  for (int64_t r = 0; r < m.rows; r++) ref_dequantize_row(t.type, t.data + r * rb, m.w.data() + r * m.cols, m.cols);
  return m;
}

static std::vector<float> load_vec(const TensorView& t) {
  std::vector<float> v(static_cast<size_t>(t.ne[0]));
  std::memcpy(v.data(), t.data, v.size() * 4);
  return v;
}

RefForward::RefForward(const LlamaModel& model, int n_slots, int n_ctx) : c_(model.config), n_ctx_(n_ctx) {
  const LlamaWeights& w = model.weights;
  tok_ = load(w.tok_embd);
  out_ = load(w.output);
  out_norm_ = load_vec(w.output_norm);
  for (const LayerWeights& L : w.layers) {
    Layer l;
    l.attn_norm = load_vec(L.attn_norm);
    l.ffn_norm = load_vec(L.ffn_norm);
    l.wq = load(L.wq);
    l.wk = load(L.wk);
    l.wv = load(L.wv);
    l.wo = load(L.wo);
    l.gate = load(L.w_gate);
    l.up = load(L.w_up);
    l.down = load(L.w_down);
    layers_.push_back(std::move(l));
  }
  const size_t kv = static_cast<size_t>(c_.n_layer) * n_ctx * c_.n_head_kv * c_.head_dim;
  k_.assign(static_cast<size_t>(n_slots), std::vector<double>(kv, 0.0));
  v_.assign(static_cast<size_t>(n_slots), std::vector<double>(kv, 0.0));
}

void RefForward::copy_prefix(int src_slot, int dst_slot, int n_tokens) {
  const size_t kv_dim = static_cast<size_t>(c_.n_head_kv) * c_.head_dim;
  for (int l = 0; l < c_.n_layer; l++) {
    const size_t at = static_cast<size_t>(l) * n_ctx_ * kv_dim;
    std::copy_n(k_[static_cast<size_t>(src_slot)].begin() + at, n_tokens * kv_dim, k_[static_cast<size_t>(dst_slot)].begin() + at);
    std::copy_n(v_[static_cast<size_t>(src_slot)].begin() + at, n_tokens * kv_dim, v_[static_cast<size_t>(dst_slot)].begin() + at);
  }
}

std::vector<double> RefForward::rmsnorm(const std::vector<double>& x, const std::vector<float>& w) const {
  double ss = 0.0;
  for (double v : x) ss += v * v;
  const double scale = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + c_.rms_eps);
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); i++) y[i] = x[i] * scale * w[i];
  return y;
}

std::vector<std::vector<double>> RefForward::run(int slot, const std::vector<int32_t>& tokens, int n_past) {
  const int hd = c_.head_dim, kv_dim = c_.n_head_kv * hd, group = c_.n_head / c_.n_head_kv;
  std::vector<std::vector<double>> logits;
  for (size_t t = 0; t < tokens.size(); t++) {
    const int pos = n_past + static_cast<int>(t);
    std::vector<double> x(static_cast<size_t>(c_.n_embd));
    for (int i = 0; i < c_.n_embd; i++) x[static_cast<size_t>(i)] = tok_.w[static_cast<size_t>(tokens[t]) * c_.n_embd + i];
    for (int l = 0; l < c_.n_layer; l++) {
      const Layer& L = layers_[static_cast<size_t>(l)];
      const std::vector<double> h = rmsnorm(x, L.attn_norm);
      std::vector<double> q, k, v;
      L.wq.matvec(h, q);
      L.wk.matvec(h, k);
      L.wv.matvec(h, v);
      auto rope = [&](std::vector<double>& vec, int heads) {
        for (int hh = 0; hh < heads; hh++) {
          for (int i = 0; i < c_.rope_dim / 2; i++) {
            const double theta = pos * std::pow(static_cast<double>(c_.rope_freq_base), -2.0 * i / c_.rope_dim);
            double& a = vec[static_cast<size_t>(hh * hd + 2 * i)];
            double& b = vec[static_cast<size_t>(hh * hd + 2 * i + 1)];
            const double a0 = a, b0 = b;
            a = a0 * std::cos(theta) - b0 * std::sin(theta);
            b = a0 * std::sin(theta) + b0 * std::cos(theta);
          }
        }
      };
      rope(q, c_.n_head);
      rope(k, c_.n_head_kv);
      double* kc = k_[static_cast<size_t>(slot)].data() + (static_cast<size_t>(l) * n_ctx_) * kv_dim;
      double* vc = v_[static_cast<size_t>(slot)].data() + (static_cast<size_t>(l) * n_ctx_) * kv_dim;
      for (int j = 0; j < kv_dim; j++) {
        kc[static_cast<size_t>(pos) * kv_dim + j] = k[static_cast<size_t>(j)];
        vc[static_cast<size_t>(pos) * kv_dim + j] = v[static_cast<size_t>(j)];
      }
      std::vector<double> attn(static_cast<size_t>(c_.n_head * hd), 0.0);
      for (int hh = 0; hh < c_.n_head; hh++) {
        const int kvh = hh / group;
        std::vector<double> sc(static_cast<size_t>(pos + 1));
        double mx = -1e300;
        for (int p = 0; p <= pos; p++) {
          double dot = 0.0;
          for (int d = 0; d < hd; d++) dot += q[static_cast<size_t>(hh * hd + d)] * kc[static_cast<size_t>(p) * kv_dim + kvh * hd + d];
          sc[static_cast<size_t>(p)] = dot / std::sqrt(static_cast<double>(hd));
          mx = std::max(mx, sc[static_cast<size_t>(p)]);
        }
        double den = 0.0;
        for (double& s : sc) den += (s = std::exp(s - mx));
        for (int p = 0; p <= pos; p++) {
          for (int d = 0; d < hd; d++) {
            attn[static_cast<size_t>(hh * hd + d)] += sc[static_cast<size_t>(p)] / den * vc[static_cast<size_t>(p) * kv_dim + kvh * hd + d];
          }
        }
      }
      std::vector<double> o;
      L.wo.matvec(attn, o);
      for (size_t i = 0; i < x.size(); i++) x[i] += o[i];
      const std::vector<double> h2 = rmsnorm(x, L.ffn_norm);
      std::vector<double> g, u, dn;
      L.gate.matvec(h2, g);
      L.up.matvec(h2, u);
      for (size_t i = 0; i < g.size(); i++) g[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
      L.down.matvec(g, dn);
      for (size_t i = 0; i < x.size(); i++) x[i] += dn[i];
    }
    std::vector<double> lg;
    out_.matvec(rmsnorm(x, out_norm_), lg);
    logits.push_back(std::move(lg));
  }
  return logits;
}

}  // namespace arb::gputest
