// A minimal test harness for the engine's C++ tests: TEST(name) registers a case, CHECK*
// record failures and carry on. test_main.cpp runs them (a name filter may be given).
#pragma once
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace arb::test {

struct Case {
  const char* name;
  void (*fn)();
};
std::vector<Case>& registry();
void fail(const char* file, int line, const std::string& message);

struct Registrar {
  Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

}  // namespace arb::test

#define TEST(name)                                                    \
  static void name();                                                 \
  static ::arb::test::Registrar registrar_##name(#name, name);        \
  static void name()

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) ::arb::test::fail(__FILE__, __LINE__, "CHECK(" #cond ")");      \
  } while (0)

#define CHECK_MSG(cond, msg)                                                                \
  do {                                                                                      \
    if (!(cond)) ::arb::test::fail(__FILE__, __LINE__, std::string("CHECK(" #cond "): ") + (msg)); \
  } while (0)

#define CHECK_EQ(a, b)                                                                           \
  do {                                                                                           \
    const auto va_ = (a);                                                                        \
    const auto vb_ = (b);                                                                        \
    if (!(va_ == vb_)) {                                                                         \
      ::arb::test::fail(__FILE__, __LINE__,                                                      \
                        std::string(#a " == " #b ": ") + std::to_string(va_) + " vs " + std::to_string(vb_)); \
    }                                                                                            \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                    \
  do {                                                                                           \
    const double va_ = (a), vb_ = (b), vt_ = (tol);                                              \
    if (!(std::fabs(va_ - vb_) <= vt_)) {                                                        \
      ::arb::test::fail(__FILE__, __LINE__,                                                      \
                        std::string(#a " ~ " #b ": ") + std::to_string(va_) + " vs " + std::to_string(vb_) + \
                            " (tolerance " + std::to_string(vt_) + ")");                         \
    }                                                                                            \
  } while (0)

#define CHECK_OK(expr)                                                                          \
  do {                                                                                          \
    const ::arb::Status st_ = (expr);                                                           \
    if (!st_.ok()) ::arb::test::fail(__FILE__, __LINE__, std::string(#expr ": ") + st_.message); \
  } while (0)
