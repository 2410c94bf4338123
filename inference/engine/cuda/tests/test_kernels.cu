// Each CUDA kernel against the scalar references on random inputs: every weight type, odd sizes,
// outputs poisoned with NaN before each launch, and batch invariance (a row's result is the same
// bits alone or in a batch).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../device_weights.h"
#include "../kernels.h"
#include "../matvec2.cuh"
#include "../quant_types.cuh"
#include "../../quants_ref.h"
#include "check_util.h"
#include "reference.h"

namespace arb::gputest {

using cuda::ActBuf;
using cuda::DevMatrix;
using cuda::DeviceAllocations;
using cuda::LaunchCtx;

const GgmlType kAllTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0,
                              GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K};

static bool is_float(GgmlType t) { return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16; }

// A GGUF-layout tensor in host memory.
struct HostTensor {
  TensorView view;
  std::vector<uint8_t> bytes;
};

static HostTensor random_tensor(const std::string& name, GgmlType t, int64_t rows, int64_t cols, float std, Rng& rng) {
  HostTensor h;
  h.bytes = random_rows(t, rows, cols, std, rng);
  h.view.name = name;
  h.view.type = t;
  h.view.n_dims = 2;
  h.view.ne[0] = cols;
  h.view.ne[1] = rows;
  h.view.data = h.bytes.data();
  h.view.n_bytes = h.bytes.size();
  return h;
}

static std::vector<float> dequant_rows(const HostTensor& h) {
  const int64_t rows = h.view.n_rows(), cols = h.view.n_cols();
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; r++) {
    ref_dequantize_row(h.view.type, h.bytes.data() + r * row_bytes(h.view.type, cols), out.data() + r * cols, cols);
  }
  return out;
}

static ActBuf make_act(DeviceAllocations& mem, int64_t k, int rows, unsigned forms) {
  ActBuf b;
  b.k = k;
  b.ld = cuda::round_up(k, 256);
  const size_t n = static_cast<size_t>(b.ld) * rows;
  if (forms & cuda::kF32) TSTATUS(mem.alloc_array(n, &b.f32, "test"));
  if (forms & cuda::kF16) TSTATUS(mem.alloc_array(n, &b.f16, "test"));
  for (int which = 0; which < 2; which++) {
    if (!(forms & (which == 0 ? cuda::kQ32 : cuda::kQ256))) continue;
    cuda::Q8Act& q = which == 0 ? b.q32 : b.q256;
    TSTATUS(mem.alloc_array(n, &q.q, "test"));
    TSTATUS(mem.alloc_array(n / 32, &q.d, "test"));
    TSTATUS(mem.alloc_array(n / 32, &q.s, "test"));
  }
  return b;
}

template <typename T>
static std::vector<T> download(const T* p, size_t n) {
  std::vector<T> v(n);
  TCHECK(cudaDeviceSynchronize());
  TCHECK(cudaMemcpy(v.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost));
  return v;
}
template <typename T>
static void upload(T* p, const std::vector<T>& v) {
  TCHECK(cudaMemcpy(p, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
}

__global__ void dequant_all_kernel(DevMatrix m, float* out) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < m.rows * m.cols) out[i] = cuda::dequant_elem(m, i / m.cols, i % m.cols);
}

static std::string type_name(GgmlType t) { return ggml_type_name(t); }

// ---------------------------------------------------------------------------------------------

static void test_dequant(Report& rep, Rng& rng) {
  for (GgmlType t : kAllTypes) {
    const int64_t cols = is_float(t) ? 100 : (block_values(t) == 256 ? 512 : 96);
    const int64_t rows = 37;
    const HostTensor a = random_tensor("a", t, rows, cols, 1.0f, rng);
    const HostTensor b = random_tensor("b", t, rows, cols, 1.0f, rng);
    DeviceAllocations mem;
    DevMatrix concat, inter;
    TSTATUS(cuda::upload_matrix({&a.view, &b.view}, false, mem, &concat));
    TSTATUS(cuda::upload_matrix({&a.view, &b.view}, true, mem, &inter));
    const std::vector<float> ra = dequant_rows(a), rb = dequant_rows(b);
    DeviceVec<float> out(static_cast<size_t>(2 * rows * cols));
    int64_t bad = 0;
    for (int layout = 0; layout < 2; layout++) {
      out.poison();
      const DevMatrix& m = layout == 0 ? concat : inter;
      dequant_all_kernel<<<static_cast<unsigned>((2 * rows * cols + 255) / 256), 256>>>(m, out.get());
      TCHECK(cudaGetLastError());
      const std::vector<float> got = out.download();
      for (int64_t r = 0; r < 2 * rows; r++) {
        const bool from_a = layout == 0 ? r < rows : r % 2 == 0;
        const int64_t src = layout == 0 ? r % rows : r / 2;
        for (int64_t c = 0; c < cols; c++) {
          const float want = (from_a ? ra : rb)[static_cast<size_t>(src * cols + c)];
          if (std::memcmp(&want, &got[static_cast<size_t>(r * cols + c)], 4) != 0) bad++;
        }
      }
    }
    // The CPU engine's reference (quants_ref.cpp) agrees with ours where it covers the type.
    int64_t ref_bad = 0;
    if (quants_ref_supports(t)) {
      std::vector<float> v(static_cast<size_t>(cols));
      for (int64_t r = 0; r < rows; r++) {
        dequantize_row(t, a.bytes.data() + r * row_bytes(t, cols), v.data(), cols);
        ref_bad += std::memcmp(v.data(), ra.data() + r * cols, static_cast<size_t>(cols) * 4) != 0;
      }
    }
    rep.add("dequant bit-exact, concat+interleave " + type_name(t), bad == 0 && ref_bad == 0,
            "\"mismatches\": " + std::to_string(bad) + ", \"quants_ref_mismatched_rows\": " + std::to_string(ref_bad));
  }
}

static void test_embed(Report& rep, Rng& rng) {
  for (GgmlType t : kAllTypes) {
    const int64_t cols = is_float(t) ? 72 : 256;
    const HostTensor e = random_tensor("embd", t, 50, cols, 1.0f, rng);
    DeviceAllocations mem;
    DevMatrix m;
    TSTATUS(cuda::upload_matrix({&e.view}, false, mem, &m));
    const std::vector<int32_t> toks = {0, 49, 7, 7, 23};
    DeviceVec<int32_t> dt;
    dt.upload(toks);
    const int64_t ld = 256;
    DeviceVec<float> x(toks.size() * ld);
    x.poison();
    TSTATUS(cuda::launch_embed(m, dt.get(), static_cast<int>(toks.size()), x.get(), ld, LaunchCtx{}));
    const std::vector<float> got = x.download(), want = dequant_rows(e);
    int64_t bad = 0;
    for (size_t r = 0; r < toks.size(); r++) {
      bad += std::memcmp(&got[r * ld], &want[static_cast<size_t>(toks[r] * cols)], static_cast<size_t>(cols) * 4) != 0;
    }
    rep.add("embedding rows bit-exact " + type_name(t), bad == 0, "\"bad_rows\": " + std::to_string(bad));
  }
}

