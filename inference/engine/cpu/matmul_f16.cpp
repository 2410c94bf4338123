// F16 weights x fp32 activations: F16C widens 8 (AVX2) or 16 (AVX-512) halves per instruction;
// products and sums are fp32 FMAs, so no precision is lost on the activation side.
#include "float_tiles.h"

namespace arb {

// A named namespace, not an anonymous one: GCC gives run_tiles<> instantiated with tiles from
// an anonymous namespace the same weak symbol in every file, and the linker would merge them.
namespace f16_kernels {
struct F16 {
  using Elem = ggml_half;
  static float scalar(const ggml_half* p) { return fp16_to_fp32(*p); }
#ifdef ARB_HAVE_X86_KERNELS
  ARB_TARGET_AVX2 static __m256 load8(const ggml_half* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  ARB_TARGET_AVX512 static __m512 load16(const ggml_half* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
#endif
};
}  // namespace f16_kernels

void add_f16_kernels(std::vector<MatmulKernel>* out) { FloatTiles<f16_kernels::F16>::add(GgmlType::F16, out); }

}  // namespace arb
