// `npm run bench:kernels`: each matmul kernel alone, for the figures behind kernel changes
// (inference/BENCHMARKS.md, CPU). Prints one JSON document.
//
//   cache   one 2816 x 1024 weight matrix (1.5-11 MB: L2/L3), one thread, T activations,
//           microseconds per product (the median of 7 timed batches)
//   memory  a 256 MB weight matrix (DRAM), the rows split between `threads` threads, GB/s of
//           weights read (the median of 15 passes)
//
// Every weight type, the kernel this CPU selects (ARBITER_CPU_ISA lowers it), T = 1, 2, 4;
// "q8_0-packed", "q4_0-packed", "q4_k-packed" and "q6_k-packed" name the kernels over rows
// repacked at load (matmul_packed.cpp).
// Options: --types q8_0,q4_0,... --threads N (default 2), --tokens 1,2,4 (the values of T; 64
// shows a prefill chunk), --cpu-time (the figures in the threads' CPU time instead of wall time,
// steadier on a machine shared with other work: cache figures in CPU microseconds, memory
// figures as GB per CPU-second of a thread, memoryGBpsPerCpuSecond; with --threads 1 that shows
// whether a kernel's arithmetic hides under its weight stream).
//
// --probes: the machine's bounds instead (what decode and prefill are measured against):
//   readGBps           a 1 GiB buffer summed with 512-bit (else 256-bit) loads, 1 and N threads
//                      (median of 7 passes): the bandwidth a memory-bound decode can reach
//   int8MacsPerSecond  VNNI dpbusd (else AVX2 maddubs + madd) on registers, 1 and N threads:
//                      the int8 multiply-accumulates of the quantized kernels' inner loops
//   fp32FmaFlopsPerSecond  fp32 FMAs on registers (2 flops each), 1 and N threads
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cpu/cpu_features.h"
#include "cpu/kernels.h"
#include "quants_ref.h"

namespace arb {
namespace {

constexpr int64_t kCols = 1024;

struct Bench {
  GgmlType type;
  const MatmulKernel* kernel;
  size_t row_bytes;
};

// Rows of random weights (the first 64 quantized, the rest copies: the bytes, not their values,
// are what the kernels' speed depends on).
std::vector<uint8_t> make_weights(const Bench& b, int64_t rows) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint8_t> w(b.row_bytes * static_cast<size_t>(rows));
  std::vector<float> row(kCols);
  for (int64_t r = 0; r < rows; r++) {
    if (r < 64) {
      for (float& v : row) v = normal(rng);
      quantize_row_ref(b.type, row.data(), w.data() + b.row_bytes * r, kCols);
    } else {
      std::memcpy(w.data() + b.row_bytes * r, w.data() + b.row_bytes * (r % 64), b.row_bytes);
    }
  }
  if (b.kernel->pack) {
    std::vector<uint8_t> packed(w.size());
    b.kernel->pack(w.data(), b.row_bytes, rows, kCols, packed.data());
    return packed;
  }
  return w;
}

std::vector<uint8_t> make_activations(const Bench& b, int n_tok) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t rb = b.kernel->act == ActFormat::F32 ? kCols * sizeof(float) : act_row_bytes(b.kernel->act, kCols);
  std::vector<uint8_t> act(rb * n_tok + 64);
  std::vector<float> x(kCols);
  for (int t = 0; t < n_tok; t++) {
    for (float& v : x) v = normal(rng);
    if (b.kernel->act == ActFormat::F32) {
      std::memcpy(act.data() + rb * t, x.data(), rb);
    } else {
      const QuantizeActFn q = b.kernel->act == ActFormat::Q8 ? select_quantize_act(cpu_isa_selected())
                                                              : select_quantize_act_q8k(cpu_isa_selected());
      q(x.data(), act.data() + rb * t, kCols);
    }
  }
  return act;
}

MatmulArgs args(const Bench& b, const std::vector<uint8_t>& w, const std::vector<uint8_t>& act, int n_tok,
                std::vector<float>* y, int64_t rows) {
  MatmulArgs a;
  a.w = w.data();
  a.w_row_bytes = b.row_bytes;
  a.n_cols = kCols;
  a.act = act.data();
  a.act_row_bytes = b.kernel->act == ActFormat::F32 ? kCols * sizeof(float) : act_row_bytes(b.kernel->act, kCols);
  a.n_tok = n_tok;
  y->assign(static_cast<size_t>(rows * n_tok), 0.0f);
  a.y = y->data();
  a.ldy = rows;
  return a;
}