static void test_norm_quant(Report& rep, Rng& rng) {
  const int64_t n = 1024;
  const int rows = 5;
  std::vector<float> x(static_cast<size_t>(rows * n)), w(static_cast<size_t>(n));
  for (size_t i = 0; i < x.size(); i++) x[i] = rng.normal() * (1 + 10 * rng.uniform()) * ((i / 32) % 5 == 0 ? 30.0f : 1.0f);
  for (auto& v : w) v = 1.0f + 0.1f * rng.normal();
  for (int i = 0; i < 32; i++) x[static_cast<size_t>(64 + i)] = 0.0f;     // an all-zero block
  for (int i = 0; i < 256; i++) x[static_cast<size_t>(2 * n + 256 + i)] = 0.0f;  // an all-zero super-block
  x[static_cast<size_t>(3 * n + 10)] = 500.0f;   // equal magnitudes, opposite signs: the first wins
  x[static_cast<size_t>(3 * n + 200)] = -500.0f;
  x[static_cast<size_t>(4 * n + 300)] = -900.0f;
  x[static_cast<size_t>(4 * n + 301)] = 900.0f;
  DeviceAllocations mem;
  const unsigned all = cuda::kF32 | cuda::kF16 | cuda::kQ32 | cuda::kQ256;
  ActBuf b = make_act(mem, n, rows, all);
  DeviceVec<float> dx(static_cast<size_t>(rows * b.ld)), dw;
  {
    std::vector<float> padded(static_cast<size_t>(rows * b.ld), 0.0f);
    for (int r = 0; r < rows; r++) std::copy(x.begin() + r * n, x.begin() + (r + 1) * n, padded.begin() + r * b.ld);
    dx.upload(padded);
    dw.upload(w);
  }
  // With Super256 asked for, the one-warp-per-block kernel runs; without, the four-per-thread one.
  for (int variant = 0; variant < 4; variant++) {
    const int norm = variant & 1;
    const unsigned forms = variant < 2 ? all : (cuda::kF32 | cuda::kF16 | cuda::kQ32);
    TCHECK(cudaMemset(b.f32, 0xFF, static_cast<size_t>(rows * b.ld) * 4));
    TCHECK(cudaMemset(b.q32.q, 0x7F, static_cast<size_t>(rows * b.ld)));
    TCHECK(cudaMemset(b.q256.q, 0x7F, static_cast<size_t>(rows * b.ld)));
    TSTATUS(cuda::launch_norm_quant(dx.get(), b.ld, norm ? dw.get() : nullptr, 1e-5f, rows, b, forms, LaunchCtx{}));
    const auto f32 = download(b.f32, static_cast<size_t>(rows * b.ld));
    const auto f16 = download(b.f16, static_cast<size_t>(rows * b.ld));
    int64_t f_bad = 0, q32_bad = 0, q256_bad = 0;
    double max_rel = 0.0;
    for (int r = 0; r < rows; r++) {
      std::vector<float> want(static_cast<size_t>(n));
      if (norm) {
        // The CPU path's formula: sum of squares in double, mean and scale in float.
        double s = 0.0;
        for (int64_t i = 0; i < n; i++) s += static_cast<double>(x[static_cast<size_t>(r * n + i)]) * x[static_cast<size_t>(r * n + i)];
        const float mean = static_cast<float>(s / n);
        const float scale = 1.0f / std::sqrt(mean + 1e-5f);
        for (int64_t i = 0; i < n; i++) want[static_cast<size_t>(i)] = x[static_cast<size_t>(r * n + i)] * scale * w[static_cast<size_t>(i)];
      } else {
        std::copy(x.begin() + r * n, x.begin() + (r + 1) * n, want.begin());
      }
      for (int64_t i = 0; i < n; i++) {
        const float g = f32[static_cast<size_t>(r * b.ld + i)], wv = want[static_cast<size_t>(i)];
        max_rel = std::max(max_rel, static_cast<double>(std::fabs(g - wv) / std::max(1e-30f, std::fabs(wv))));
        if (!(std::fabs(g - wv) <= 1e-6f * std::fabs(wv))) f_bad++;
        const ggml_half h = fp32_to_fp16(g);
        if (std::memcmp(&h, &f16[static_cast<size_t>(r * b.ld + i)], 2) != 0) f_bad++;
      }
      // Quantizers are checked on the kernel's own fp32 output, so only the rounding is tested.
      const float* src = f32.data() + r * b.ld;
      std::vector<int8_t> q(static_cast<size_t>(n));
      std::vector<float> d(static_cast<size_t>(n / 32));
      std::vector<int32_t> s(static_cast<size_t>(n / 32));
      for (int which = 0; which < ((forms & cuda::kQ256) ? 2 : 1); which++) {
        if (which == 0) ref_quantize_block32(src, n, q.data(), d.data(), s.data());
        else ref_quantize_super256(src, n, q.data(), d.data(), s.data());
        const cuda::Q8Act& qa = which == 0 ? b.q32 : b.q256;
        const auto gq = download(qa.q + r * b.ld, static_cast<size_t>(n));
        const auto gd = download(qa.d + r * b.ld / 32, static_cast<size_t>(n / 32));
        const auto gs = download(qa.s + r * b.ld / 32, static_cast<size_t>(n / 32));
        const bool same = std::memcmp(gq.data(), q.data(), q.size()) == 0 && std::memcmp(gd.data(), d.data(), d.size() * 4) == 0 &&
                          std::memcmp(gs.data(), s.data(), s.size() * 4) == 0;
        (which == 0 ? q32_bad : q256_bad) += same ? 0 : 1;
      }
      // The CPU engine's own activation quantizer gives the same Block32 quants.
      std::vector<block_q8_act> cpu(static_cast<size_t>(n / 32));
      quantize_row_q8_act_ref(src, cpu.data(), n);
      ref_quantize_block32(src, n, q.data(), d.data(), s.data());
      for (int64_t bk = 0; bk < n / 32; bk++) {
        if (cpu[static_cast<size_t>(bk)].d != d[static_cast<size_t>(bk)] || cpu[static_cast<size_t>(bk)].sum != s[static_cast<size_t>(bk)] ||
            std::memcmp(cpu[static_cast<size_t>(bk)].qs, q.data() + bk * 32, 32) != 0) {
          q32_bad++;
        }
      }
    }
    rep.add(std::string(norm ? "rmsnorm" : "convert") + ((forms & cuda::kQ256) ? " (with Super256)" : " (Block32 only)") +
                " -> f32/f16 (1e-6 rel) and q8 bit-exact",
            f_bad == 0 && q32_bad == 0 && q256_bad == 0,
            "\"f_bad\": " + std::to_string(f_bad) + ", \"q32_bad_rows\": " + std::to_string(q32_bad) +
                ", \"q256_bad_rows\": " + std::to_string(q256_bad) + ", \"max_rel\": " + fmt("%.3g", max_rel));
  }
}

