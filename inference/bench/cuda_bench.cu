// Performance of the CUDA path, printed as JSON: device copy bandwidth (the roofline's
// denominator); the decode matrix-vector kernels on Llama-2-7B shapes (version 1, version 2 in
// its tuned configuration, and which of them the backend runs at that site), each timed in a
// CUDA graph with PDL as in the decode step; a sweep
// of version 2's configurations (rows per warp, units per batch, register budget, block shape;
// each checked bit-identical to the library's); the small kernels of a step (norms, attention
// versions 1 and 2); the prefill product; and the whole backend on a synthetic 7B-shape model
// (decode at batch 1/2/4 after 512-token prompts, a 512-token prefill).
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
#include "../engine/cuda/matvec2.cuh"
#include "../engine/cuda/tests/check_util.h"
#include "../engine/cuda/tests/reference.h"

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

// Microseconds per launch: `count` launches of fn(i, ctx) captured into one CUDA graph on a
// stream of their own (with programmatic dependent launch on sm_90, as the backend's decode
// graph: each launch may load weights while its predecessor drains), replayed after a warm-up;
// the median of 5 replays.
double time_graph_us(const std::function<void(int, const LaunchCtx&)>& fn, int count) {
  cudaStream_t st = nullptr;
  TCHECK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  int dev = 0, major = 0;
  TCHECK(cudaGetDevice(&dev));
  TCHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
  const LaunchCtx ctx{st, major >= 9};
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  TCHECK(cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal));
  try {
    for (int i = 0; i < count; i++) fn(i, ctx);
  } catch (...) {
    cudaStreamEndCapture(st, &graph);
    if (graph) cudaGraphDestroy(graph);
    cudaStreamDestroy(st);
    cudaGetLastError();
    throw;
  }
  TCHECK(cudaStreamEndCapture(st, &graph));
  TCHECK(cudaGraphInstantiate(&exec, graph, 0));
  for (int i = 0; i < 2; i++) TCHECK(cudaGraphLaunch(exec, st));
  TCHECK(cudaStreamSynchronize(st));
  cudaEvent_t a, b;
  TCHECK(cudaEventCreate(&a));
  TCHECK(cudaEventCreate(&b));
  std::vector<double> t;
  for (int r = 0; r < 5; r++) {
    TCHECK(cudaEventRecord(a, st));
    TCHECK(cudaGraphLaunch(exec, st));
    TCHECK(cudaEventRecord(b, st));
    TCHECK(cudaEventSynchronize(b));
    float ms = 0.0f;
    TCHECK(cudaEventElapsedTime(&ms, a, b));
    t.push_back(1e3 * ms / count);
  }
  TCHECK(cudaGetLastError());
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaStreamDestroy(st);
  return median(t);
}

constexpr int kGraphLaunches = 20;

// ---- the version-2 configuration sweep: (rows per warp, units per batch) x launch shapes

struct Mv2Config {
  int nv, rows, units, min_blocks;
  std::function<Status(const cuda::Mv2Params&, const cuda::Mv2Shape&, const LaunchCtx&)> launch;
  std::vector<cuda::Mv2Shape> shapes;
};

const std::vector<cuda::Mv2Shape> kSweepShapes = {{4, 2}, {4, 4}, {8, 1}, {8, 2}, {8, 3}};
const std::vector<cuda::Mv2Shape> kOcc4Shapes = {{8, 4}, {4, 8}};

