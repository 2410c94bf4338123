// Performance of the CUDA path, printed as JSON: device copy bandwidth (the roofline's
// denominator), the decode matrix-vector kernels and the prefill matrix product on Llama-2-7B
// shapes, block-shape variants of the matvec kernel, and the whole backend on a synthetic
// 7B-shape model (decode steps at batch 1/2/4 and a 512-token prefill), with and without CUDA
// graphs and programmatic dependent launch.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../engine/backend.h"
#include "../engine/cuda/device_weights.h"
#include "../engine/cuda/matvec.cuh"
#include "check_util.h"
#include "reference.h"

namespace arb::gputest {

using cuda::ActBuf;
using cuda::DevMatrix;
using cuda::DeviceAllocations;
using cuda::LaunchCtx;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Milliseconds per call of `fn` (which launches on the default stream): `reps` calls between two
// events, after `warm` calls; the median of `rounds` such batches.
double time_ms(const std::function<void(int)>& fn, int warm, int reps, int rounds = 3) {
  for (int i = 0; i < warm; i++) fn(i);
  TCHECK(cudaDeviceSynchronize());
  cudaEvent_t a, b;
  TCHECK(cudaEventCreate(&a));
  TCHECK(cudaEventCreate(&b));
  std::vector<double> t;
  for (int r = 0; r < rounds; r++) {
    TCHECK(cudaEventRecord(a));
    for (int i = 0; i < reps; i++) fn(i);
    TCHECK(cudaEventRecord(b));
    TCHECK(cudaEventSynchronize(b));
    float ms = 0.0f;
    TCHECK(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms / reps);
  }
  TCHECK(cudaGetLastError());
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return median(t);
}

__global__ void copy_kernel(const uint4* __restrict__ src, uint4* __restrict__ dst, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    dst[i] = src[i];
  }
}

std::string copy_bandwidth(double* best_gbs) {
  size_t bytes = size_t{2} << 30;
  void *src = nullptr, *dst = nullptr;
  while (cudaMalloc(&src, bytes) != cudaSuccess || cudaMalloc(&dst, bytes) != cudaSuccess) {
    cudaFree(src);
    src = nullptr;
    cudaGetLastError();
    bytes /= 2;
    if (bytes < (size_t{64} << 20)) throw CudaFailure{"cannot allocate copy buffers"};
  }
  TCHECK(cudaMemset(src, 1, bytes));
  const double ms_memcpy = time_ms([&](int) { TCHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice)); }, 3, 10);
  int sms = 0;
  TCHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  const double ms_kernel = time_ms(
      [&](int) {
        copy_kernel<<<sms * 8, 512>>>(static_cast<const uint4*>(src), static_cast<uint4*>(dst), bytes / 16);
      },
      3, 10);
  cudaFree(src);
  cudaFree(dst);
  // Bytes read plus bytes written.
  const double gbs_memcpy = 2.0 * bytes / (ms_memcpy * 1e6), gbs_kernel = 2.0 * bytes / (ms_kernel * 1e6);
  *best_gbs = std::max(gbs_memcpy, gbs_kernel);
  std::printf("copy bandwidth: cudaMemcpy %.0f GB/s, copy kernel %.0f GB/s (%zu MiB, read + write)\n", gbs_memcpy, gbs_kernel,
              bytes >> 20);
  return "{\"bytes\": " + std::to_string(bytes) + ", \"memcpy_gbs\": " + fmt("%.1f", gbs_memcpy) + ", \"kernel_gbs\": " +
         fmt("%.1f", gbs_kernel) + ", \"best_gbs\": " + fmt("%.1f", *best_gbs) + "}";
}

struct Shape {
  const char* name;
  int64_t rows, cols;
};
const Shape kShapes[] = {{"qkv", 12288, 4096}, {"wo", 4096, 4096}, {"gate_up", 22016, 4096}, {"down", 4096, 11008}, {"output", 32000, 4096}};

TensorView host_view(const std::vector<uint8_t>& bytes, GgmlType t, int64_t rows, int64_t cols) {
  TensorView v;
  v.name = "bench";
  v.type = t;
  v.n_dims = 2;
  v.ne[0] = cols;
  v.ne[1] = rows;
  v.data = bytes.data();
  v.n_bytes = bytes.size();
  return v;
}