bool type_named(const std::string& name, GgmlType* out) {
  for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0,
                     GgmlType::Q4_K, GgmlType::Q6_K}) {
    if (name == ggml_type_name(t)) {
      *out = t;
      return true;
    }
  }
  return false;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool g_cpu_time = false;

// Seconds on the clock the cache figures use: wall time, or this thread's CPU time.
double cache_clock() {
  if (!g_cpu_time) return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

// Microseconds per product of a 2816 x 1024 matrix with n_tok activations, one thread.
double cache_us(const Bench& b, int n_tok) {
  const int64_t rows = 2816;
  const std::vector<uint8_t> w = make_weights(b, rows), act = make_activations(b, n_tok);
  std::vector<float> y;
  const MatmulArgs a = args(b, w, act, n_tok, &y, rows);
  // 100 products a batch for decode sizes; fewer for prefill chunks, each 16+ times longer.
  const int reps = n_tok <= 4 ? 100 : std::max(5, 400 / n_tok);
  for (int i = 0; i < std::min(20, reps); i++) b.kernel->rows(a, 0, rows);
  std::vector<double> batches;
  for (int k = 0; k < 7; k++) {
    const double t0 = cache_clock();
    for (int i = 0; i < reps; i++) b.kernel->rows(a, 0, rows);
    batches.push_back((cache_clock() - t0) / reps * 1e6);
  }
  return median(batches);
}

// GB/s of weights through `threads` threads on a 256 MB matrix: per second of wall time, or
// (--cpu-time) per second of the threads' own CPU time, stalls on memory included, which a
// machine shared with other work leaves steadier.
double memory_gbps(const Bench& b, int n_tok, int threads) {
  const int64_t rows = static_cast<int64_t>((size_t{256} << 20) / b.row_bytes) / kPackedRows * kPackedRows;
  const std::vector<uint8_t> w = make_weights(b, rows), act = make_activations(b, n_tok);
  std::vector<float> y;
  const MatmulArgs a = args(b, w, act, n_tok, &y, rows);
  std::vector<double> cpu_seconds(static_cast<size_t>(threads));
  auto pass = [&] {
    std::vector<std::thread> pool;
    // Whole groups of kPackedRows per thread (packed kernels take nothing else).
    auto cut = [&](int i) { return rows / kPackedRows * i / threads * kPackedRows; };
    for (int i = 0; i < threads; i++) {
      pool.emplace_back([&, i] {
        const double t0 = cache_clock();
        b.kernel->rows(a, cut(i), cut(i + 1));
        cpu_seconds[static_cast<size_t>(i)] = cache_clock() - t0;
      });
    }
    for (std::thread& t : pool) t.join();
  };
  pass();
  std::vector<double> rates;
  for (int k = 0; k < 15; k++) {
    const auto t0 = std::chrono::steady_clock::now();
    pass();
    double seconds = seconds_since(t0);
    if (g_cpu_time) {
      seconds = 0.0;
      for (double s : cpu_seconds) seconds += s / threads;
    }
    rates.push_back(static_cast<double>(w.size()) / seconds / 1e9);
  }
  return median(rates);
}

// ---- probes -----------------------------------------------------------------------------

// Runs fn(i) on `threads` threads at once; seconds of the slowest.
template <typename Fn>
double timed_on_threads(int threads, Fn fn) {
  std::vector<std::thread> pool;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < threads; i++) pool.emplace_back([&, i] { fn(i); });
  for (std::thread& t : pool) t.join();
  return seconds_since(t0);
}

#ifdef ARB_HAVE_X86_KERNELS
ARB_TARGET_AVX512 uint64_t read_avx512(const uint8_t* p, size_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 256 <= n; i += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(p + i));
    a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(p + i + 64));
    a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(p + i + 128));
    a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(p + i + 192));
  }
  return static_cast<uint64_t>(_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3))));
}

