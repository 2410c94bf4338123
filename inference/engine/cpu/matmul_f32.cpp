// F32 weights x fp32 activations (norm-free models, tests, small output layers).
#include "float_tiles.h"

namespace arb {

namespace {
struct F32 {
  using Elem = float;
  static float scalar(const float* p) { return *p; }
#ifdef ARB_HAVE_X86_KERNELS
  ARB_TARGET_AVX2 static __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
  ARB_TARGET_AVX512 static __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
#endif
};
}  // namespace

void add_f32_kernels(std::vector<MatmulKernel>* out) { FloatTiles<F32>::add(GgmlType::F32, out); }

}  // namespace arb