// Copies of one matrix, enough that the set is several times the L2 cache.
std::vector<DevMatrix> matrix_copies(DeviceAllocations& mem, const TensorView& v, int64_t* bytes_each) {
  const int64_t b = static_cast<int64_t>(row_bytes(v.type, v.n_cols())) * v.n_rows();
  const int n = static_cast<int>(std::max<int64_t>(2, (int64_t{400} << 20) / b + 1));
  std::vector<DevMatrix> out(static_cast<size_t>(n));
  for (auto& m : out) TSTATUS(cuda::upload_matrix({&v}, false, mem, &m));
  *bytes_each = b;
  return out;
}

ActBuf q8_act(DeviceAllocations& mem, int64_t k, int rows, Rng& rng) {
  ActBuf a;
  a.k = k;
  a.ld = cuda::round_up(k, 256);
  const size_t n = static_cast<size_t>(a.ld) * rows;
  TSTATUS(mem.alloc_array(n, &a.f32, "bench"));
  TSTATUS(mem.alloc_array(n, &a.f16, "bench"));
  TSTATUS(mem.alloc_array(n, &a.q32.q, "bench"));
  TSTATUS(mem.alloc_array(n / 32, &a.q32.d, "bench"));
  TSTATUS(mem.alloc_array(n / 32, &a.q32.s, "bench"));
  std::vector<float> x(n, 0.0f);
  for (int r = 0; r < rows; r++) for (int64_t i = 0; i < k; i++) x[static_cast<size_t>(r * a.ld + i)] = rng.normal();
  TCHECK(cudaMemcpy(a.f32, x.data(), n * 4, cudaMemcpyHostToDevice));
  TSTATUS(cuda::launch_norm_quant(a.f32, a.ld, nullptr, 0.0f, rows, a, cuda::kQ32 | cuda::kF16, LaunchCtx{}));
  return a;
}

template <GgmlType T, int NV, int ROWS, int THREADS>
void launch_variant(const DevMatrix& m, const ActBuf& a, int nvec, float* y) {
  cuda::MvParams p{};
  p.w = m;
  p.nvec = nvec;
  p.aq = a.q32.q;
  p.ad = a.q32.d;
  p.as = a.q32.s;
  p.a_ld = a.ld;
  p.epi = static_cast<int>(cuda::Epilogue::Store);
  p.y = y;
  p.y_ld = m.rows;
  cuda::matvec_q_kernel<T, NV, ROWS, THREADS><<<static_cast<unsigned>(cuda::ceil_div(m.rows, ROWS)), THREADS>>>(p);
}

template <GgmlType T, int ROWS, int THREADS>
void launch_variant_nv(const DevMatrix& m, const ActBuf& a, int nvec, float* y) {
  if (nvec == 1) launch_variant<T, 1, ROWS, THREADS>(m, a, nvec, y);
  else launch_variant<T, 4, ROWS, THREADS>(m, a, nvec, y);
}

template <GgmlType T>
std::vector<std::pair<std::string, std::function<void(const DevMatrix&, const ActBuf&, int, float*)>>> variants() {
  return {
      {"rows2_t64", launch_variant_nv<T, 2, 64>},   {"rows2_t128", launch_variant_nv<T, 2, 128>},
      {"rows4_t64", launch_variant_nv<T, 4, 64>},   {"rows4_t128", launch_variant_nv<T, 4, 128>},
      {"rows4_t256", launch_variant_nv<T, 4, 256>}, {"rows8_t64", launch_variant_nv<T, 8, 64>},
      {"rows8_t128", launch_variant_nv<T, 8, 128>}, {"rows8_t256", launch_variant_nv<T, 8, 256>},
  };
}

