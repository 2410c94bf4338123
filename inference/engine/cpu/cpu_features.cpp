// cpuid-based feature detection. AVX and AVX-512 also need the OS to save their registers
// (xgetbv), or the instructions fault even though cpuid lists them.
#include "cpu_features.h"

#include <sched.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define ARB_X86 1
#endif

namespace arb {

namespace {

#ifdef ARB_X86
uint64_t xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#ifdef ARB_X86
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1;
  const bool avx = (c >> 28) & 1;
  const bool fma = (c >> 12) & 1;
  const bool f16c = (c >> 29) & 1;
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;       // SSE and AVX state
  const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;  // plus opmask and ZMM state
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    f.avx2 = avx && os_avx && ((b >> 5) & 1);
    f.fma = f.avx2 && fma;
    f.f16c = f.avx2 && f16c;
    f.avx512f = os_avx512 && ((b >> 16) & 1);
    f.avx512bw = f.avx512f && ((b >> 30) & 1);
    f.avx512vl = f.avx512f && ((b >> 31) & 1);
    f.avx512vnni = f.avx512f && ((c >> 11) & 1);
  }
  if (f.avx512f && __get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512bf16 = (a >> 5) & 1;
  unsigned brand[12];
  if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
    for (unsigned k = 0; k < 3; k++) {
      __get_cpuid(0x80000002 + k, &brand[4 * k], &brand[4 * k + 1], &brand[4 * k + 2], &brand[4 * k + 3]);
    }
    char text[49];
    std::memcpy(text, brand, 48);
    text[48] = 0;
    f.brand = text;
    while (!f.brand.empty() && (f.brand.back() == ' ' || f.brand.back() == 0)) f.brand.pop_back();
    while (!f.brand.empty() && f.brand.front() == ' ') f.brand.erase(0, 1);
  }
#endif
  if (f.brand.empty()) f.brand = "unknown CPU";
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

CpuIsa cpu_isa_supported() {
  const CpuFeatures& f = cpu_features();
  if (!(f.avx2 && f.fma && f.f16c)) return CpuIsa::Portable;
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni) return CpuIsa::Avx512;
  return CpuIsa::Avx2;
}

CpuIsa cpu_isa_selected() {
  CpuIsa isa = cpu_isa_supported();
  if (const char* env = std::getenv("ARBITER_CPU_ISA")) {
    CpuIsa wanted = isa;
    if (std::strcmp(env, "portable") == 0) wanted = CpuIsa::Portable;
    if (std::strcmp(env, "avx2") == 0) wanted = CpuIsa::Avx2;
    if (wanted < isa) isa = wanted;
  }
  return isa;
}

int cpu_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  const unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

const char* cpu_isa_name(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::Portable: return "portable";
    case CpuIsa::Avx2: return "AVX2+FMA+F16C";
    case CpuIsa::Avx512: return "AVX-512+VNNI";
  }
  return "?";
}

}  // namespace arb
