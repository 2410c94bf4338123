// The low-rank half of an adapted projection on the CPU (lora.h): y = W x + scale * B (A x).
// The products run inside the base matmul's own parallel job (run_matmuls, matmul.h), not as
// jobs of their own: the job first hands out the A products (u = A x, one item per sequence,
// projection and block of tokens), then the base matrix's row chunks; a thread that has
// written a chunk of W x waits until every u is done (they were handed out first, so at most
// the other threads' last ones are still running) and adds scale * B u to that chunk's rows
// for each sequence that runs an adapter. No extra barrier per projection, both threads on the
// low-rank work, and the rows of y are still in L1 when the adapter's term is added.
//
// Layout: A stays as the file stores it (rank rows of n_in; F32, F16 or BF16, Q8_0 widened to
// F32 at load) and runs through the float matmul kernels (kernels.h), each row one long dot
// product. B (n_out rows of only `rank` values, a dot product too short to vectorize well) is
// repacked at backend start in blocks of 16 outputs, [n_out / 16][rank][16] (zero padded):
// one block's rank x 16 values are contiguous, and 16 outputs take rank vector FMAs with u_j
// broadcast, no horizontal sums. F16 stays F16 (widened by F16C as it is read); F32 and BF16
// are stored as F32 (BF16 widens exactly).
//
// Every (output, token) result goes through the same float operations whatever the batch and
// the row chunking, so a sequence gets the same logits alone or batched.
#pragma once
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "../lora.h"
#include "kernels.h"

namespace arb {

constexpr int kLoraBlock = 16;  // outputs per block of the packed B

struct LoraProduct;
// y += scale * B u for output rows [r0, r1) of a product (below), per packed type and ISA.
using LoraUpFn = void (*)(const LoraProduct& p, int64_t r0, int64_t r1);

// One adapted projection, ready for the CPU.
struct CpuLoraPair {
  int rank = 0;
  float scale = 0.0f;
  const TensorView* a = nullptr;  // the adapter's A (rank rows x n_in)
  const MatmulKernel* a_kernel = nullptr;
  GgmlType b_type = GgmlType::F32;  // F16 or F32
  const void* b = nullptr;          // packed B (above)
  int64_t n_out = 0;
  LoraUpFn up = nullptr;  // for b_type, the ISA cpu_isa_selected() allows
  bool present() const { return rank > 0; }
};

struct CpuLoraAdapter {
  std::vector<std::array<CpuLoraPair, kLoraTargets>> layers;
  std::vector<std::vector<uint8_t>> storage;  // the packed B matrices
};

// Packs one pair's B into `storage` (the pair must outlive the result: A is used in place).
CpuLoraPair pack_lora_pair(const LoraPair& pair, std::vector<uint8_t>* storage);
// Packs every pair of `adapter` (which must outlive the result).
CpuLoraAdapter pack_lora_adapter(const LoraAdapter& adapter);

// One sequence's low-rank term on the output of one of run_matmuls' tasks: for its n_tok
// tokens (token t's input at x + t * ldx, output at y + t * ldy), u = A x into u (n_tok x rank,
// scratch the caller provides), then y += scale * B u.
struct LoraProduct {
  const CpuLoraPair* pair = nullptr;
  int task = 0;  // index of the MatmulTask whose output y is
  const float* x = nullptr;
  int64_t ldx = 0;
  float* y = nullptr;
  int64_t ldy = 0;
  int n_tok = 0;
  float* u = nullptr;
};

// Tokens per A item: a prompt's products split into items the threads share.
constexpr int kLoraTokenBlock = 64;

// u for tokens [t0, t1) of p.
void lora_down(const LoraProduct& p, int t0, int t1);
// y += scale * B u for output rows [r0, r1) and every token of p, once u is complete.
inline void lora_up_rows(const LoraProduct& p, int64_t r0, int64_t r1) { p.pair->up(p, r0, r1); }

// The up kernels for packed B of `b_type` (F16 or F32) that run on this CPU, lowest ISA first
// (tests check each against the reference).
std::vector<std::pair<CpuIsa, LoraUpFn>> lora_up_kernels(GgmlType b_type);

// The scalar reference: y += pair.scale * B (A x) for n_tok tokens, the sums in double, from
// the adapter's own tensors (tests).
void lora_product_ref(const LoraPair& pair, const float* x, int64_t ldx, float* y, int64_t ldy, int n_tok);

}  // namespace arb
