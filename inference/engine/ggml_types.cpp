// Sizes and names of the ggml types, and portable fp16/bf16 conversions (bit-exact with ggml's
// reference conversions: round to nearest even, NaN kept quiet).
#include "ggml_types.h"

#include <cstring>

namespace arb {

int64_t ggml_block_size(GgmlType t) {
  switch (t) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16: return 1;
    case GgmlType::Q4_0: return QK4_0;
    case GgmlType::Q5_0: return QK5_0;
    case GgmlType::Q8_0: return QK8_0;
    case GgmlType::Q4_K:
    case GgmlType::Q6_K:
    case GgmlType::Q8_K: return QK_K;
  }
  return 0;
}

size_t ggml_type_size(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return 4;
    case GgmlType::F16:
    case GgmlType::BF16: return 2;
    case GgmlType::Q4_0: return sizeof(block_q4_0);
    case GgmlType::Q5_0: return sizeof(block_q5_0);
    case GgmlType::Q8_0: return sizeof(block_q8_0);
    case GgmlType::Q4_K: return sizeof(block_q4_K);
    case GgmlType::Q6_K: return sizeof(block_q6_K);
    case GgmlType::Q8_K: return sizeof(block_q8_K);
  }
  return 0;
}

const char* ggml_type_name(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return "F32";
    case GgmlType::F16: return "F16";
    case GgmlType::BF16: return "BF16";
    case GgmlType::Q4_0: return "Q4_0";
    case GgmlType::Q5_0: return "Q5_0";
    case GgmlType::Q8_0: return "Q8_0";
    case GgmlType::Q4_K: return "Q4_K";
    case GgmlType::Q6_K: return "Q6_K";
    case GgmlType::Q8_K: return "Q8_K";
  }
  return "unknown";
}

bool ggml_type_is_weight(GgmlType t) {
  switch (t) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::Q4_K:
    case GgmlType::Q6_K: return true;
    default: return false;  // Q8_K: activations only
  }
}

size_t ggml_row_size(GgmlType t, int64_t n) {
  return static_cast<size_t>(n / ggml_block_size(t)) * ggml_type_size(t);
}

static uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

static float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float fp16_to_fp32(ggml_half h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) return bits_float(sign | 0x7f800000 | (mant << 13));  // inf / nan
  if (exp != 0) return bits_float(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return bits_float(sign);
  // Subnormal half: normalise the mantissa.
  int e = -1;
  do {
    e++;
    mant <<= 1;
  } while ((mant & 0x400) == 0);
  return bits_float(sign | static_cast<uint32_t>(112 - e) << 23 | ((mant & 0x3ff) << 13));
}

ggml_half fp32_to_fp16(float f) {
  const uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000;
  const uint32_t exp = (x >> 23) & 0xff;
  const uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return static_cast<ggml_half>(sign | 0x7c00 | (mant ? 0x200 : 0));
  const int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<ggml_half>(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10) return static_cast<ggml_half>(sign);
    const uint32_t full = mant | 0x800000;
    const int shift = 14 - e;
    uint32_t m = full >> shift;
    const uint32_t rem = full & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (m & 1))) m++;
    return static_cast<ggml_half>(sign | m);
  }
  uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;  // may carry into the exponent: correct
  return static_cast<ggml_half>(sign | h);
}

float bf16_to_fp32(ggml_bf16 h) { return bits_float(static_cast<uint32_t>(h) << 16); }

ggml_bf16 fp32_to_bf16(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<ggml_bf16>((x >> 16) | 64);  // quiet NaN
  return static_cast<ggml_bf16>((x + (0x7fff + ((x >> 16) & 1))) >> 16);
}

}  // namespace arb