// The experiment: 64-register kernels (4 resident blocks of 8 warps, or 8 of 4) in the
// configurations that do not spill at that cap (ptxas -v), 1 and 2 vectors.
template <GgmlType T>
std::vector<Mv2Config> mv2_occ4_configs() {
  using cuda::launch_matvec2_kernel;
  if constexpr (T == GgmlType::Q4_0) {
    return {{1, 2, 2, 4, launch_matvec2_kernel<T, 1, 2, 2, 4>, kOcc4Shapes}, {1, 4, 1, 4, launch_matvec2_kernel<T, 1, 4, 1, 4>, kOcc4Shapes},
            {2, 2, 2, 4, launch_matvec2_kernel<T, 2, 2, 2, 4>, kOcc4Shapes}, {2, 4, 1, 4, launch_matvec2_kernel<T, 2, 4, 1, 4>, kOcc4Shapes}};
  } else {
    return {{1, 2, 1, 4, launch_matvec2_kernel<T, 1, 2, 1, 4>, kOcc4Shapes}, {1, 2, 2, 4, launch_matvec2_kernel<T, 1, 2, 2, 4>, kOcc4Shapes},
            {1, 4, 1, 4, launch_matvec2_kernel<T, 1, 4, 1, 4>, kOcc4Shapes}, {2, 2, 1, 4, launch_matvec2_kernel<T, 2, 2, 1, 4>, kOcc4Shapes}};
  }
}

// Run 2's list (80-register kernels, every launch shape).
template <GgmlType T>
std::vector<Mv2Config> mv2_configs() {
  using cuda::launch_matvec2_kernel;
  const std::vector<cuda::Mv2Shape>& sh = kSweepShapes;
  return {
      {1, 2, 1, 3, launch_matvec2_kernel<T, 1, 2, 1>, sh}, {1, 2, 2, 3, launch_matvec2_kernel<T, 1, 2, 2>, sh},
      {1, 2, 4, 3, launch_matvec2_kernel<T, 1, 2, 4>, sh}, {1, 4, 1, 3, launch_matvec2_kernel<T, 1, 4, 1>, sh},
      {1, 4, 2, 3, launch_matvec2_kernel<T, 1, 4, 2>, sh}, {2, 2, 2, 3, launch_matvec2_kernel<T, 2, 2, 2>, sh},
      {2, 2, 4, 3, launch_matvec2_kernel<T, 2, 2, 4>, sh}, {2, 4, 1, 3, launch_matvec2_kernel<T, 2, 4, 1>, sh},
      {2, 4, 2, 3, launch_matvec2_kernel<T, 2, 4, 2>, sh}, {4, 2, 1, 3, launch_matvec2_kernel<T, 4, 2, 1>, sh},
      {4, 2, 2, 3, launch_matvec2_kernel<T, 4, 2, 2>, sh}, {4, 4, 1, 3, launch_matvec2_kernel<T, 4, 4, 1>, sh},
      {8, 2, 1, 3, launch_matvec2_kernel<T, 8, 2, 1>, sh}, {8, 2, 2, 3, launch_matvec2_kernel<T, 8, 2, 2>, sh},
      {8, 4, 1, 3, launch_matvec2_kernel<T, 8, 4, 1>, sh},
  };
}

// What each shape's decode consumer does with its result.
cuda::Epilogue epilogue_of(const Shape& s) {
  if (!std::strcmp(s.name, "wo") || !std::strcmp(s.name, "down")) return cuda::Epilogue::Add;
  return !std::strcmp(s.name, "gate_up") ? cuda::Epilogue::SwiGlu : cuda::Epilogue::Store;
}

cuda::MatvecSite site_of(const Shape& s) {
  if (!std::strcmp(s.name, "qkv")) return cuda::MatvecSite::Qkv;
  if (!std::strcmp(s.name, "wo")) return cuda::MatvecSite::Wo;
  if (!std::strcmp(s.name, "gate_up")) return cuda::MatvecSite::GateUp;
  if (!std::strcmp(s.name, "down")) return cuda::MatvecSite::Down;
  return cuda::MatvecSite::Output;
}

