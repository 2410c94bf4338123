// gpu-check: the CUDA path's own tests (this folder) and benchmark (inference/bench/cuda_bench.cu),
// run on a GPU machine by inference/gpu/run.sh.
//   gpu-check host  [--json FILE]                the kernels' block decoding, on the CPU (no GPU)
//   gpu-check test  [--json FILE] [--seed N] [--quick] [--no-bad-device]   kernels and backend vs
//                                                the scalar references (--quick: fewer backend
//                                                models, for runs under compute-sanitizer;
//                                                --no-bad-device: skip the deliberate invalid
//                                                device, which compute-sanitizer counts as an
//                                                API error)
//   gpu-check bench [--json FILE] [--no-kernels] [--no-model] [--no-sweep | --full-sweep]
// Prints one line per check, writes all figures as JSON (one check per line, so that a reader
// can still recover the others if one line is malformed), exits 1 when a check fails.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "check_util.h"

namespace arb::gputest {
void run_host_checks(Report& rep, uint64_t seed);
void run_kernel_tests(Report& rep, uint64_t seed);
void run_backend_tests(Report& rep, uint64_t seed, bool quick, bool skip_bad_device);
std::string run_bench(Report& rep, uint64_t seed, const BenchOptions& options);
}  // namespace arb::gputest

using namespace arb::gputest;

int main(int argc, char** argv) {
  if (argc < 2 || (std::strcmp(argv[1], "host") != 0 && std::strcmp(argv[1], "test") != 0 && std::strcmp(argv[1], "bench") != 0)) {
    std::fprintf(stderr, "usage: gpu-check host|test|bench [--json FILE] [--seed N] [--quick] [--no-bad-device] [--no-kernels] [--no-model] [--no-sweep | --full-sweep]\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::string json_path;
  uint64_t seed = 1;
  BenchOptions bench;
  bool quick = false, no_bad_device = false;
  for (int i = 2; i < argc; i++) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--no-kernels")) bench.kernels = false;
    else if (!std::strcmp(argv[i], "--no-model")) bench.model = false;
    else if (!std::strcmp(argv[i], "--no-sweep")) bench.sweep = 0;
    else if (!std::strcmp(argv[i], "--full-sweep")) bench.sweep = 2;
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--no-bad-device")) no_bad_device = true;
  }
  Report rep;
  if (mode == "host") {
    run_host_checks(rep, seed);
    std::printf("host: %zu checks, %d failed\n", rep.results().size(), rep.failures());
    return rep.failures() ? 1 : 0;
  }
  cudaDeviceProp prop;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0 || cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    std::fprintf(stderr, "gpu-check: no CUDA device\n");
    return 2;
  }
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  std::printf("device: %s, sm_%d%d, %d SMs, %.1f GiB, driver %d, runtime %d\n", prop.name, prop.major, prop.minor,
              prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0, driver, runtime);
  std::string body;
  if (mode == "test") {
    run_host_checks(rep, seed);
    run_kernel_tests(rep, seed);
    run_backend_tests(rep, seed + 1, quick, no_bad_device);
  } else {
    body = run_bench(rep, seed, bench);
  }
  std::string json = "{\"mode\": \"" + mode + "\", \"device\": " + json_string(prop.name) + ", \"sm\": " +
                     std::to_string(prop.major * 10 + prop.minor) + ", \"sms\": " + std::to_string(prop.multiProcessorCount) +
                     ", \"driver\": " + std::to_string(driver) + ", \"failures\": " + std::to_string(rep.failures()) + ", \"results\": [";
  for (size_t i = 0; i < rep.results().size(); i++) {
    const Result& r = rep.results()[i];
    json += std::string(i ? ",\n" : "\n") + "{\"name\": " + json_string(r.name) + ", \"pass\": " + (r.pass ? "true" : "false") +
            (r.detail.empty() ? "" : ", " + r.detail) + "}";
  }
  json += "]" + (body.empty() ? "" : ", " + body) + "}\n";
  if (!json_path.empty()) {
    if (FILE* f = std::fopen(json_path.c_str(), "w")) {
      std::fputs(json.c_str(), f);
      std::fclose(f);
    }
  }
  std::printf("%s: %zu checks, %d failed\n", mode.c_str(), rep.results().size(), rep.failures());
  return rep.failures() ? 1 : 0;
}
