// cuda_host_checks: the block decoding of the CUDA kernels (quant_types.cuh) checked on the CPU
// against the scalar references. Built beside the addon when nvcc is present; npm test runs it,
// so CI checks the kernels' formats without a GPU.
#include <cstdio>

#include "check_util.h"

namespace arb::gputest {
void run_host_checks(Report& rep, uint64_t seed);
}

int main() {
  arb::gputest::Report rep;
  arb::gputest::run_host_checks(rep, 1);
  std::printf("cuda_host_checks: %zu checks, %d failed\n", rep.results().size(), rep.failures());
  return rep.failures() ? 1 : 0;
}