// Matrix-vector products, version 1 for every type and version 2 where it applies: Store, Add
// and batch invariance (an odd row count: a partial last group); SwiGLU on an interleaved
// gate/up pair.
static void test_matvec(Report& rep, Rng& rng) {
  for (GgmlType t : kAllTypes) {
    const int64_t cols = is_float(t) ? 100 : (block_values(t) == 256 ? 768 : 96 * 3);
    const int64_t rows = 75;
    const int max_vec = 11;
    const HostTensor wt = random_tensor("w", t, rows, cols, 1.0f / std::sqrt(static_cast<float>(cols)), rng);
    DeviceAllocations mem;
    DevMatrix m;
    TSTATUS(cuda::upload_matrix({&wt.view}, false, mem, &m));
    const unsigned form = cuda::act_form_for_decode(t);
    ActBuf a = make_act(mem, cols, max_vec, form | cuda::kF32);
    std::vector<float> x(static_cast<size_t>(max_vec * a.ld), 0.0f);
    for (int v = 0; v < max_vec; v++) {
      for (int64_t i = 0; i < cols; i++) x[static_cast<size_t>(v * a.ld + i)] = rng.normal();
    }
    upload(a.f32, x);
    if (form != cuda::kF32) TSTATUS(cuda::launch_norm_quant(a.f32, a.ld, nullptr, 0.0f, max_vec, a, form, LaunchCtx{}));
    // Reference per (vector, row): exact dot with the quantized activations the GPU made.
    const std::vector<float> wf = dequant_rows(wt);
    std::vector<double> want(static_cast<size_t>(max_vec * rows)), scale(static_cast<size_t>(max_vec * rows));
    const cuda::Q8Act& q8 = form == cuda::kQ256 ? a.q256 : a.q32;
    std::vector<int8_t> gq;
    std::vector<float> gd;
    std::vector<int32_t> gs;
    if (form != cuda::kF32) {
      gq = download(q8.q, static_cast<size_t>(max_vec * a.ld));
      gd = download(q8.d, static_cast<size_t>(max_vec * a.ld / 32));
      gs = download(q8.s, static_cast<size_t>(max_vec * a.ld / 32));
    }
    for (int v = 0; v < max_vec; v++) {
      for (int64_t r = 0; r < rows; r++) {
        double s = 0.0, as = 0.0;
        if (form == cuda::kF32) {
          for (int64_t c = 0; c < cols; c++) {
            const double term = static_cast<double>(wf[static_cast<size_t>(r * cols + c)]) * x[static_cast<size_t>(v * a.ld + c)];
            s += term;
            as += std::fabs(term);
          }
        } else {
          s = ref_dot_q8(t, wt.bytes.data() + r * row_bytes(t, cols), cols, gq.data() + v * a.ld, gd.data() + v * a.ld / 32,
                         gs.data() + v * a.ld / 32, &as);
        }
        want[static_cast<size_t>(v * rows + r)] = s;
        scale[static_cast<size_t>(v * rows + r)] = as;
      }
    }
    std::vector<cuda::MatvecImpl> impls = {cuda::MatvecImpl::V1};
    if (cuda::matvec2_supports(t, cols)) impls.push_back(cuda::MatvecImpl::V2);
    DeviceVec<float> y(static_cast<size_t>(max_vec * rows));
    for (cuda::MatvecImpl impl : impls) {
    const std::string tag = impl == cuda::MatvecImpl::V2 ? " [v2]" : " [v1]";
    int64_t bad = 0;
    double worst = 0.0;
    std::vector<float> solo;
    for (int nvec : {1, 2, 3, 5, 8, 11}) {
      for (int add = 0; add < 2; add++) {
        std::vector<float> base(static_cast<size_t>(max_vec * rows));
        for (auto& b : base) b = add ? rng.normal() : 0.0f;
        if (add) y.upload(base);
        else y.poison();
        cuda::MatvecArgs mv;
        mv.w = m;
        mv.nvec = nvec;
        mv.a = &a;
        mv.epi = add ? cuda::Epilogue::Add : cuda::Epilogue::Store;
        mv.y = y.get();
        mv.y_ld = rows;
        mv.impl = impl;
        TSTATUS(cuda::launch_matvec(mv, LaunchCtx{}));
        const std::vector<float> got = y.download();
        for (int v = 0; v < max_vec; v++) {
          for (int64_t r = 0; r < rows; r++) {
            const size_t i = static_cast<size_t>(v * rows + r);
            if (v >= nvec) {
              if (add && std::memcmp(&got[i], &base[i], 4) != 0) bad++;  // untouched
              continue;
            }
            // fp32 accumulation over cols/32 units: error well under 1e-5 of the absolute terms.
            const double err = std::fabs((got[i] - base[i]) - want[i]);
            const double tol = 2e-5 * scale[i] + 1e-6;
            worst = std::max(worst, err / (scale[i] + 1e-30));
            if (!(err <= tol)) bad++;
          }
        }
        if (!add && nvec == 1) solo = got;
        if (!add && nvec > 1 && std::memcmp(solo.data(), got.data(), static_cast<size_t>(rows) * 4) != 0) bad += 1000000;
      }
    }
    rep.add("matvec store/add, 1..11 vectors, batch-invariant " + type_name(t) + tag, bad == 0,
            "\"bad\": " + std::to_string(bad) + ", \"max_err_over_abs_terms\": " + fmt("%.3g", worst));
    }

    // SwiGLU epilogue on interleaved gate/up rows.
    const HostTensor gt = random_tensor("gate", t, 37, cols, 1.0f / std::sqrt(static_cast<float>(cols)), rng);
    const HostTensor ut = random_tensor("up", t, 37, cols, 1.0f / std::sqrt(static_cast<float>(cols)), rng);
    DevMatrix gu;
    TSTATUS(cuda::upload_matrix({&gt.view, &ut.view}, true, mem, &gu));
    DeviceVec<float> h(static_cast<size_t>(max_vec * 37));
    for (cuda::MatvecImpl impl : impls) {
    const std::string tag = impl == cuda::MatvecImpl::V2 ? " [v2]" : " [v1]";
    h.poison();
    cuda::MatvecArgs mv;
    mv.w = gu;
    mv.nvec = max_vec;
    mv.a = &a;
    mv.epi = cuda::Epilogue::SwiGlu;
    mv.y = h.get();
    mv.y_ld = 37;
    mv.impl = impl;
    TSTATUS(cuda::launch_matvec(mv, LaunchCtx{}));
    const std::vector<float> hg = h.download();
    const std::vector<float> gf = dequant_rows(gt), uf = dequant_rows(ut);
    double rel = 0.0;
    int64_t sbad = 0;
    for (int v = 0; v < max_vec; v++) {
      for (int r = 0; r < 37; r++) {
        double g = 0.0, u = 0.0, ag = 0.0, au = 0.0;
        if (form == cuda::kF32) {
          for (int64_t c = 0; c < cols; c++) {
            g += static_cast<double>(gf[static_cast<size_t>(r * cols + c)]) * x[static_cast<size_t>(v * a.ld + c)];
            u += static_cast<double>(uf[static_cast<size_t>(r * cols + c)]) * x[static_cast<size_t>(v * a.ld + c)];
          }
        } else {
          g = ref_dot_q8(t, gt.bytes.data() + r * row_bytes(t, cols), cols, gq.data() + v * a.ld, gd.data() + v * a.ld / 32,
                         gs.data() + v * a.ld / 32, &ag);
          u = ref_dot_q8(t, ut.bytes.data() + r * row_bytes(t, cols), cols, gq.data() + v * a.ld, gd.data() + v * a.ld / 32,
                         gs.data() + v * a.ld / 32, &au);
        }
        const double want_h = g / (1.0 + std::exp(-g)) * u;
        const double e = std::fabs(hg[static_cast<size_t>(v * 37 + r)] - want_h);
        rel = std::max(rel, e / (std::fabs(want_h) + 1e-3));
        if (!(e <= 1e-4 * (std::fabs(want_h) + 1e-2))) sbad++;
      }
    }
    rep.add("matvec SwiGLU epilogue (interleaved gate/up) " + type_name(t) + tag, sbad == 0,
            "\"bad\": " + std::to_string(sbad) + ", \"max_rel\": " + fmt("%.3g", rel));
    }
  }
}

// Version 2's launch shapes: every block shape (warps per block, grid size) and (rows per warp,
// units per batch) configuration gives the same bits as the backend's launch. Widths: 288,
// 4608 and 11008 (the 7B FFN width).
template <GgmlType T, int NV, int R, int U>
static int64_t mv2_shape_mismatches(const cuda::Mv2Params& p, const std::vector<float>& want, int64_t rows, float* y,
                                    size_t n) {
  int64_t bad = 0;
  if (static_cast<int64_t>(cuda::mv2_smem_bytes(p.w.cols, NV)) > cuda::kMv2DynamicSmemLimit) return 0;  // launched narrower
  for (const cuda::Mv2Shape shape : {cuda::Mv2Shape{4, 1}, cuda::Mv2Shape{8, 1}, cuda::Mv2Shape{8, 3}, cuda::Mv2Shape{2, 7}}) {
    TCHECK(cudaMemset(y, 0xFF, n * 4));
    TSTATUS((cuda::launch_matvec2_kernel<T, NV, R, U>(p, shape, LaunchCtx{})));
    const std::vector<float> got = download(y, static_cast<size_t>(p.nvec * rows));
    bad += std::memcmp(got.data(), want.data(), got.size() * 4) != 0;
  }
  return bad;
}