ARB_TARGET_AVX2 uint64_t read_avx2(const uint8_t* p, size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 128 <= n; i += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

// Vectors pass by value into run_chains, which is always inlined into its ISA-specific callers
// (no call crosses between instruction sets: what -Wpsabi warns about).
#pragma GCC diagnostic ignored "-Wpsabi"

// `step` applied `iters` times to eight independent chains (latencies up to 8 cycles keep both
// vector ports busy); their sum is stored where the compiler cannot drop the work.
template <typename V, typename Step, typename Add, typename Sink>
__attribute__((always_inline)) inline void run_chains(int64_t iters, V start, Step step, Add add, Sink sink) {
  V acc[8];
  for (int k = 0; k < 8; k++) acc[k] = start;
  for (int64_t i = 0; i < iters; i++) {
    for (int k = 0; k < 8; k++) acc[k] = step(acc[k]);
  }
  for (int k = 1; k < 8; k++) acc[0] = add(acc[0], acc[k]);
  sink(acc[0]);
}

volatile float g_probe_sink;

// Returns the operations done: int8 multiply-accumulates (64 per dpbusd, 32 per maddubs + madd)
// or fp32 flops (2 per FMA lane).
ARB_TARGET_AVX512 uint64_t macs_avx512(int64_t iters, int seed) {
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(static_cast<char>(seed | 1));
  run_chains(iters, _mm512_set1_epi32(seed), [&](__m512i v) ARB_TARGET_AVX512 { return _mm512_dpbusd_epi32(v, a, b); },
             [](__m512i x, __m512i y) ARB_TARGET_AVX512 { return _mm512_add_epi32(x, y); },
             [](__m512i v) ARB_TARGET_AVX512 { g_probe_sink = static_cast<float>(_mm512_reduce_add_epi32(v)); });
  return static_cast<uint64_t>(iters) * 8 * 64;
}

ARB_TARGET_AVX512 uint64_t fma_flops_avx512(int64_t iters, int seed) {
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
  run_chains(iters, _mm512_set1_ps(static_cast<float>(seed)), [&](__m512 v) ARB_TARGET_AVX512 { return _mm512_fmadd_ps(v, a, b); },
             [](__m512 x, __m512 y) ARB_TARGET_AVX512 { return _mm512_add_ps(x, y); },
             [](__m512 v) ARB_TARGET_AVX512 { g_probe_sink = _mm512_reduce_add_ps(v); });
  return static_cast<uint64_t>(iters) * 8 * 16 * 2;
}

ARB_TARGET_AVX2 uint64_t macs_avx2(int64_t iters, int seed) {
  const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(static_cast<char>(seed | 1)), ones = _mm256_set1_epi16(1);
  run_chains(iters, _mm256_set1_epi32(seed),
             [&](__m256i v) ARB_TARGET_AVX2 { return _mm256_add_epi32(v, _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones)); },
             [](__m256i x, __m256i y) ARB_TARGET_AVX2 { return _mm256_add_epi32(x, y); },
             [](__m256i v) ARB_TARGET_AVX2 { g_probe_sink = static_cast<float>(_mm256_extract_epi32(v, 0)); });
  return static_cast<uint64_t>(iters) * 8 * 32;
}

ARB_TARGET_AVX2 uint64_t fma_flops_avx2(int64_t iters, int seed) {
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
  run_chains(iters, _mm256_set1_ps(static_cast<float>(seed)), [&](__m256 v) ARB_TARGET_AVX2 { return _mm256_fmadd_ps(v, a, b); },
             [](__m256 x, __m256 y) ARB_TARGET_AVX2 { return _mm256_add_ps(x, y); },
             [](__m256 v) ARB_TARGET_AVX2 { g_probe_sink = _mm_cvtss_f32(_mm256_castps256_ps128(v)); });
  return static_cast<uint64_t>(iters) * 8 * 8 * 2;
}
#endif

// Median over 7 runs of work_done(thread) / seconds, all threads together.
template <typename Fn>
double rate_on_threads(int threads, Fn work) {
  std::vector<double> rates;
  for (int k = 0; k < 7; k++) {
    std::vector<uint64_t> done(static_cast<size_t>(threads));
    const double s = timed_on_threads(threads, [&](int i) { done[static_cast<size_t>(i)] = work(i); });
    uint64_t total = 0;
    for (uint64_t d : done) total += d;
    rates.push_back(static_cast<double>(total) / s);
  }
  return median(rates);
}

