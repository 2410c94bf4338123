// Runs the engine's C++ tests: `engine_tests [name-substring]`. Exit status 0 when all pass.
#include <chrono>
#include <cstring>

#include "test.h"

namespace arb::test {

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

static int g_failures = 0;

void fail(const char* file, int line, const std::string& message) {
  if (++g_failures <= 50) std::fprintf(stderr, "  %s:%d: %s\n", file, line, message.c_str());
}

}  // namespace arb::test

int main(int argc, char** argv) {
  using namespace arb::test;
  int failed_cases = 0, run = 0;
  for (const Case& c : registry()) {
    if (argc > 1 && !std::strstr(c.name, argv[1])) continue;
    const int before = g_failures;
    const auto t0 = std::chrono::steady_clock::now();
    c.fn();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    run++;
    if (g_failures != before) {
      failed_cases++;
      std::printf("FAIL %s (%.0f ms)\n", c.name, ms);
    } else {
      std::printf("ok   %s (%.0f ms)\n", c.name, ms);
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", run - failed_cases, failed_cases);
  return failed_cases == 0 && run > 0 ? 0 : 1;
}