template <GgmlType T>
static void test_matvec2_shapes_type(Report& rep, Rng& rng) {
  for (int64_t cols : {int64_t{288}, int64_t{4608}, int64_t{11008}}) {
    const int64_t rows = 69;
    const int max_vec = 11;
    const HostTensor wt = random_tensor("w", T, rows, cols, 1.0f / std::sqrt(static_cast<float>(cols)), rng);
    DeviceAllocations mem;
    DevMatrix m;
    TSTATUS(cuda::upload_matrix({&wt.view}, false, mem, &m));
    ActBuf a = make_act(mem, cols, max_vec, cuda::kF32 | cuda::kQ32);
    std::vector<float> x(static_cast<size_t>(max_vec * a.ld), 0.0f), w(static_cast<size_t>(cols));
    for (int v = 0; v < max_vec; v++) {
      const float row_scale = 0.05f + 20.0f * rng.uniform();
      for (int64_t i = 0; i < cols; i++) {
        x[static_cast<size_t>(v * a.ld + i)] = rng.normal() * row_scale * ((i / 32) % 7 == 3 ? 25.0f : 1.0f);
      }
    }
    for (int i = 0; i < 32; i++) x[static_cast<size_t>(a.ld + 64 + i)] = 0.0f;  // an all-zero block
    x[static_cast<size_t>(2 * a.ld + 5)] = 300.0f;                              // ties of magnitude
    x[static_cast<size_t>(2 * a.ld + 6)] = -300.0f;
    for (auto& v : w) v = 1.0f + 0.1f * rng.normal();
    upload(a.f32, x);
    DeviceVec<float> dw;
    dw.upload(w);
    DeviceVec<float> yref(static_cast<size_t>(max_vec * rows)), y(static_cast<size_t>(max_vec * rows));
    int64_t shape_bad = 0;
    TSTATUS(cuda::launch_norm_quant(a.f32, a.ld, dw.get(), 1e-5f, max_vec, a, cuda::kQ32, LaunchCtx{}));
    cuda::MatvecArgs mv;
    mv.w = m;
    mv.nvec = 3;
    mv.a = &a;
    mv.y = yref.get();
    mv.y_ld = rows;
    mv.impl = cuda::MatvecImpl::V2;
    yref.poison();
    TSTATUS(cuda::launch_matvec(mv, LaunchCtx{}));
    const std::vector<float> want = yref.download();
    // Launch shapes and configurations, from the same q8 buffer (three vectors).
    cuda::Mv2Params p{};
    p.w = m;
    p.nvec = 3;
    p.aq = a.q32.q;
    p.ad = a.q32.d;
    p.as = a.q32.s;
    p.a_ld = a.ld;
    p.epi = static_cast<int>(cuda::Epilogue::Store);
    p.y = y.get();
    p.y_ld = rows;
    shape_bad += mv2_shape_mismatches<T, 4, 2, 2>(p, want, rows, y.get(), y.size());
    shape_bad += mv2_shape_mismatches<T, 4, 4, 1>(p, want, rows, y.get(), y.size());
    shape_bad += mv2_shape_mismatches<T, 4, 2, 3>(p, want, rows, y.get(), y.size());
    shape_bad += mv2_shape_mismatches<T, 4, 2, 1>(p, want, rows, y.get(), y.size());
    rep.add("matvec v2 launch shapes and configurations == the backend's launch (bitwise) " + type_name(T) + " k=" +
                std::to_string(cols),
            shape_bad == 0, "\"shape_mismatches\": " + std::to_string(shape_bad));
  }
}

// Version 2's tuned dispatch (matvec2.cu): rows per warp 4 on tall matrices (more row pairs than
// resident warps; the height is derived from this device's multiprocessor count), 2 on short
// ones; the per-site configurations (gate/up and the output projection on the 64-register
// kernels at 1-2 vectors); launches with programmatic dependent launch on their own stream (as in
// the backend); 1..11 vectors: every launch equals one fixed configuration run one vector at a
// time, bit for bit. Widths: 2336 (73 units: 2-3 per lane, partial batches for every U) and the
// 7B widths 4096 and 11008 (11008 holds fewer than 8 vectors in a block's 44 KB of shared memory:
// wider launches are split).
template <GgmlType T>
static void test_matvec2_configs_type(Report& rep, Rng& rng) {
  int sms = 0, major = 0;
  TCHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  TCHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0));
  const int max_vec = 11;
  int64_t bad = 0, launches = 0;
  std::string error;
  cudaStream_t stream = nullptr;
  TCHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const std::pair<int64_t, int64_t> shapes[] = {
      {70, 2336}, {2 * sms * 4 * 8 + 66, 2336}, {70, 4096}, {70, 11008}};
  for (const auto& [rows, cols] : shapes) {
    const HostTensor wt = random_tensor("w", T, rows, cols, 1.0f / std::sqrt(static_cast<float>(cols)), rng);
    DeviceAllocations mem;
    DevMatrix m;
    TSTATUS(cuda::upload_matrix({&wt.view}, false, mem, &m));
    ActBuf a = make_act(mem, cols, max_vec, cuda::kF32 | cuda::kQ32);
    std::vector<float> x(static_cast<size_t>(max_vec * a.ld), 0.0f);
    for (int v = 0; v < max_vec; v++) {
      for (int64_t i = 0; i < cols; i++) x[static_cast<size_t>(v * a.ld + i)] = rng.normal() * (1.0f + v);
    }
    upload(a.f32, x);
    TSTATUS(cuda::launch_norm_quant(a.f32, a.ld, nullptr, 0.0f, max_vec, a, cuda::kQ32, LaunchCtx{}));
    DeviceVec<float> yref(static_cast<size_t>(max_vec * rows)), y(static_cast<size_t>(max_vec * rows));
    yref.poison();
    for (int v = 0; v < max_vec; v++) {
      cuda::Mv2Params p{};
      p.w = m;
      p.nvec = 1;
      p.aq = a.q32.q + v * a.ld;
      p.ad = a.q32.d + v * (a.ld / 32);
      p.as = a.q32.s + v * (a.ld / 32);
      p.a_ld = a.ld;
      p.epi = static_cast<int>(cuda::Epilogue::Store);
      p.y = yref.get() + v * rows;
      p.y_ld = rows;
      TSTATUS((cuda::launch_matvec2_kernel<T, 1, 2, 1>(p, cuda::Mv2Shape{8, 1}, LaunchCtx{})));
    }
    const std::vector<float> want = yref.download();
    struct Variant {
      cuda::MatvecSite site;
      bool pdl;
    };
    const bool pdl = major >= 9;
    const Variant variants[] = {{cuda::MatvecSite::Other, false},  {cuda::MatvecSite::Qkv, false},
                                {cuda::MatvecSite::GateUp, false}, {cuda::MatvecSite::Output, false},
                                {cuda::MatvecSite::Wo, pdl},       {cuda::MatvecSite::Down, pdl},
                                {cuda::MatvecSite::GateUp, pdl},   {cuda::MatvecSite::Output, pdl}};
    for (const Variant& var : variants) {
      for (int nvec : {1, 2, 3, 4, 5, 8, 11}) {
        cuda::MatvecArgs mv;
        mv.w = m;
        mv.nvec = nvec;
        mv.a = &a;
        mv.y = y.get();
        mv.y_ld = rows;
        mv.impl = cuda::MatvecImpl::V2;
        mv.site = var.site;
        y.poison();
        TCHECK(cudaDeviceSynchronize());  // the poison (default stream) before a launch on another stream
        const Status st = cuda::launch_matvec(mv, LaunchCtx{var.pdl ? stream : nullptr, var.pdl});
        if (!st.ok()) {
          if (error.empty()) error = st.message + " (" + std::to_string(rows) + " x " + std::to_string(cols) + ", " + std::to_string(nvec) + " vectors)";
          cudaGetLastError();
          bad++;
          continue;
        }
        TCHECK(cudaStreamSynchronize(stream));
        const std::vector<float> got = y.download();
        bad += std::memcmp(got.data(), want.data(), static_cast<size_t>(nvec * rows) * 4) != 0;
        launches++;
      }
    }
  }
  cudaStreamDestroy(stream);
  rep.add("matvec v2 tuned configurations (tall/short, 7B widths, per site, PDL, 1..11 vectors) == fixed (bitwise) " +
              type_name(T),
          bad == 0,
          "\"mismatching_launches\": " + std::to_string(bad) + ", \"launches\": " + std::to_string(launches) +
              (error.empty() ? "" : ", \"error\": " + json_string(error)));
}

