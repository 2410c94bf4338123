// Names of status codes as JavaScript sees them (error.code).
#include "status.h"

namespace arb {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::Ok: return "OK";
    case StatusCode::InvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::InvalidModel: return "INVALID_MODEL";
    case StatusCode::Unsupported: return "UNSUPPORTED";
    case StatusCode::Io: return "IO";
    case StatusCode::OutOfMemory: return "OUT_OF_MEMORY";
    case StatusCode::DeviceUnavailable: return "DEVICE_UNAVAILABLE";
    case StatusCode::ContextOverflow: return "CONTEXT_OVERFLOW";
    case StatusCode::Cancelled: return "CANCELLED";
    case StatusCode::Internal: return "INTERNAL";
  }
  return "INTERNAL";
}

}  // namespace arb