std::string bench_kernels(Report& rep, Rng& rng, double copy_gbs, int sweep) {
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
      const cuda::Epilogue epi = epilogue_of(s);
      const int64_t y_ld = epi == cuda::Epilogue::SwiGlu ? s.rows / 2 : s.rows;
      auto args = [&](int i, int nvec, cuda::MatvecImpl impl) {
        cuda::MatvecArgs mv;
        mv.w = ms[static_cast<size_t>(i) % ms.size()];
        mv.nvec = nvec;
        mv.a = &a;
        mv.epi = epi;
        mv.y = y;
        mv.y_ld = y_ld;
        mv.impl = impl;
        mv.site = site_of(s);
        return mv;
      };
      auto gbs = [&](double us) { return bytes / (us * 1e3); };
      const cuda::MatvecImpl site_impl = cuda::tuned_matvec_impl(site_of(s), t);
      const bool default_v1 = site_impl == cuda::MatvecImpl::V1;
      for (int nvec : {1, 2, 4, 8}) {
        // Version 1 and version 2 (tuned); the backend runs the one tuned_matvec_impl picks.
        const cuda::MatvecImpl impls[2] = {cuda::MatvecImpl::V1, cuda::MatvecImpl::V2};
        double us[2] = {0, 0};
        for (int k = 0; k < 2; k++) {
          us[k] = time_graph_us([&](int i, const LaunchCtx& ctx) { TSTATUS(cuda::launch_matvec(args(i, nvec, impls[k]), ctx)); },
                                kGraphLaunches);
        }
        const double def_us = default_v1 ? us[0] : us[1];
        char line[256];
        std::snprintf(line, sizeof line,
                      "matvec %-5s %-8s nvec=%d  v1 %6.1f | v2 %6.1f us | default %s %6.1f us %5.0f GB/s %3.0f%%",
                      ggml_type_name(t), s.name, nvec, us[0], us[1], default_v1 ? "v1" : "v2", def_us, gbs(def_us), 100.0 * gbs(def_us) / copy_gbs);
        std::printf("%s\n", line);
        std::fflush(stdout);
        matvec += std::string(matvec.size() > 1 ? ", " : "") + "{\"type\": \"" + ggml_type_name(t) + "\", \"shape\": \"" + s.name +
                  "\", \"nvec\": " + std::to_string(nvec) + ", \"bytes\": " + std::to_string(bytes) + ", \"v1_us\": " +
                  fmt("%.2f", us[0]) + ", \"v2_us\": " + fmt("%.2f", us[1]) +
                  ", \"default\": \"" + (default_v1 ? "v1" : "v2") + "\", \"default_us\": " + fmt("%.2f", def_us) +
                  ", \"default_gbs\": " + fmt("%.1f", gbs(def_us)) + "}";
      }
      if (sweep > 0) {
        // Every configuration against the library's output (bitwise), then timed.
        for (int nvec : {1, 2, 4}) {
          cuda::MatvecArgs ref = args(0, nvec, cuda::MatvecImpl::V2);
          ref.epi = cuda::Epilogue::Store;  // the identity check stores every row
          ref.y_ld = s.rows;
          TSTATUS(cuda::launch_matvec(ref, LaunchCtx{}));
          std::vector<float> want(static_cast<size_t>(s.rows) * nvec), got(want.size());
          TCHECK(cudaMemcpy(want.data(), y, want.size() * 4, cudaMemcpyDeviceToHost));
          std::vector<Mv2Config> cfgs = t == GgmlType::Q4_0 ? mv2_occ4_configs<GgmlType::Q4_0>() : mv2_occ4_configs<GgmlType::Q8_0>();
          if (sweep > 1) {
            const std::vector<Mv2Config> full = t == GgmlType::Q4_0 ? mv2_configs<GgmlType::Q4_0>() : mv2_configs<GgmlType::Q8_0>();
            cfgs.insert(cfgs.end(), full.begin(), full.end());
          }
          double best = 1e30;
          std::string best_name;
          for (const Mv2Config& c : cfgs) {
            if (c.nv < nvec || c.nv > 2 * nvec) continue;
            if (static_cast<int64_t>(cuda::mv2_smem_bytes(s.cols, c.nv)) > cuda::kMv2DynamicSmemLimit) continue;  // launched narrower
            for (const cuda::Mv2Shape& shape : c.shapes) {
              auto params = [&](int i, cuda::Epilogue epi) {
                cuda::Mv2Params p{};
                p.w = ms[static_cast<size_t>(i) % ms.size()];
                p.nvec = nvec;
                p.aq = a.q32.q;
                p.ad = a.q32.d;
                p.as = a.q32.s;
                p.a_ld = a.ld;
                p.epi = static_cast<int>(epi);
                p.y = y;
                p.y_ld = epi == cuda::Epilogue::SwiGlu ? s.rows / 2 : s.rows;
                return p;
              };
              TCHECK(cudaMemset(y, 0xFF, want.size() * 4));
              TSTATUS(c.launch(params(0, cuda::Epilogue::Store), shape, LaunchCtx{}));
              TCHECK(cudaMemcpy(got.data(), y, got.size() * 4, cudaMemcpyDeviceToHost));
              const bool same = std::memcmp(got.data(), want.data(), got.size() * 4) == 0;
              const double t_us = time_graph_us(
                  [&](int i, const LaunchCtx& ctx) { TSTATUS(c.launch(params(i, epi), shape, ctx)); }, kGraphLaunches);
              const std::string name = "r" + std::to_string(c.rows) + "u" + std::to_string(c.units) + "nv" + std::to_string(c.nv) +
                                       "m" + std::to_string(c.min_blocks) + "_w" + std::to_string(shape.warps) + "b" +
                                       std::to_string(shape.blocks_per_sm);
              if (t_us < best && same) {
                best = t_us;
                best_name = name;
              }
              tuning += std::string(tuning.size() > 1 ? ", " : "") + "{\"type\": \"" + ggml_type_name(t) + "\", \"shape\": \"" +
                        s.name + "\", \"nvec\": " + std::to_string(nvec) + ", \"config\": \"" + name + "\", \"us\": " +
                        fmt("%.2f", t_us) + ", \"identical\": " + (same ? "true" : "false") + "}";
              if (!same) {
                std::printf("  sweep %-5s %-8s nvec=%d %s DIFFERS from the library's bits\n", ggml_type_name(t), s.name, nvec, name.c_str());
                rep.add(std::string("bench: sweep configuration ") + name + " " + ggml_type_name(t) + " " + s.name + " nvec=" +
                            std::to_string(nvec) + " == library (bitwise)",
                        false, "\"identical\": false");
              }
            }
          }
          if (!best_name.empty()) {
            std::printf("  sweep %-5s %-8s nvec=%d best %-18s %6.1f us %5.0f GB/s\n", ggml_type_name(t), s.name, nvec, best_name.c_str(),
                        best, gbs(best));
          }
        }
      }
      if (std::strcmp(s.name, "output") != 0 && t == GgmlType::Q4_0) {
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
  return "\"matvec\": " + matvec + "], \"matvec2_sweep\": " + tuning + "], \"matmul\": " + matmul + "]";
}

// The small kernels of a 7B decode step, each timed alone in a graph of 20 (with PDL): what the
// step spends besides streaming weights. Attention: versions 1 and 2, 32 heads of 128, fp16
// cache of one layer, 640 and 2048 positions, 1 and 4 rows.
std::string bench_small_kernels(Rng& rng) {
  DeviceAllocations mem;
  std::string out = "[";
  auto add = [&](const std::string& name, int rows, double us) {
    std::printf("small  %-34s rows=%d %8.2f us\n", name.c_str(), rows, us);
    out += std::string(out.size() > 1 ? ", " : "") + "{\"kernel\": \"" + name + "\", \"rows\": " + std::to_string(rows) +
           ", \"us\": " + fmt("%.2f", us) + "}";
  };
  ActBuf x4096 = q8_act(mem, 4096, 8, rng), x11008 = q8_act(mem, 11008, 8, rng);
  float* w = nullptr;
  TSTATUS(mem.alloc_array(4096, &w, "bench"));
  std::vector<float> ones(4096, 1.0f);
  TCHECK(cudaMemcpy(w, ones.data(), 4096 * 4, cudaMemcpyHostToDevice));
  for (int rows : {1, 4}) {
    add("rmsnorm+q8 (4096)", rows, time_graph_us([&](int, const LaunchCtx& ctx) {
          TSTATUS(cuda::launch_norm_quant(x4096.f32, x4096.ld, w, 1e-5f, rows, x4096, cuda::kQ32, ctx));
        }, kGraphLaunches));
    add("q8 quantize (11008)", rows, time_graph_us([&](int, const LaunchCtx& ctx) {
          TSTATUS(cuda::launch_norm_quant(x11008.f32, x11008.ld, nullptr, 0.0f, rows, x11008, cuda::kQ32, ctx));
        }, kGraphLaunches));
  }
  const int n_ctx = 2048, heads = 32, hd = 128;
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
  TSTATUS(mem.alloc_array(32, &meta, "bench"));
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
  for (int len : {640, 2048}) {
    // pos | slot | stable (the position itself: only it is written by the step)
    std::vector<int32_t> hm(24, 0);
    for (int r = 0; r < 8; r++) {
      hm[static_cast<size_t>(r)] = len - 1;
      hm[static_cast<size_t>(8 + r)] = r % 4;
      hm[static_cast<size_t>(16 + r)] = len - 1;
    }
    TCHECK(cudaMemcpy(meta, hm.data(), hm.size() * 4, cudaMemcpyHostToDevice));
    for (int impl : {1, 2}) {
      for (int rows : {1, 4}) {
        if (len == 2048 && rows == 4) continue;
        cuda::AttentionArgs av = aa;
        av.impl = impl;
        add("attention decode v" + std::to_string(impl) + " (L=" + std::to_string(len) + ")", rows,
            time_graph_us([&](int, const LaunchCtx& ctx) {
              TSTATUS(cuda::launch_attention_decode(av, meta, meta + 8, meta + 16, rows, sc, o, cuda::kF32 | cuda::kQ32, ctx));
            }, kGraphLaunches));
      }
    }
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

// The backend on the synthetic model, decode steps at batch 1, 2 and 4 after 512-token prompts
// (so attention reads ~530 positions, as in the CLI's bench) and a 512-token prefill. The JSON
// keeps a list of variants (one: the shipped backend) so that results files stay comparable.
std::string bench_model(GgmlType t, double copy_gbs, Rng& rng) {
  const double t0 = now_ms();
  std::unique_ptr<Synthetic7B> s = synthetic_7b(t, rng);
  std::printf("synthetic 7B %s: %.2f GB of weights per token, host data in %.1f s\n", ggml_type_name(t),
              s->weight_bytes_per_token / 1e9, (now_ms() - t0) / 1e3);
  const double roof_ms = s->weight_bytes_per_token / (copy_gbs * 1e6);
  std::string out = "{\"type\": \"" + std::string(ggml_type_name(t)) + "\", \"weight_bytes_per_token\": " +
                    std::to_string(s->weight_bytes_per_token) + ", \"roofline_ms\": " + fmt("%.4f", roof_ms) + ", \"variants\": [";
  constexpr int kPrompt = 512;
  const char* const variant = "default";
  BackendOptions opt;
  opt.n_ctx = 1024;
  opt.n_slots = 4;
  std::unique_ptr<Backend> be;
  const double u0 = now_ms();
  TSTATUS(create_cuda_backend(s->model, opt, &be));
  const double upload_s = (now_ms() - u0) / 1e3;
  std::vector<float> logits(static_cast<size_t>(4) * 32000);
  std::vector<int32_t> prompt(kPrompt * 4);
  for (auto& x : prompt) x = static_cast<int32_t>(rng.next() % 32000);
  std::vector<double> pf;
  for (int r = 0; r < 3; r++) {
    const double a = now_ms();
    TSTATUS(be->forward({StepSequence{0, 0, prompt.data(), kPrompt, false}}, logits.data()));
    pf.push_back(now_ms() - a);
  }
  const double prefill_ms = median(pf);
  std::string dec = "[";
  std::string line;
  for (int batch : {1, 2, 4}) {
    for (int b = 0; b < batch; b++) {
      TSTATUS(be->forward({StepSequence{b, 0, prompt.data() + b * kPrompt, kPrompt, false}}, logits.data()));
    }
    std::vector<double> steps;
    std::vector<int32_t> tok(4);
    for (int i = 0; i < 36; i++) {
      std::vector<StepSequence> st;
      for (int b = 0; b < batch; b++) {
        tok[static_cast<size_t>(b)] = static_cast<int32_t>(rng.next() % 32000);
        st.push_back(StepSequence{b, kPrompt + i, &tok[static_cast<size_t>(b)], 1, false});
      }
      const double a = now_ms();
      TSTATUS(be->forward(st, logits.data()));
      if (i >= 4) steps.push_back(now_ms() - a);
    }
    const double ms = median(steps);
    const double pct = 100.0 * roof_ms / ms;
    line += (line.empty() ? "" : ", ") + std::string("b") + std::to_string(batch) + " " + fmt("%.3f", ms) + " ms " +
            fmt("%.0f", batch * 1e3 / ms) + " t/s " + fmt("%.1f", pct) + "%";
    dec += std::string(dec.size() > 1 ? ", " : "") + "{\"batch\": " + std::to_string(batch) + ", \"ms_per_step\": " + fmt("%.4f", ms) +
           ", \"tokens_per_s\": " + fmt("%.1f", batch * 1e3 / ms) + ", \"pct_roofline\": " + fmt("%.1f", pct) + "}";
  }
  std::printf("  %-9s %s: %s of roofline (%.3f ms); prefill 512 %.1f ms; upload %.1f s\n", variant, ggml_type_name(t),
              line.c_str(), roof_ms, prefill_ms, upload_s);
  std::fflush(stdout);
  out += std::string("{\"name\": \"") + variant + "\", \"description\": " + json_string(be->description()) +
         ", \"upload_s\": " + fmt("%.2f", upload_s) + ", \"prefill512_ms\": " + fmt("%.2f", prefill_ms) + ", \"decode\": " + dec + "]}";
  return out + "]}";
}

}  // namespace

std::string run_bench(Report& rep, uint64_t seed, const BenchOptions& options) {
  Rng rng(seed);
  std::string json;
  double gbs = 0.0;
  try {
    json += "\"copy_bandwidth\": " + copy_bandwidth(&gbs);
  } catch (const CudaFailure& f) {
    rep.add("bench: copy bandwidth", false, "\"error\": " + json_string(f.what));
    return json;
  }
  if (options.kernels) {
    try {
      json += ", \"small_kernels\": " + bench_small_kernels(rng);
      json += ", " + bench_kernels(rep, rng, gbs, options.sweep);
    } catch (const CudaFailure& f) {
      rep.add("bench: kernels", false, "\"error\": " + json_string(f.what));
    }
  }
  if (options.model) {
    std::string models = "[";
    for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q8_0}) {
      try {
        models += std::string(models.size() > 1 ? ", " : "") + bench_model(t, gbs, rng);
      } catch (const CudaFailure& f) {
        rep.add(std::string("bench: synthetic 7B ") + ggml_type_name(t), false, "\"error\": " + json_string(f.what));
      }
    }
    json += ", \"synthetic_7b\": " + models + "]";
  }
  return json;
}

}  // namespace arb::gputest
