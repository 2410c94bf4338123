// Errors cross every boundary of the engine as values: a code users can branch on and a
// message that names the problem. The core never throws or aborts on bad input.
#pragma once
#include <string>
#include <utility>

namespace arb {

enum class StatusCode {
  Ok = 0,
  InvalidArgument,    // a caller passed something out of range
  InvalidModel,       // the GGUF file is corrupt, truncated or not a supported llama model
  Unsupported,        // a valid file using a feature the engine does not implement
  Io,                 // open/mmap/read failed
  OutOfMemory,
  DeviceUnavailable,  // CUDA asked for but not compiled in, no driver or no GPU
  ContextOverflow,    // prompt + generation longer than the context
  Cancelled,
  Internal,
};

const char* status_code_name(StatusCode code);  // "INVALID_MODEL", ... (used as JS error.code)

struct Status {
  StatusCode code = StatusCode::Ok;
  std::string message;

  bool ok() const { return code == StatusCode::Ok; }
  static Status Ok() { return {}; }
  static Status Error(StatusCode c, std::string m) { return Status{c, std::move(m)}; }
};

#define ARB_RETURN_IF_ERROR(expr)          \
  do {                                     \
    ::arb::Status _st = (expr);            \
    if (!_st.ok()) return _st;             \
  } while (0)

}  // namespace arb
