// Engine Status -> JavaScript Error with a `code` property (the StatusCode name).
#pragma once
#include <napi.h>

#include "status.h"

namespace arb {

inline Napi::Error make_error(Napi::Env env, const Status& st) {
  Napi::Error e = Napi::Error::New(env, st.message);
  e.Set("code", Napi::String::New(env, status_code_name(st.code)));
  return e;
}

inline Napi::Error make_error(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::TypeError::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

}  // namespace arb
