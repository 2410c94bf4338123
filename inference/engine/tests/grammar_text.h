// Writing grammar text (grammar.h's line format) in the grammar and constraint tests: literals
// and keys go in as hex.
#pragma once
#include <string>

namespace arb::test {

inline std::string hex(const std::string& text) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : text) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace arb::test