std::string bench_kernels(Rng& rng) {
  std::string matvec = "[", tuning = "[", matmul = "[";
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q8_0}) {
    for (const Shape& s : kShapes) {
      const std::vector<uint8_t> host = random_rows(t, s.rows, s.cols, 0.02f, rng);
      const TensorView v = host_view(host, t, s.rows, s.cols);
      DeviceAllocations mem;
      int64_t bytes = 0;
      const std::vector<DevMatrix> ms = matrix_copies(mem, v, &bytes);
      ActBuf a = q8_act(mem, s.cols, 512, rng);
      float* y = nullptr;
      TSTATUS(mem.alloc_array(static_cast<size_t>(s.rows) * 512, &y, "bench"));
      for (int nvec : {1, 2, 4, 8}) {
        const double ms_per = time_ms(
            [&](int i) {
              cuda::MatvecArgs mv;
              mv.w = ms[static_cast<size_t>(i) % ms.size()];
              mv.nvec = nvec;
              mv.a = &a;
              mv.y = y;
              mv.y_ld = s.rows;
              TSTATUS(cuda::launch_matvec(mv, LaunchCtx{}));
            },
            4, 40);
        const double gbs = bytes / (ms_per * 1e6);
        std::printf("matvec %-5s %-8s nvec=%d  %8.1f us  %7.0f GB/s\n", ggml_type_name(t), s.name, nvec, ms_per * 1e3, gbs);
        matvec += std::string(matvec.size() > 1 ? ", " : "") + "{\"type\": \"" + ggml_type_name(t) + "\", \"shape\": \"" + s.name +
                  "\", \"nvec\": " + std::to_string(nvec) + ", \"us\": " + fmt("%.2f", ms_per * 1e3) + ", \"gbs\": " + fmt("%.1f", gbs) + "}";
      }
      if (std::strcmp(s.name, "gate_up") == 0 || std::strcmp(s.name, "wo") == 0) {
        auto vs = t == GgmlType::Q4_0 ? variants<GgmlType::Q4_0>() : variants<GgmlType::Q8_0>();
        for (const auto& variant : vs) {
          const std::string& name = variant.first;
          const auto& fn = variant.second;
          for (int nvec : {1, 4}) {
            const double ms_per = time_ms([&](int i) { fn(ms[static_cast<size_t>(i) % ms.size()], a, nvec, y); }, 4, 40);
            const double gbs = bytes / (ms_per * 1e6);
            std::printf("  variant %-5s %-8s %-11s nvec=%d %8.1f us %7.0f GB/s\n", ggml_type_name(t), s.name, name.c_str(), nvec,
                        ms_per * 1e3, gbs);
            tuning += std::string(tuning.size() > 1 ? ", " : "") + "{\"type\": \"" + ggml_type_name(t) + "\", \"shape\": \"" + s.name +
                      "\", \"variant\": \"" + name + "\", \"nvec\": " + std::to_string(nvec) + ", \"gbs\": " + fmt("%.1f", gbs) + "}";
          }
        }
      }
      if (std::strcmp(s.name, "output") != 0) {
        const int m_rows = 512;
        const double ms_mm = time_ms(
            [&](int i) {
              cuda::MatmulArgs mm;
              mm.w = ms[static_cast<size_t>(i) % ms.size()];
              mm.m = m_rows;
              mm.a = &a;
              mm.c = y;
              mm.ldc = s.rows;
              TSTATUS(cuda::launch_matmul(mm, LaunchCtx{}));
            },
            2, 10);
        const double tflops = 2.0 * m_rows * s.rows * s.cols / (ms_mm * 1e9);
        std::printf("matmul %-5s %-8s m=512    %8.1f us  %7.1f TFLOP/s\n", ggml_type_name(t), s.name, ms_mm * 1e3, tflops);
        matmul += std::string(matmul.size() > 1 ? ", " : "") + "{\"type\": \"" + ggml_type_name(t) + "\", \"shape\": \"" + s.name +
                  "\", \"m\": 512, \"us\": " + fmt("%.1f", ms_mm * 1e3) + ", \"tflops\": " + fmt("%.1f", tflops) + "}";
      }
    }
  }
  return "\"matvec\": " + matvec + "], \"matvec_variants\": " + tuning + "], \"matmul\": " + matmul + "]";
}

