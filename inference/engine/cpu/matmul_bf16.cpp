// BF16 weights x fp32 activations: a bf16 is the top half of an fp32, so widening is a 16-bit
// shift; products and sums are fp32 FMAs (exact products, unlike AVX-512-BF16's dot, which
// would round the activations to bf16).
#include "float_tiles.h"

namespace arb {

// A named namespace, not an anonymous one: GCC gives run_tiles<> instantiated with tiles from
// an anonymous namespace the same weak symbol in every file, and the linker would merge them.
namespace bf16_kernels {
struct BF16 {
  using Elem = ggml_bf16;
  static float scalar(const ggml_bf16* p) { return bf16_to_fp32(*p); }
#ifdef ARB_HAVE_X86_KERNELS
  ARB_TARGET_AVX2 static __m256 load8(const ggml_bf16* p) {
    const __m256i u = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
  }
  ARB_TARGET_AVX512 static __m512 load16(const ggml_bf16* p) {
    const __m512i u = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(u, 16));
  }
#endif
};
}  // namespace bf16_kernels

void add_bf16_kernels(std::vector<MatmulKernel>* out) { FloatTiles<bf16_kernels::BF16>::add(GgmlType::BF16, out); }

}  // namespace arb