static void test_matvec2(Report& rep, Rng& rng) {
  test_matvec2_shapes_type<GgmlType::Q4_0>(rep, rng);
  test_matvec2_shapes_type<GgmlType::Q5_0>(rep, rng);
  test_matvec2_shapes_type<GgmlType::Q8_0>(rep, rng);
  test_matvec2_configs_type<GgmlType::Q4_0>(rep, rng);
  test_matvec2_configs_type<GgmlType::Q5_0>(rep, rng);
  test_matvec2_configs_type<GgmlType::Q8_0>(rep, rng);
}

// Tensor-core products. Quantized weights: against the exact per-unit integer terms of the q8
// activations the GPU made (only fp32 accumulation error remains), and against the decode
// matvec on the same activations (the same per-unit terms, summed in another order). Float
// weights: against a double reference on the fp16-rounded operands the kernel multiplies.
static void test_matmul(Report& rep, Rng& rng) {
  for (GgmlType t : kAllTypes) {
    const bool fl = is_float(t);
    const int64_t cols = fl ? 100 : 512;
    const int64_t rows = 200;
    const float sw = 1.0f / std::sqrt(static_cast<float>(cols));
    const HostTensor wt = random_tensor("w", t, rows, cols, sw, rng);
    const HostTensor gt = random_tensor("gate", t, rows / 2, cols, sw, rng);
    const HostTensor ut = random_tensor("up", t, rows / 2, cols, sw, rng);
    DeviceAllocations mem;
    DevMatrix m, gu;
    TSTATUS(cuda::upload_matrix({&wt.view}, false, mem, &m));
    TSTATUS(cuda::upload_matrix({&gt.view, &ut.view}, true, mem, &gu));
    std::vector<float> wf = dequant_rows(wt), gf = dequant_rows(gt), uf = dequant_rows(ut);
    if (fl) {
      for (auto* v : {&wf, &gf, &uf}) {
        for (float& f : *v) f = fp16_to_fp32(fp32_to_fp16(f));
      }
    }
    const unsigned form = cuda::act_form_for_prefill(t);
    int64_t bad = 0, vs_decode_bad = 0;
    double worst = 0.0, worst_vs_decode = 0.0;
    for (int mrows : {1, 37, 130}) {
      ActBuf a = make_act(mem, cols, mrows, cuda::kF32 | form | cuda::act_form_for_decode(t));
      std::vector<float> x(static_cast<size_t>(mrows * a.ld), 0.0f);
      for (int r = 0; r < mrows; r++) for (int64_t c = 0; c < cols; c++) x[static_cast<size_t>(r * a.ld + c)] = rng.normal();
      upload(a.f32, x);
      TSTATUS(cuda::launch_norm_quant(a.f32, a.ld, nullptr, 0.0f, mrows, a, form, LaunchCtx{}));
      std::vector<int8_t> gq;
      std::vector<float> gd, xf;
      std::vector<int32_t> gs;
      const cuda::Q8Act& q8 = form == cuda::kQ256 ? a.q256 : a.q32;
      if (!fl) {
        gq = download(q8.q, static_cast<size_t>(mrows * a.ld));
        gd = download(q8.d, static_cast<size_t>(mrows * a.ld / 32));
        gs = download(q8.s, static_cast<size_t>(mrows * a.ld / 32));
      } else {
        xf = x;
        for (float& f : xf) f = fp16_to_fp32(fp32_to_fp16(f));
      }
      // dot(activation row r, weight row `row` of tensor h) and the sum of |terms|
      auto dot = [&](const HostTensor& h, const std::vector<float>& hf, int r, int64_t row, double* as) {
        if (!fl) {
          return ref_dot_q8(t, h.bytes.data() + row * row_bytes(t, cols), cols, gq.data() + r * a.ld, gd.data() + r * a.ld / 32,
                            gs.data() + r * a.ld / 32, as);
        }
        double s = 0.0;
        *as = 0.0;
        for (int64_t k = 0; k < cols; k++) {
          const double term = static_cast<double>(xf[static_cast<size_t>(r * a.ld + k)]) * hf[static_cast<size_t>(row * cols + k)];
          s += term;
          *as += std::fabs(term);
        }
        return s;
      };
      for (int epi = 0; epi < 3; epi++) {  // Store, Add, SwiGlu
        const int64_t ncols = epi == 2 ? rows / 2 : rows;
        const int64_t ldc = ncols + 3, off = 2;
        DeviceVec<float> c(static_cast<size_t>(mrows * ldc));
        std::vector<float> base(static_cast<size_t>(mrows * ldc), 0.0f);
        if (epi == 1) {
          for (auto& b : base) b = rng.normal();
          c.upload(base);
        } else {
          c.poison();
        }
        cuda::MatmulArgs mm;
        mm.w = epi == 2 ? gu : m;
        mm.m = mrows;
        mm.a = &a;
        mm.epi = epi == 0 ? cuda::Epilogue::Store : (epi == 1 ? cuda::Epilogue::Add : cuda::Epilogue::SwiGlu);
        mm.c = c.get();
        mm.ldc = ldc;
        mm.col_offset = off;
        TSTATUS(cuda::launch_matmul(mm, LaunchCtx{}));
        const std::vector<float> got = c.download();
        for (int r = 0; r < mrows; r++) {
          for (int64_t n = 0; n < ncols; n++) {
            const double g = got[static_cast<size_t>(r * ldc + off + n)];
            if (epi == 2) {
              double ag = 0.0, au = 0.0;
              const double gg = dot(gt, gf, r, n, &ag), uu = dot(ut, uf, r, n, &au);
              const double want = gg / (1.0 + std::exp(-gg)) * uu;
              const double e = std::fabs(g - want);
              worst = std::max(worst, e / (ag + au + 1e-30));
              if (!(e <= 1e-5 * (ag + au) * (1.0 + std::fabs(gg)) + 1e-6)) bad++;
            } else {
              double as = 0.0;
              const double want = dot(wt, wf, r, n, &as) + base[static_cast<size_t>(r * ldc + off + n)];
              const double e = std::fabs(g - want);
              worst = std::max(worst, e / (as + 1e-30));
              if (!(e <= 2e-5 * as + 1e-6)) bad++;
            }
          }
          // Columns outside [off, off + ncols) are untouched.
          for (int64_t n : {int64_t{0}, int64_t{1}, ldc - 1}) {
            const float v = got[static_cast<size_t>(r * ldc + n)];
            if (epi == 1 ? v != base[static_cast<size_t>(r * ldc + n)] : !std::isnan(v)) bad++;
          }
        }
      }
      if (!fl) {  // prefill product vs decode matvec on the same q8 activations
        DeviceVec<float> c1(static_cast<size_t>(mrows * rows)), c2(static_cast<size_t>(mrows * rows));
        cuda::MatmulArgs mm;
        mm.w = m;
        mm.m = mrows;
        mm.a = &a;
        mm.c = c1.get();
        mm.ldc = rows;
        TSTATUS(cuda::launch_matmul(mm, LaunchCtx{}));
        cuda::MatvecArgs mv;
        mv.w = m;
        mv.nvec = mrows;
        mv.a = &a;
        mv.y = c2.get();
        mv.y_ld = rows;
        TSTATUS(cuda::launch_matvec(mv, LaunchCtx{}));
        const auto p1 = c1.download(), p2 = c2.download();
        for (int r = 0; r < mrows; r++) {
          for (int64_t n = 0; n < rows; n++) {
            double as = 0.0;
            dot(wt, wf, r, n, &as);
            const double e = std::fabs(p1[static_cast<size_t>(r * rows + n)] - p2[static_cast<size_t>(r * rows + n)]);
            worst_vs_decode = std::max(worst_vs_decode, e / (as + 1e-30));
            if (!(e <= 4e-6 * as + 1e-7)) vs_decode_bad++;
          }
        }
      }
    }
    rep.add("matmul (tensor cores) store/add/SwiGLU, m = 1/37/130 " + type_name(t), bad == 0 && vs_decode_bad == 0,
            "\"bad\": " + std::to_string(bad) + ", \"max_err_over_abs_terms\": " + fmt("%.3g", worst) +
                ", \"vs_decode_bad\": " + std::to_string(vs_decode_bad) + ", \"vs_decode_max_err_over_abs_terms\": " +
                fmt("%.3g", worst_vs_decode));
  }
}