// The small kernels of a 7B decode step, each timed alone (back to back, no graph): what the
// step spends besides streaming weights.
std::string bench_small_kernels(Rng& rng) {
  DeviceAllocations mem;
  std::string out = "[";
  auto add = [&](const std::string& name, int rows, double ms) {
    std::printf("small  %-28s rows=%d %8.2f us\n", name.c_str(), rows, ms * 1e3);
    out += std::string(out.size() > 1 ? ", " : "") + "{\"kernel\": \"" + name + "\", \"rows\": " + std::to_string(rows) +
           ", \"us\": " + fmt("%.2f", ms * 1e3) + "}";
  };
  ActBuf x4096 = q8_act(mem, 4096, 8, rng), x11008 = q8_act(mem, 11008, 8, rng);
  float* w = nullptr;
  TSTATUS(mem.alloc_array(4096, &w, "bench"));
  std::vector<float> ones(4096, 1.0f);
  TCHECK(cudaMemcpy(w, ones.data(), 4096 * 4, cudaMemcpyHostToDevice));
  for (int rows : {1, 4}) {
    add("rmsnorm+q8 (4096)", rows, time_ms([&](int) {
          TSTATUS(cuda::launch_norm_quant(x4096.f32, x4096.ld, w, 1e-5f, rows, x4096, cuda::kQ32, LaunchCtx{}));
        }, 5, 50));
    add("q8 quantize (11008)", rows, time_ms([&](int) {
          TSTATUS(cuda::launch_norm_quant(x11008.f32, x11008.ld, nullptr, 0.0f, rows, x11008, cuda::kQ32, LaunchCtx{}));
        }, 5, 50));
  }
  // Decode attention at 640 positions, 32 heads of 128, fp16 cache of one layer.
  const int n_ctx = 1024, heads = 32, hd = 128;
  const int64_t slot_stride = static_cast<int64_t>(heads) * n_ctx * hd;
  __half *k = nullptr, *v = nullptr;
  TSTATUS(mem.alloc_array(static_cast<size_t>(slot_stride) * 4, &k, "bench"));
  TSTATUS(mem.alloc_array(static_cast<size_t>(slot_stride) * 4, &v, "bench"));
  {
    std::vector<ggml_half> r(static_cast<size_t>(slot_stride) * 4);  // never time on zeros
    for (auto& h : r) h = fp32_to_fp16(rng.normal());
    TCHECK(cudaMemcpy(k, r.data(), r.size() * 2, cudaMemcpyHostToDevice));
    for (auto& h : r) h = fp32_to_fp16(rng.normal());
    TCHECK(cudaMemcpy(v, r.data(), r.size() * 2, cudaMemcpyHostToDevice));
  }
  ActBuf q = q8_act(mem, heads * hd, 8, rng);
  cuda::DecodeAttnScratch sc;
  sc.max_splits = cuda::attention_max_splits(n_ctx);
  TSTATUS(mem.alloc_array(static_cast<size_t>(8) * heads * sc.max_splits * (hd + 2), &sc.partial, "bench"));
  TSTATUS(mem.alloc_array(static_cast<size_t>(8) * heads, &sc.counters, "bench"));
  int32_t* meta = nullptr;
  TSTATUS(mem.alloc_array(16, &meta, "bench"));
  std::vector<int32_t> hm = {639, 639, 639, 639, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0};
  TCHECK(cudaMemcpy(meta, hm.data(), hm.size() * 4, cudaMemcpyHostToDevice));
  cuda::AttentionArgs aa;
  aa.q = q.f32;
  aa.q_ld = q.ld;
  aa.k_cache = k;
  aa.v_cache = v;
  aa.slot_stride = slot_stride;
  aa.n_ctx = n_ctx;
  aa.n_head = heads;
  aa.n_kv_head = heads;
  aa.head_dim = hd;
  ActBuf o = q8_act(mem, heads * hd, 8, rng);
  for (int rows : {1, 4}) {
    add("attention decode (L=640)", rows, time_ms([&](int) {
          TSTATUS(cuda::launch_attention_decode(aa, meta, meta + 8, rows, sc, o, cuda::kF32 | cuda::kQ32, LaunchCtx{}));
        }, 5, 50));
  }
  return out + "]";
}

// A Llama-2-7B-shape model whose 32 layers share one layer's random host bytes (the GPU gets
// its own copy of each).
struct Synthetic7B {
  LlamaModel model;
  std::deque<std::vector<uint8_t>> storage;
  int64_t weight_bytes_per_token = 0;
};

