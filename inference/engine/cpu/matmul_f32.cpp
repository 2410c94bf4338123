// F32 weights x fp32 activations (norm-free models, tests, small output layers).
#include "float_tiles.h"

namespace arb {

// A named namespace, not an anonymous one: GCC gives run_tiles<> instantiated with tiles from
// an anonymous namespace the same weak symbol in every file, and the linker would merge them.
namespace f32_kernels {
struct F32 {
  using Elem = float;
  static float scalar(const float* p) { return *p; }
#ifdef ARB_HAVE_X86_KERNELS
  ARB_TARGET_AVX2 static __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
  ARB_TARGET_AVX512 static __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
#endif
};
}  // namespace f32_kernels

void add_f32_kernels(std::vector<MatmulKernel>* out) { FloatTiles<f32_kernels::F32>::add(GgmlType::F32, out); }

}  // namespace arb