// RoPE + KV store, unfused kernel and the matvec epilogue, against double math.
static void test_rope_store(Report& rep, Rng& rng) {
  const int hd = 64, n_head = 4, n_kv_head = 2, rope_dim = 48, n_ctx = 50, n_slots = 3, rows = 5;
  const int n_q = n_head * hd, n_kv = n_kv_head * hd, width = n_q + 2 * n_kv;
  const std::vector<int32_t> pos = {0, 17, 49, 3, 33}, slot = {2, 0, 1, 0, 2};
  std::vector<float2> cs(static_cast<size_t>(n_ctx * rope_dim / 2));
  for (int p = 0; p < n_ctx; p++) {
    for (int i = 0; i < rope_dim / 2; i++) {
      const double th = p * std::pow(10000.0, -2.0 * i / rope_dim);
      cs[static_cast<size_t>(p * rope_dim / 2 + i)] = make_float2(static_cast<float>(std::cos(th)), static_cast<float>(std::sin(th)));
    }
  }
  DeviceVec<float2> dcs;
  dcs.upload(cs);
  DeviceVec<int32_t> drows;
  std::vector<int32_t> meta(pos);
  meta.insert(meta.end(), slot.begin(), slot.end());
  drows.upload(meta);
  const int64_t slot_stride = static_cast<int64_t>(n_kv_head) * n_ctx * hd;
  DeviceVec<ggml_half> kc(static_cast<size_t>(slot_stride * n_slots)), vc(static_cast<size_t>(slot_stride * n_slots));
  DeviceVec<float> q(static_cast<size_t>(rows * n_q));
  cuda::RopeKvArgs a;
  a.cs = dcs.get();
  a.head_dim = hd;
  a.rope_dim = rope_dim;
  a.n_q = n_q;
  a.n_kv = n_kv;
  a.k_cache = reinterpret_cast<__half*>(kc.get());
  a.v_cache = reinterpret_cast<__half*>(vc.get());
  a.slot_stride = slot_stride;
  a.n_ctx = n_ctx;
  a.pos = drows.get();
  a.slot = drows.get() + rows;
  a.q = q.get();
  a.q_ld = n_q;

  // Inputs: qkv = W x with a random F32 matrix, so both paths see the same values.
  const HostTensor wt = random_tensor("wqkv", GgmlType::F32, width, 64, 0.2f, rng);
  DeviceAllocations mem;
  DevMatrix m;
  TSTATUS(cuda::upload_matrix({&wt.view}, false, mem, &m));
  ActBuf act = make_act(mem, 64, rows, cuda::kF32);
  std::vector<float> x(static_cast<size_t>(rows * act.ld), 0.0f);
  for (int r = 0; r < rows; r++) for (int i = 0; i < 64; i++) x[static_cast<size_t>(r * act.ld + i)] = rng.normal();
  upload(act.f32, x);
  DeviceVec<float> qkv(static_cast<size_t>(rows * width));
  cuda::MatvecArgs mv;
  mv.w = m;
  mv.nvec = rows;
  mv.a = &act;
  mv.epi = cuda::Epilogue::Store;
  mv.y = qkv.get();
  mv.y_ld = width;
  TSTATUS(cuda::launch_matvec(mv, LaunchCtx{}));
  const std::vector<float> raw = qkv.download();

  std::vector<std::vector<float>> q_out(2);
  std::vector<std::vector<ggml_half>> k_out(2), v_out(2);
  for (int fused = 0; fused < 2; fused++) {
    kc.poison(0);
    vc.poison(0);
    q.poison();
    if (fused) {
      cuda::MatvecArgs f = mv;
      f.epi = cuda::Epilogue::RopeKv;
      f.row_offset = 0;
      f.rk = a;
      TSTATUS(cuda::launch_matvec(f, LaunchCtx{}));
    } else {
      TSTATUS(cuda::launch_rope_store(qkv.get(), width, rows, a, LaunchCtx{}));
    }
    q_out[static_cast<size_t>(fused)] = q.download();
    k_out[static_cast<size_t>(fused)] = kc.download();
    v_out[static_cast<size_t>(fused)] = vc.download();
  }
  int64_t bad = 0;
  for (int r = 0; r < rows; r++) {
    std::vector<double> row(raw.begin() + r * width, raw.begin() + (r + 1) * width);
    for (int c = 0; c < n_q + n_kv; c += 2) {
      const int d = (c < n_q ? c : c - n_q) % hd;
      if (d >= rope_dim) continue;
      const double th = pos[static_cast<size_t>(r)] * std::pow(10000.0, -2.0 * (d / 2) / rope_dim);
      const double a0 = row[static_cast<size_t>(c)], b0 = row[static_cast<size_t>(c) + 1];
      row[static_cast<size_t>(c)] = a0 * std::cos(th) - b0 * std::sin(th);
      row[static_cast<size_t>(c) + 1] = a0 * std::sin(th) + b0 * std::cos(th);
    }
    for (int c = 0; c < n_q; c++) {
      const double g = q_out[0][static_cast<size_t>(r * n_q + c)];
      if (!(std::fabs(g - row[static_cast<size_t>(c)]) <= 1e-5 * (1 + std::fabs(row[static_cast<size_t>(c)])))) bad++;
    }
    for (int c = n_q; c < width; c++) {
      const bool is_k = c < n_q + n_kv;
      const int cc = is_k ? c - n_q : c - n_q - n_kv;
      const size_t at = static_cast<size_t>(slot[static_cast<size_t>(r)] * slot_stride + ((cc / hd) * n_ctx + pos[static_cast<size_t>(r)]) * hd + cc % hd);
      const double g = fp16_to_fp32((is_k ? k_out : v_out)[0][at]);
      if (!(std::fabs(g - row[static_cast<size_t>(c)]) <= 1e-3 * (1 + std::fabs(row[static_cast<size_t>(c)])))) bad++;
    }
  }
  const bool same = q_out[0] == q_out[1] && std::memcmp(k_out[0].data(), k_out[1].data(), k_out[0].size() * 2) == 0 &&
                    std::memcmp(v_out[0].data(), v_out[1].data(), v_out[0].size() * 2) == 0;
  rep.add("RoPE + KV store (kernel and fused matvec epilogue agree)", bad == 0 && same,
          "\"bad\": " + std::to_string(bad) + ", \"fused_equals_unfused\": " + (same ? "true" : "false"));

  // The version-2 epilogue (Q8_0 weights, q8 activations): the same stores as its own Store
  // output passed through the RoPE kernel.
  const HostTensor w8 = random_tensor("wqkv8", GgmlType::Q8_0, width, 64, 0.2f, rng);
  DevMatrix m8;
  TSTATUS(cuda::upload_matrix({&w8.view}, false, mem, &m8));
  ActBuf act8 = make_act(mem, 64, rows, cuda::kF32 | cuda::kQ32);
  upload(act8.f32, x);
  TSTATUS(cuda::launch_norm_quant(act8.f32, act8.ld, nullptr, 0.0f, rows, act8, cuda::kQ32, LaunchCtx{}));
  cuda::MatvecArgs mv8 = mv;
  mv8.w = m8;
  mv8.a = &act8;
  mv8.impl = cuda::MatvecImpl::V2;
  for (int fused = 0; fused < 2; fused++) {
    kc.poison(0);
    vc.poison(0);
    q.poison();
    if (fused) {
      cuda::MatvecArgs f = mv8;
      f.epi = cuda::Epilogue::RopeKv;
      f.row_offset = 0;
      f.rk = a;
      TSTATUS(cuda::launch_matvec(f, LaunchCtx{}));
    } else {
      TSTATUS(cuda::launch_matvec(mv8, LaunchCtx{}));
      TSTATUS(cuda::launch_rope_store(qkv.get(), width, rows, a, LaunchCtx{}));
    }
    q_out[static_cast<size_t>(fused)] = q.download();
    k_out[static_cast<size_t>(fused)] = kc.download();
    v_out[static_cast<size_t>(fused)] = vc.download();
  }
  int64_t unwritten = 0;
  for (float f : q_out[1]) unwritten += std::isnan(f) ? 1 : 0;
  const bool same8 = std::memcmp(q_out[0].data(), q_out[1].data(), q_out[0].size() * 4) == 0 &&
                     std::memcmp(k_out[0].data(), k_out[1].data(), k_out[0].size() * 2) == 0 &&
                     std::memcmp(v_out[0].data(), v_out[1].data(), v_out[0].size() * 2) == 0;
  rep.add("RoPE + KV store in the version-2 matvec epilogue (Q8_0) == Store + RoPE kernel", same8 && unwritten == 0,
          std::string("\"fused_equals_unfused\": ") + (same8 ? "true" : "false") + ", \"unwritten_q\": " + std::to_string(unwritten));
}

