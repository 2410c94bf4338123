// What this CPU can run, detected once with cpuid/xgetbv, and the instruction-set level the
// kernels use: the best one available, or a lower one named by ARBITER_CPU_ISA
// (portable | avx2 | avx512) to test or compare paths.
#pragma once
#include <string>

namespace arb {

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512vnni = false, avx512bf16 = false;
  std::string brand;  // "AMD EPYC ..."
};

enum class CpuIsa { Portable = 0, Avx2 = 1, Avx512 = 2 };

const CpuFeatures& cpu_features();
// Highest level the hardware supports: Avx2 = AVX2+FMA+F16C, Avx512 = that plus
// AVX-512 F/BW/VL/VNNI.
CpuIsa cpu_isa_supported();
// The level kernels should use (the supported one, lowered by ARBITER_CPU_ISA).
CpuIsa cpu_isa_selected();
const char* cpu_isa_name(CpuIsa isa);

// Cores this process may run on (its affinity mask): the default thread count.
int cpu_count();

}  // namespace arb