int run_probes(int threads) {
#ifdef ARB_HAVE_X86_KERNELS
  const bool avx512 = cpu_isa_selected() >= CpuIsa::Avx512;
  if (cpu_isa_selected() < CpuIsa::Avx2) {
    std::fprintf(stderr, "kernel_bench --probes needs AVX2\n");
    return 2;
  }
  const size_t bytes = size_t{1} << 30;
  std::vector<uint8_t> buffer(bytes, 1);  // written once: every page is resident
  std::vector<uint64_t> sinks(static_cast<size_t>(threads));
  auto read_gbps = [&](int n) {
    return rate_on_threads(n, [&](int i) {
             const size_t begin = bytes * static_cast<size_t>(i) / n, end = bytes * static_cast<size_t>(i + 1) / n;
             sinks[static_cast<size_t>(i)] += avx512 ? read_avx512(buffer.data() + begin, end - begin)
                                                     : read_avx2(buffer.data() + begin, end - begin);
             return static_cast<uint64_t>(end - begin);
           }) / 1e9;
  };
  const int64_t iters = 20000000;
  auto macs = [&](int n) {
    return rate_on_threads(n, [&](int i) { return avx512 ? macs_avx512(iters, i) : macs_avx2(iters, i); });
  };
  auto flops = [&](int n) {
    return rate_on_threads(n, [&](int i) { return avx512 ? fma_flops_avx512(iters, i) : fma_flops_avx2(iters, i); });
  };
  std::printf("{\n  \"benchmark\": \"cpu-probes\",\n  \"isa\": \"%s\",\n  \"cpu\": \"%s\",\n  \"threads\": %d,\n",
              avx512 ? "AVX-512" : "AVX2", cpu_features().brand.c_str(), threads);
  std::printf("  \"readGBps\": {\"1\": %.1f, \"%d\": %.1f},\n", read_gbps(1), threads, read_gbps(threads));
  std::printf("  \"int8MacsPerSecond\": {\"1\": %.3e, \"%d\": %.3e},\n", macs(1), threads, macs(threads));
  std::printf("  \"fp32FmaFlopsPerSecond\": {\"1\": %.3e, \"%d\": %.3e}\n}\n", flops(1), threads, flops(threads));
  return 0;
#else
  (void)threads;
  std::fprintf(stderr, "kernel_bench --probes runs on x86 only\n");
  return 2;
#endif
}

}  // namespace
}  // namespace arb

int main(int argc, char** argv) {
  using namespace arb;
  std::string types = "f32,f16,bf16,q8_0,q4_0,q5_0,q4_k,q6_k";
  int threads = 2;
  bool probes = false;
  std::vector<int> token_counts = {1, 2, 4};
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--probes") == 0) probes = true;
    else if (std::strcmp(argv[i], "--types") == 0 && i + 1 < argc) types = argv[++i];
    else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::max(1, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--cpu-time") == 0) g_cpu_time = true;
    else if (std::strcmp(argv[i], "--tokens") == 0 && i + 1 < argc) {
      token_counts.clear();
      for (const char* p = argv[++i]; *p;) {
        char* end;
        token_counts.push_back(std::max(1, static_cast<int>(std::strtol(p, &end, 10))));
        p = *end == ',' ? end + 1 : end + std::strlen(end);
      }
    }
    else {
      std::fprintf(stderr, "usage: kernel_bench [--types q8_0,q4_0,...] [--threads N] [--tokens 1,2,4] [--cpu-time] [--probes]\n");
      return 2;
    }
  }
  if (probes) return run_probes(threads);
  std::printf("{\n  \"benchmark\": \"cpu-kernels\",\n  \"isa\": \"%s\",\n  \"cpu\": \"%s\",\n  \"threads\": %d,\n  \"columns\": %lld,\n  \"kernels\": [",
              cpu_isa_name(cpu_isa_selected()), cpu_features().brand.c_str(), threads, static_cast<long long>(kCols));
  bool first = true;
  size_t at = 0;
  while (at <= types.size()) {
    const size_t comma = std::min(types.find(',', at), types.size());
    std::string name = types.substr(at, comma - at);
    at = comma + 1;
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const size_t suffix = name.find("-PACKED");
    const bool packed = suffix != std::string::npos;
    GgmlType type;
    if (!type_named(name.substr(0, suffix), &type)) {
      std::fprintf(stderr, "kernel_bench: unknown type %s\n", name.c_str());
      return 2;
    }
    const MatmulKernel* kernel = packed ? select_packed_matmul_kernel(type, 2816) : select_matmul_kernel(type);
    if (!kernel) continue;
    const Bench b{type, kernel, ggml_row_size(type, kCols)};
    std::fprintf(stderr, "[bench:kernels] %s\n", name.c_str());
    std::printf("%s\n    {\"type\": \"%s\", \"kernelIsa\": \"%s\", \"cacheUsPerProduct\": {", first ? "" : ",", name.c_str(),
                cpu_isa_name(kernel->isa));
    first = false;
    for (size_t i = 0; i < token_counts.size(); i++) {
      std::printf("%s\"%d\": %.1f", i == 0 ? "" : ", ", token_counts[i], cache_us(b, token_counts[i]));
    }
    std::printf("}");
    std::printf(", \"%s\": {", g_cpu_time ? "memoryGBpsPerCpuSecond" : "memoryGBps");
    for (size_t i = 0; i < token_counts.size(); i++) {
      std::printf("%s\"%d\": %.1f", i == 0 ? "" : ", ", token_counts[i], memory_gbps(b, token_counts[i], threads));
    }
    std::printf("}");
    std::printf("}");
    std::fflush(stdout);
  }
  std::printf("\n  ]\n}\n");
  return 0;
}