std::unique_ptr<Synthetic7B> synthetic_7b(GgmlType t, Rng& rng) {
  auto s = std::make_unique<Synthetic7B>();
  LlamaConfig& c = s->model.config;
  c.n_vocab = 32000;
  c.n_embd = 4096;
  c.n_layer = 32;
  c.n_head = 32;
  c.n_head_kv = 32;
  c.head_dim = 128;
  c.n_ff = 11008;
  c.n_ctx_train = 4096;
  c.rope_dim = 128;
  auto mat = [&](const char* name, int64_t rows, int64_t cols) {
    s->storage.push_back(random_rows(t, rows, cols, 1.0f / std::sqrt(static_cast<float>(cols)), rng));
    TensorView v = host_view(s->storage.back(), t, rows, cols);
    v.name = name;
    return v;
  };
  auto norm = [&](const char* name) {
    std::vector<uint8_t> b(4096 * 4);
    for (int i = 0; i < 4096; i++) {
      const float f = 1.0f;
      std::memcpy(b.data() + 4 * i, &f, 4);
    }
    s->storage.push_back(std::move(b));
    TensorView v;
    v.name = name;
    v.type = GgmlType::F32;
    v.n_dims = 1;
    v.ne[0] = 4096;
    v.data = s->storage.back().data();
    v.n_bytes = s->storage.back().size();
    return v;
  };
  LlamaWeights& w = s->model.weights;
  w.tok_embd = mat("token_embd.weight", 32000, 4096);
  w.output = mat("output.weight", 32000, 4096);
  w.output_norm = norm("output_norm.weight");
  LayerWeights L;
  L.attn_norm = norm("attn_norm");
  L.ffn_norm = norm("ffn_norm");
  L.wq = mat("wq", 4096, 4096);
  L.wk = mat("wk", 4096, 4096);
  L.wv = mat("wv", 4096, 4096);
  L.wo = mat("wo", 4096, 4096);
  L.w_gate = mat("gate", 11008, 4096);
  L.w_up = mat("up", 11008, 4096);
  L.w_down = mat("down", 4096, 11008);
  for (int l = 0; l < 32; l++) w.layers.push_back(L);
  int64_t per_layer = 0;
  for (const TensorView* v : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) per_layer += static_cast<int64_t>(v->n_bytes);
  s->weight_bytes_per_token = per_layer * 32 + static_cast<int64_t>(w.output.n_bytes);
  return s;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string bench_model(GgmlType t, bool all_variants, double copy_gbs, Rng& rng) {
  const double t0 = now_ms();
  std::unique_ptr<Synthetic7B> s = synthetic_7b(t, rng);
  std::printf("synthetic 7B %s: %.2f GB of weights per token, host data in %.1f s\n", ggml_type_name(t),
              s->weight_bytes_per_token / 1e9, (now_ms() - t0) / 1e3);
  const double roof_ms = s->weight_bytes_per_token / (copy_gbs * 1e6);
  struct Variant {
    const char* name;
    const char* graphs;
    const char* pdl;
  };
  std::vector<Variant> vs = {{"graphs+pdl", "1", "1"}};
  if (all_variants) {
    vs.push_back({"graphs", "1", "0"});
    vs.push_back({"pdl", "0", "1"});
    vs.push_back({"plain", "0", "0"});
  }
  std::string out = "{\"type\": \"" + std::string(ggml_type_name(t)) + "\", \"weight_bytes_per_token\": " +
                    std::to_string(s->weight_bytes_per_token) + ", \"roofline_ms\": " + fmt("%.4f", roof_ms) + ", \"variants\": [";
  for (size_t vi = 0; vi < vs.size(); vi++) {
    setenv("ARBITER_CUDA_GRAPHS", vs[vi].graphs, 1);
    setenv("ARBITER_CUDA_PDL", vs[vi].pdl, 1);
    BackendOptions opt;
    opt.n_ctx = 1024;
    opt.n_slots = 4;
    std::unique_ptr<Backend> be;
    const double u0 = now_ms();
    TSTATUS(create_cuda_backend(s->model, opt, &be));
    const double upload_s = (now_ms() - u0) / 1e3;
    std::vector<float> logits(static_cast<size_t>(4) * 32000);
    std::vector<int32_t> prompt(512);
    for (auto& x : prompt) x = static_cast<int32_t>(rng.next() % 32000);
    // Prefill: 512 tokens in one step.
    std::vector<double> pf;
    for (int r = 0; r < 3; r++) {
      const double a = now_ms();
      TSTATUS(be->forward({StepSequence{0, 0, prompt.data(), 512, false}}, logits.data()));
      pf.push_back(now_ms() - a);
    }
    const double prefill_ms = median(pf);
    std::string dec = "[";
    for (int batch : {1, 2, 4}) {
      for (int b = 0; b < batch; b++) TSTATUS(be->forward({StepSequence{b, 0, prompt.data(), 128, false}}, logits.data()));
      std::vector<double> steps;
      std::vector<int32_t> tok(4);
      for (int i = 0; i < 36; i++) {
        std::vector<StepSequence> st;
        for (int b = 0; b < batch; b++) {
          tok[static_cast<size_t>(b)] = static_cast<int32_t>(rng.next() % 32000);
          st.push_back(StepSequence{b, 128 + i, &tok[static_cast<size_t>(b)], 1, false});
        }
        const double a = now_ms();
        TSTATUS(be->forward(st, logits.data()));
        if (i >= 4) steps.push_back(now_ms() - a);
      }
      const double ms = median(steps);
      const double pct = 100.0 * roof_ms / ms;
      std::printf("  %-11s %s batch %d: %.3f ms/step, %.1f tokens/s, %.1f%% of roofline (%.3f ms)\n", vs[vi].name,
                  ggml_type_name(t), batch, ms, batch * 1e3 / ms, pct, roof_ms);
      dec += std::string(dec.size() > 1 ? ", " : "") + "{\"batch\": " + std::to_string(batch) + ", \"ms_per_step\": " + fmt("%.4f", ms) +
             ", \"tokens_per_s\": " + fmt("%.1f", batch * 1e3 / ms) + ", \"pct_roofline\": " + fmt("%.1f", pct) + "}";
    }
    std::printf("  %-11s %s prefill 512: %.1f ms (%.0f tokens/s); upload %.1f s\n", vs[vi].name, ggml_type_name(t), prefill_ms,
                512e3 / prefill_ms, upload_s);
    out += std::string(vi ? ", " : "") + "{\"name\": \"" + vs[vi].name + "\", \"description\": " + json_string(be->description()) +
           ", \"upload_s\": " + fmt("%.2f", upload_s) + ", \"prefill512_ms\": " + fmt("%.2f", prefill_ms) + ", \"decode\": " + dec + "]}";
  }
  unsetenv("ARBITER_CUDA_GRAPHS");
  unsetenv("ARBITER_CUDA_PDL");
  return out + "]}";
}

}  // namespace

std::string run_bench(Report& rep, uint64_t seed, bool kernels, bool model) {
  Rng rng(seed);
  std::string json;
  double gbs = 0.0;
  try {
    json += "\"copy_bandwidth\": " + copy_bandwidth(&gbs);
  } catch (const CudaFailure& f) {
    rep.add("bench: copy bandwidth", false, "\"error\": " + json_string(f.what));
    return json;
  }
  if (kernels) {
    try {
      json += ", \"small_kernels\": " + bench_small_kernels(rng);
      json += ", " + bench_kernels(rng);
    } catch (const CudaFailure& f) {
      rep.add("bench: kernels", false, "\"error\": " + json_string(f.what));
    }
  }
  if (model) {
    std::string models = "[";
    for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q8_0}) {
      try {
        models += std::string(models.size() > 1 ? ", " : "") + bench_model(t, t == GgmlType::Q4_0, gbs, rng);
      } catch (const CudaFailure& f) {
        rep.add(std::string("bench: synthetic 7B ") + ggml_type_name(t), false, "\"error\": " + json_string(f.what));
      }
    }
    json += ", \"synthetic_7b\": " + models + "]";
  }
  return json;
}

}  // namespace arb::gputest
