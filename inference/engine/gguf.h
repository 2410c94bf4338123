// GGUF v3 files: mmap, parse and validate every count, length, type, shape and offset against
// the file before anything uses it. Strings and tensor data are views into the mapping.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ggml_types.h"
#include "status.h"

namespace arb {

enum class GgufType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};

const char* gguf_type_name(GgufType t);

struct GgufValue {
  GgufType type = GgufType::UINT8;
  // Scalars: integers in `i` (uint64 values above INT64_MAX are rejected), floats in `f`,
  // bools in `i` (0/1).
  int64_t i = 0;
  double f = 0.0;
  std::string_view str;
  // Arrays: element type and count; numeric elements stay packed in the file (`elems`),
  // strings are listed in `strings`.
  GgufType elem_type = GgufType::UINT8;
  uint64_t n_elems = 0;
  const uint8_t* elems = nullptr;
  std::vector<std::string_view> strings;

  bool is_integer() const;
  bool is_float() const { return type == GgufType::FLOAT32 || type == GgufType::FLOAT64; }
  // Element k of a numeric array as int64 / double (k < n_elems, the type checked by the caller).
  int64_t int_at(uint64_t k) const;
  double float_at(uint64_t k) const;
};

struct GgufKV {
  std::string key;
  GgufValue value;
};

struct GgufTensorInfo {
  std::string name;
  int n_dims = 0;
  int64_t ne[4] = {1, 1, 1, 1};
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;  // from the start of the data section
  const uint8_t* data = nullptr;
  size_t n_bytes = 0;
};

class GgufFile {
 public:
  // Maps and parses the file. Errors: Io (cannot open/map), InvalidModel (corrupt, truncated,
  // inconsistent), Unsupported (a version or tensor type this engine does not read).
  static Status open(const std::string& path, std::unique_ptr<GgufFile>* out);
  // Parses bytes the caller keeps alive (tests).
  static Status parse(const uint8_t* data, size_t size, std::unique_ptr<GgufFile>* out);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  size_t size() const { return size_; }
  const uint8_t* data() const { return data_; }
  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  size_t data_offset() const { return data_offset_; }
  const std::vector<GgufKV>& kvs() const { return kvs_; }
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }

  const GgufValue* find(std::string_view key) const;
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Typed getters: a missing key gives `fallback` when one is passed, else InvalidModel; a
  // value of the wrong type or out of range is always InvalidModel naming the key.
  Status get_string(std::string_view key, std::string* out, const char* fallback = nullptr) const;
  Status get_int(std::string_view key, int64_t min, int64_t max, int64_t* out,
                 const int64_t* fallback = nullptr) const;
  Status get_float(std::string_view key, double* out, const double* fallback = nullptr) const;
  Status get_bool(std::string_view key, bool* out, const bool* fallback = nullptr) const;

 private:
  GgufFile() = default;
  Status parse_all();

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  uint32_t version_ = 0;
  size_t alignment_ = 32;
  size_t data_offset_ = 0;
  std::vector<GgufKV> kvs_;
  std::vector<GgufTensorInfo> tensors_;
};

}  // namespace arb