// Attention: decode (split over the context, combined by the last block) and prefill (tiles),
// against double math on the fp16 cache; head sizes 16, 64, 80, 128; grouped-query. Head size
// 128 also runs decode version 2: one and four query heads per KV head, with and without the
// early load of the positions earlier steps wrote, splits of several tiles (few splits allowed)
// and more splits than blocks per head (a long row).
struct AttnCase {
  int hd, n_kv_head, n_ctx;
  std::vector<int32_t> pos, slot;
};

static void test_attention_case(Report& rep, Rng& rng, const AttnCase& ac) {
  const int hd = ac.hd, n_head = 8, n_kv_head = ac.n_kv_head, n_ctx = ac.n_ctx, n_slots = 3;
  const int64_t slot_stride = static_cast<int64_t>(n_kv_head) * n_ctx * hd;
  std::vector<ggml_half> kh(static_cast<size_t>(slot_stride * n_slots)), vh(kh.size());
  for (auto& v : kh) v = fp32_to_fp16(rng.normal());
  for (auto& v : vh) v = fp32_to_fp16(rng.normal());
  DeviceVec<ggml_half> kc, vc;
  kc.upload(kh);
  vc.upload(vh);
  const std::vector<int32_t>& pos = ac.pos;
  const std::vector<int32_t>& slot = ac.slot;
  const int rows = static_cast<int>(pos.size());
  const int64_t q_ld = n_head * hd + 8;
  std::vector<float> q(static_cast<size_t>(rows * q_ld));
  for (auto& v : q) v = rng.normal();
  DeviceVec<float> dq;
  dq.upload(q);
  auto ref_row = [&](int r, int h, int len, int s) {
    const int kvh = h / (n_head / n_kv_head);
    std::vector<double> sc(static_cast<size_t>(len)), out(static_cast<size_t>(hd), 0.0);
    double mx = -1e300;
    for (int p = 0; p < len; p++) {
      double dot = 0.0;
      for (int d = 0; d < hd; d++) {
        dot += q[static_cast<size_t>(r * q_ld + h * hd + d)] * static_cast<double>(fp16_to_fp32(kh[static_cast<size_t>(s * slot_stride + (kvh * n_ctx + p) * hd + d)]));
      }
      sc[static_cast<size_t>(p)] = dot / std::sqrt(static_cast<double>(hd));
      mx = std::max(mx, sc[static_cast<size_t>(p)]);
    }
    double den = 0.0;
    for (auto& v : sc) den += (v = std::exp(v - mx));
    for (int p = 0; p < len; p++) {
      for (int d = 0; d < hd; d++) {
        out[static_cast<size_t>(d)] += sc[static_cast<size_t>(p)] / den * fp16_to_fp32(vh[static_cast<size_t>(s * slot_stride + (kvh * n_ctx + p) * hd + d)]);
      }
    }
    return out;
  };
  cuda::AttentionArgs aa;
  aa.q = dq.get();
  aa.q_ld = q_ld;
  aa.k_cache = reinterpret_cast<const __half*>(kc.get());
  aa.v_cache = reinterpret_cast<const __half*>(vc.get());
  aa.slot_stride = slot_stride;
  aa.n_ctx = n_ctx;
  aa.n_head = n_head;
  aa.n_kv_head = n_kv_head;
  aa.head_dim = hd;

  // decode: version 1 always; version 2 where it runs, early loads off and on, default split
  // count and (head size 128, short context) only 3 splits allowed: several tiles per split.
  struct Variant {
    int impl;
    bool early;
    int max_splits;
  };
  std::vector<Variant> variants = {{1, false, 0}};
  if (cuda::attention_decode2_supports(hd, n_head, n_kv_head)) {
    variants.push_back({2, false, 0});
    variants.push_back({2, true, 0});
    if (n_ctx < 1000) variants.push_back({2, true, 3});
  }
  std::vector<int32_t> meta(pos);
  meta.insert(meta.end(), slot.begin(), slot.end());
  meta.insert(meta.end(), pos.begin(), pos.end());  // stable: every earlier position
  DeviceVec<int32_t> dmeta;
  dmeta.upload(meta);
  std::vector<std::vector<double>> want(static_cast<size_t>(rows * n_head));
  for (int r = 0; r < rows; r++) {
    for (int h = 0; h < n_head; h++) want[static_cast<size_t>(r * n_head + h)] = ref_row(r, h, pos[static_cast<size_t>(r)] + 1, slot[static_cast<size_t>(r)]);
  }
  for (const Variant& var : variants) {
    DeviceAllocations mem;
    cuda::DecodeAttnScratch sc;
    sc.max_splits = var.max_splits ? var.max_splits : cuda::attention_max_splits(n_ctx);
    TSTATUS(mem.alloc_array(static_cast<size_t>(rows) * n_head * sc.max_splits * (hd + 2), &sc.partial, "test"));
    TSTATUS(mem.alloc_array(static_cast<size_t>(rows) * n_head, &sc.counters, "test"));
    const unsigned forms = cuda::kF32 | (hd % 32 == 0 ? cuda::kQ32 : 0u);
    ActBuf out = make_act(mem, n_head * hd, rows, forms);
    cuda::AttentionArgs av = aa;
    av.impl = var.impl;
    const int32_t* stable = var.early ? dmeta.get() + 2 * rows : nullptr;
    TCHECK(cudaMemset(out.f32, 0xFF, static_cast<size_t>(rows * out.ld) * 4));
    TSTATUS(cuda::launch_attention_decode(av, dmeta.get(), dmeta.get() + rows, stable, rows, sc, out, forms, LaunchCtx{}));
    const auto batched = download(out.f32, static_cast<size_t>(rows * out.ld));
    // The fused Block32 quantization equals the reference quantizer on the fp32 output.
    int64_t q_bad = 0;
    if (forms & cuda::kQ32) {
      const int64_t k = n_head * hd;
      const auto gq = download(out.q32.q, static_cast<size_t>(rows * out.ld));
      const auto gd = download(out.q32.d, static_cast<size_t>(rows * out.ld / 32));
      const auto gs = download(out.q32.s, static_cast<size_t>(rows * out.ld / 32));
      std::vector<int8_t> qq(static_cast<size_t>(k));
      std::vector<float> d(static_cast<size_t>(k / 32));
      std::vector<int32_t> s2(static_cast<size_t>(k / 32));
      for (int r = 0; r < rows; r++) {
        ref_quantize_block32(batched.data() + r * out.ld, k, qq.data(), d.data(), s2.data());
        q_bad += std::memcmp(qq.data(), gq.data() + r * out.ld, static_cast<size_t>(k)) != 0 ||
                 std::memcmp(d.data(), gd.data() + r * out.ld / 32, d.size() * 4) != 0 ||
                 std::memcmp(s2.data(), gs.data() + r * out.ld / 32, s2.size() * 4) != 0;
      }
    }
    double worst = 0.0;
    int64_t bad = 0;
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < n_head; h++) {
        const auto& w = want[static_cast<size_t>(r * n_head + h)];
        for (int d = 0; d < hd; d++) {
          const double e = std::fabs(batched[static_cast<size_t>(r * out.ld + h * hd + d)] - w[static_cast<size_t>(d)]);
          worst = std::max(worst, e);
          if (!(e <= 2e-5)) bad++;  // fp32 softmax-weighted sums of O(1) values
        }
      }
    }
    // Each row alone (from its own q and metadata) gives the same bits; counters were reset.
    int64_t variant_rows = 0;
    for (int r = 0; r < rows; r++) {
      cuda::AttentionArgs one = av;
      one.q = dq.get() + r * q_ld;
      DeviceVec<int32_t> m1;
      m1.upload({pos[static_cast<size_t>(r)], slot[static_cast<size_t>(r)], pos[static_cast<size_t>(r)]});
      TCHECK(cudaMemset(out.f32, 0xFF, static_cast<size_t>(out.ld) * 4));
      TSTATUS(cuda::launch_attention_decode(one, m1.get(), m1.get() + 1, var.early ? m1.get() + 2 : nullptr, 1, sc, out, forms,
                                            LaunchCtx{}));
      const auto solo = download(out.f32, static_cast<size_t>(n_head * hd));
      variant_rows += std::memcmp(solo.data(), batched.data() + r * out.ld, static_cast<size_t>(n_head * hd) * 4) != 0;
    }
    std::string name = "attention decode v" + std::to_string(var.impl) + " hd=" + std::to_string(hd) + " q/kv heads " +
                       std::to_string(n_head) + "/" + std::to_string(n_kv_head);
    if (var.early) name += ", early loads";
    if (var.max_splits) name += ", " + std::to_string(var.max_splits) + " splits max";
    if (n_ctx >= 1000) name += ", context " + std::to_string(n_ctx);
    rep.add(name, bad == 0 && variant_rows == 0 && q_bad == 0,
            "\"bad\": " + std::to_string(bad) + ", \"max_abs_err\": " + fmt("%.3g", worst) +
                ", \"rows_differing_alone\": " + std::to_string(variant_rows) + ", \"fused_q8_bad_rows\": " + std::to_string(q_bad));
  }
  if (n_ctx >= 1000) return;

  // prefill: a 45-token piece of slot 1 at positions 37..81 and a 3-token piece of slot 2 at 0..2
  std::vector<cuda::PrefillTile> tiles;
  std::vector<std::pair<int, int>> row_pos;  // (slot, pos) per row
  auto add_piece = [&](int s, int pos0, int n) {
    const int row0 = static_cast<int>(row_pos.size());
    for (int t = 0; t < n; t += 8) tiles.push_back({row0 + t, std::min(8, n - t), s, pos0 + t});
    for (int t = 0; t < n; t++) row_pos.push_back({s, pos0 + t});
  };
  add_piece(1, 37, 45);
  add_piece(2, 0, 3);
  const int prow = static_cast<int>(row_pos.size());
  std::vector<float> pq(static_cast<size_t>(prow * q_ld));
  for (auto& v : pq) v = rng.normal();
  DeviceVec<float> dpq;
  dpq.upload(pq);
  DeviceVec<cuda::PrefillTile> dtiles;
  dtiles.upload(tiles);
  const int64_t out_ld = n_head * hd + 16;
  DeviceVec<float> pout(static_cast<size_t>(prow * out_ld));
  pout.poison();
  cuda::AttentionArgs pa = aa;
  pa.q = dpq.get();
  TSTATUS(cuda::prepare_attention_prefill(hd));
  TSTATUS(cuda::launch_attention_prefill(pa, dtiles.get(), static_cast<int>(tiles.size()), pout.get(), out_ld, LaunchCtx{}));
  const auto pg = pout.download();
  q.swap(pq);  // ref_row reads q
  double pworst = 0.0;
  int64_t pbad = 0;
  for (int r = 0; r < prow; r++) {
    for (int h = 0; h < n_head; h++) {
      const auto w = ref_row(r, h, row_pos[static_cast<size_t>(r)].second + 1, row_pos[static_cast<size_t>(r)].first);
      for (int d = 0; d < hd; d++) {
        const double e = std::fabs(pg[static_cast<size_t>(r * out_ld + h * hd + d)] - w[static_cast<size_t>(d)]);
        pworst = std::max(pworst, e);
        if (!(e <= 2e-5)) pbad++;  // fp32 softmax-weighted sums of O(1) values
      }
    }
  }
  q.swap(pq);
  rep.add("attention prefill (tiled, causal) hd=" + std::to_string(hd) + " q/kv heads " + std::to_string(n_head) + "/" +
              std::to_string(n_kv_head),
          pbad == 0, "\"bad\": " + std::to_string(pbad) + ", \"max_abs_err\": " + fmt("%.3g", pworst));
}

