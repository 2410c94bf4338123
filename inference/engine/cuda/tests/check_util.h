// Helpers shared by the GPU check program: device buffers, result records printed as JSON.
#pragma once
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "../../status.h"

namespace arb::gputest {

// One check: a name, whether it passed, and the numbers that decided it.
struct Result {
  std::string name;
  bool pass = false;
  std::string detail;  // JSON object body: "\"max_err\": 1e-6, ..."
};

class Report {
 public:
  void add(const std::string& name, bool pass, const std::string& detail) {
    results_.push_back({name, pass, detail});
    std::printf("%-58s %s  %s\n", name.c_str(), pass ? "ok  " : "FAIL", detail.c_str());
    std::fflush(stdout);
  }
  const std::vector<Result>& results() const { return results_; }
  int failures() const {
    int n = 0;
    for (const Result& r : results_) n += r.pass ? 0 : 1;
    return n;
  }

 private:
  std::vector<Result> results_;
};

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    out += c;
  }
  return out + "\"";
}

// A number for the JSON details (and the printed lines): null when not finite, which JSON has no
// literal for (a NaN in a failing check must not make the whole result file unreadable).
inline std::string fmt(const char* f, double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// What `gpu-check bench` measures (check_main.cu flags).
struct BenchOptions {
  bool kernels = true;        // copy bandwidth is always measured; --no-kernels skips the kernel tables
  bool model = true;          // --no-model: no synthetic 7B backend
  int sweep = 1;              // version-2 configuration sweep: 0 none (--no-sweep), 1 the experiment's
                              // configurations (default), 2 also run 2's full list (--full-sweep)
};

// Aborts the current test with a message when a CUDA call fails.
struct CudaFailure {
  std::string what;
};
#define TCHECK(call)                                                                            \
  do {                                                                                          \
    const cudaError_t e_ = (call);                                                              \
    if (e_ != cudaSuccess) throw ::arb::gputest::CudaFailure{std::string(#call) + ": " + cudaGetErrorString(e_)}; \
  } while (0)
#define TSTATUS(expr)                                                                           \
  do {                                                                                          \
    const ::arb::Status s_ = (expr);                                                            \
    if (!s_.ok()) throw ::arb::gputest::CudaFailure{std::string(#expr) + ": " + s_.message};      \
  } while (0)

template <typename T>
class DeviceVec {
 public:
  explicit DeviceVec(size_t n = 0) { resize(n); }
  ~DeviceVec() { cudaFree(p_); }
  DeviceVec(const DeviceVec&) = delete;
  DeviceVec& operator=(const DeviceVec&) = delete;
  void resize(size_t n) {
    cudaFree(p_);
    p_ = nullptr;
    n_ = n;
    if (n) TCHECK(cudaMalloc(&p_, n * sizeof(T)));
  }
  T* get() const { return p_; }
  size_t size() const { return n_; }
  void upload(const std::vector<T>& v) {
    resize(v.size());
    TCHECK(cudaMemcpy(p_, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> v(n_);
    TCHECK(cudaDeviceSynchronize());
    if (n_) TCHECK(cudaMemcpy(v.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return v;
  }
  // Fills every byte with `byte` (0xFF makes fp32 and fp16 NaN: an unwritten output shows).
  void poison(unsigned char byte = 0xFF) { TCHECK(cudaMemset(p_, byte, n_ * sizeof(T))); }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

// Relative error of `got` against `want`: ||got - want|| / ||want|| (NaN if any value is not finite).
inline double rel_l2(const std::vector<double>& got, const std::vector<double>& want) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < got.size(); i++) {
    if (!std::isfinite(got[i])) return NAN;
    num += (got[i] - want[i]) * (got[i] - want[i]);
    den += want[i] * want[i];
  }
  return std::sqrt(num / (den > 0 ? den : 1.0));
}

}  // namespace arb::gputest