static void test_attention(Report& rep, Rng& rng) {
  const std::vector<int32_t> pos = {0, 63, 64, 300, 699, 128, 5}, slot = {0, 1, 2, 0, 1, 2, 1};
  for (int hd : {16, 64, 80, 128}) test_attention_case(rep, rng, AttnCase{hd, 2, 700, pos, slot});
  test_attention_case(rep, rng, AttnCase{128, 8, 700, pos, slot});
  // 2200 positions: 35 splits of 64, more than the 32 blocks per (row, KV head) of version 2.
  test_attention_case(rep, rng, AttnCase{128, 8, 2200, {2199, 1500, 70}, {1, 0, 2}});
}

static void test_copy_prefix(Report& rep, Rng& rng) {
  const int n_layer = 3, n_slots = 4, n_kv_head = 2, n_ctx = 40, hd = 16;
  const int64_t slot_stride = static_cast<int64_t>(n_kv_head) * n_ctx * hd, layer_stride = slot_stride * n_slots;
  std::vector<ggml_half> k(static_cast<size_t>(layer_stride * n_layer)), v(k.size());
  for (auto& x : k) x = static_cast<ggml_half>(rng.next() & 0x3fff);
  for (auto& x : v) x = static_cast<ggml_half>(rng.next() & 0x3fff);
  DeviceVec<ggml_half> dk, dv;
  dk.upload(k);
  dv.upload(v);
  TSTATUS(cuda::launch_copy_prefix(reinterpret_cast<__half*>(dk.get()), reinterpret_cast<__half*>(dv.get()), n_layer, layer_stride,
                                   slot_stride, n_kv_head, n_ctx, hd, 1, 3, 25, LaunchCtx{}));
  const auto gk = dk.download(), gv = dv.download();
  int64_t bad = 0;
  for (int l = 0; l < n_layer; l++) {
    for (int s = 0; s < n_slots; s++) {
      for (int h = 0; h < n_kv_head; h++) {
        for (int p = 0; p < n_ctx; p++) {
          for (int d = 0; d < hd; d++) {
            const size_t at = static_cast<size_t>(l * layer_stride + s * slot_stride + (h * n_ctx + p) * hd + d);
            const size_t src = static_cast<size_t>(l * layer_stride + 1 * slot_stride + (h * n_ctx + p) * hd + d);
            const bool copied = s == 3 && p < 25;
            bad += gk[at] != (copied ? k[src] : k[at]);
            bad += gv[at] != (copied ? v[src] : v[at]);
          }
        }
      }
    }
  }
  rep.add("KV prefix copy between slots", bad == 0, "\"bad\": " + std::to_string(bad));
}

void run_kernel_tests(Report& rep, uint64_t seed) {
  Rng rng(seed);
  using Fn = void (*)(Report&, Rng&);
  const std::pair<const char*, Fn> tests[] = {
      {"dequant", test_dequant},       {"embed", test_embed},         {"norm_quant", test_norm_quant},
      {"matvec", test_matvec},         {"matvec2", test_matvec2},
      {"matmul", test_matmul},
      {"rope_store", test_rope_store},
      {"attention", test_attention},   {"copy_prefix", test_copy_prefix},
  };
  for (const auto& [name, fn] : tests) {
    try {
      fn(rep, rng);
    } catch (const CudaFailure& f) {
      rep.add(std::string(name) + ": CUDA failure", false, "\"error\": " + json_string(f.what));
      cudaGetLastError();
    }
  }
}

}  // namespace arb::gputest
