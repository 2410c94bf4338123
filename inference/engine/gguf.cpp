// GGUF v3 reader. Layout (little-endian): magic "GGUF", u32 version, u64 n_tensors, u64 n_kv,
// n_kv x (string key, u32 type, value), n_tensors x (string name, u32 n_dims, u64 ne[n_dims],
// u32 type, u64 offset), padding to general.alignment, tensor data. Every read is bounds-checked
// against the file; a bad file gets an error naming the field and the byte offset.
#include "gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <unordered_set>

namespace arb {

namespace {

constexpr uint64_t kMaxStringBytes = 1ull << 30;  // no legitimate key, name or token is 1 GiB
constexpr uint64_t kMaxNameBytes = 256;           // ggml caps tensor names at 64

// Names of every ggml type id, for error messages about types we do not handle.
const char* ggml_type_id_name(uint32_t id) {
  static const char* const names[] = {
      "F32",  "F16",  "Q4_0", "Q4_1", "Q4_2", "Q4_3",    "Q5_0",    "Q5_1",  "Q8_0", "Q8_1",
      "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K",    "IQ2_XXS", "IQ2_XS", "IQ3_XXS",
      "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64",
      "IQ1_M", "BF16"};
  return id < sizeof(names) / sizeof(names[0]) ? names[id] : "unknown";
}

bool known_ggml_type(uint32_t id) {
  switch (static_cast<GgmlType>(id)) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::Q4_K:
    case GgmlType::Q6_K: return true;
    default: return false;  // Q8_K is an activation format, never stored
  }
}

size_t scalar_size(GgufType t) {
  switch (t) {
    case GgufType::UINT8:
    case GgufType::INT8:
    case GgufType::BOOL: return 1;
    case GgufType::UINT16:
    case GgufType::INT16: return 2;
    case GgufType::UINT32:
    case GgufType::INT32:
    case GgufType::FLOAT32: return 4;
    case GgufType::UINT64:
    case GgufType::INT64:
    case GgufType::FLOAT64: return 8;
    default: return 0;  // STRING, ARRAY
  }
}

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::FLOAT64); }

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (s.size() > 80) out += "...";
  return out;
}

// Bounds-checked cursor over the file. Each failed read records what was being read.
struct Reader {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;

  size_t remaining() const { return size - pos; }

  Status truncated(const std::string& what) const {
    return Status::Error(StatusCode::InvalidModel,
                         "GGUF file is truncated: " + what + " at byte " + std::to_string(pos) +
                             " runs past the end of the file (" + std::to_string(size) +
                             " bytes)");
  }

  template <typename T>
  Status read(T* out, const std::string& what) {
    if (remaining() < sizeof(T)) return truncated(what);
    std::memcpy(out, data + pos, sizeof(T));
    pos += sizeof(T);
    return Status::Ok();
  }

  Status read_string(std::string_view* out, uint64_t max_len, const std::string& what) {
    uint64_t len = 0;
    ARB_RETURN_IF_ERROR(read(&len, what + " length"));
    if (len > max_len) {
      return Status::Error(StatusCode::InvalidModel,
                           "GGUF " + what + " at byte " + std::to_string(pos - 8) +
                               " claims a length of " + std::to_string(len) +
                               " bytes (limit " + std::to_string(max_len) + ")");
    }
    if (len > remaining()) return truncated(what + " of " + std::to_string(len) + " bytes");
    *out = std::string_view(reinterpret_cast<const char*>(data + pos), len);
    pos += len;
    return Status::Ok();
  }
};

Status read_scalar(Reader& r, GgufType t, GgufValue* v, const std::string& what) {
  switch (t) {
    case GgufType::UINT8: { uint8_t x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->i = x; break; }
    case GgufType::INT8: { int8_t x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->i = x; break; }
    case GgufType::UINT16: { uint16_t x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->i = x; break; }
    case GgufType::INT16: { int16_t x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->i = x; break; }
    case GgufType::UINT32: { uint32_t x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->i = x; break; }
    case GgufType::INT32: { int32_t x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->i = x; break; }
    case GgufType::INT64: { int64_t x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->i = x; break; }
    case GgufType::UINT64: {
      uint64_t x = 0;
      ARB_RETURN_IF_ERROR(r.read(&x, what));
      if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Status::Error(StatusCode::InvalidModel,
                             "GGUF " + what + " is a uint64 too large to use: " + std::to_string(x));
      }
      v->i = static_cast<int64_t>(x);
      break;
    }
    case GgufType::FLOAT32: { float x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->f = x; break; }
    case GgufType::FLOAT64: { double x = 0; ARB_RETURN_IF_ERROR(r.read(&x, what)); v->f = x; break; }
    case GgufType::BOOL: {
      uint8_t x = 0;
      ARB_RETURN_IF_ERROR(r.read(&x, what));
      if (x > 1) {
        return Status::Error(StatusCode::InvalidModel,
                             "GGUF " + what + " is a bool with value " + std::to_string(x));
      }
      v->i = x;
      break;
    }
    case GgufType::STRING:
      return r.read_string(&v->str, kMaxStringBytes, what);
    case GgufType::ARRAY:
      return Status::Error(StatusCode::Internal, "read_scalar called on an array");
  }
  return Status::Ok();
}

Status read_value(Reader& r, GgufValue* v, const std::string& what) {
  uint32_t type = 0;
  ARB_RETURN_IF_ERROR(r.read(&type, what + " type"));
  if (!valid_type(type)) {
    return Status::Error(StatusCode::InvalidModel,
                         "GGUF " + what + " has an unknown value type " + std::to_string(type));
  }
  v->type = static_cast<GgufType>(type);
  if (v->type != GgufType::ARRAY) return read_scalar(r, v->type, v, what);

  uint32_t elem_type = 0;
  uint64_t n = 0;
  ARB_RETURN_IF_ERROR(r.read(&elem_type, what + " element type"));
  ARB_RETURN_IF_ERROR(r.read(&n, what + " element count"));
  if (!valid_type(elem_type)) {
    return Status::Error(StatusCode::InvalidModel, "GGUF " + what +
                                                       " is an array of unknown type " +
                                                       std::to_string(elem_type));
  }
  if (elem_type == static_cast<uint32_t>(GgufType::ARRAY)) {
    return Status::Error(StatusCode::Unsupported, "GGUF " + what + " is an array of arrays");
  }
  v->elem_type = static_cast<GgufType>(elem_type);
  v->n_elems = n;
  if (v->elem_type == GgufType::STRING) {
    if (n > r.remaining() / 8) {  // every string takes at least its 8-byte length
      return r.truncated(what + " (" + std::to_string(n) + " strings)");
    }
    v->strings.reserve(n);
    for (uint64_t k = 0; k < n; k++) {
      std::string_view s;
      ARB_RETURN_IF_ERROR(r.read_string(&s, kMaxStringBytes, what + "[" + std::to_string(k) + "]"));
      v->strings.push_back(s);
    }
    return Status::Ok();
  }
  const size_t es = scalar_size(v->elem_type);
  if (n > r.remaining() / es) {
    return r.truncated(what + " (" + std::to_string(n) + " elements of " + std::to_string(es) +
                       " bytes)");
  }
  v->elems = r.data + r.pos;
  r.pos += static_cast<size_t>(n) * es;
  if (v->elem_type == GgufType::BOOL) {
    for (uint64_t k = 0; k < n; k++) {
      if (v->elems[k] > 1) {
        return Status::Error(StatusCode::InvalidModel,
                             "GGUF " + what + " holds a bool with value " +
                                 std::to_string(v->elems[k]));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

const char* gguf_type_name(GgufType t) {
  switch (t) {
    case GgufType::UINT8: return "uint8";
    case GgufType::INT8: return "int8";
    case GgufType::UINT16: return "uint16";
    case GgufType::INT16: return "int16";
    case GgufType::UINT32: return "uint32";
    case GgufType::INT32: return "int32";
    case GgufType::FLOAT32: return "float32";
    case GgufType::BOOL: return "bool";
    case GgufType::STRING: return "string";
    case GgufType::ARRAY: return "array";
    case GgufType::UINT64: return "uint64";
    case GgufType::INT64: return "int64";
    case GgufType::FLOAT64: return "float64";
  }
  return "unknown";
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::UINT8:
    case GgufType::INT8:
    case GgufType::UINT16:
    case GgufType::INT16:
    case GgufType::UINT32:
    case GgufType::INT32:
    case GgufType::UINT64:
    case GgufType::INT64: return true;
    default: return false;
  }
}

int64_t GgufValue::int_at(uint64_t k) const {
  const uint8_t* p = elems + k * scalar_size(elem_type);
  switch (elem_type) {
    case GgufType::UINT8:
    case GgufType::BOOL: return *p;
    case GgufType::INT8: return static_cast<int8_t>(*p);
    case GgufType::UINT16: { uint16_t x; std::memcpy(&x, p, 2); return x; }
    case GgufType::INT16: { int16_t x; std::memcpy(&x, p, 2); return x; }
    case GgufType::UINT32: { uint32_t x; std::memcpy(&x, p, 4); return x; }
    case GgufType::INT32: { int32_t x; std::memcpy(&x, p, 4); return x; }
    case GgufType::UINT64:
    case GgufType::INT64: { int64_t x; std::memcpy(&x, p, 8); return x; }
    case GgufType::FLOAT32: { float x; std::memcpy(&x, p, 4); return static_cast<int64_t>(x); }
    case GgufType::FLOAT64: { double x; std::memcpy(&x, p, 8); return static_cast<int64_t>(x); }
    default: return 0;
  }
}

double GgufValue::float_at(uint64_t k) const {
  const uint8_t* p = elems + k * scalar_size(elem_type);
  if (elem_type == GgufType::FLOAT32) { float x; std::memcpy(&x, p, 4); return x; }
  if (elem_type == GgufType::FLOAT64) { double x; std::memcpy(&x, p, 8); return x; }
  return static_cast<double>(int_at(k));
}

GgufFile::~GgufFile() {
  if (mapped_) munmap(const_cast<uint8_t*>(data_), size_);
}

Status GgufFile::open(const std::string& path, std::unique_ptr<GgufFile>* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Error(StatusCode::Io, "cannot open model file '" + path + "': " +
                                             std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(StatusCode::Io, "model path '" + path + "' is not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return Status::Error(StatusCode::InvalidModel, "model file '" + path + "' is empty");
  }
  void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (map == MAP_FAILED) {
    return Status::Error(StatusCode::Io, "cannot map model file '" + path + "': " +
                                             std::strerror(map_errno));
  }
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = path;
  file->data_ = static_cast<const uint8_t*>(map);
  file->size_ = size;
  file->mapped_ = true;
  Status st_parse = file->parse_all();
  if (!st_parse.ok()) {
    st_parse.message = "'" + path + "': " + st_parse.message;
    return st_parse;
  }
  *out = std::move(file);
  return Status::Ok();
}

Status GgufFile::parse(const uint8_t* data, size_t size, std::unique_ptr<GgufFile>* out) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = "<memory>";
  file->data_ = data;
  file->size_ = size;
  ARB_RETURN_IF_ERROR(file->parse_all());
  *out = std::move(file);
  return Status::Ok();
}

Status GgufFile::parse_all() {
  Reader r{data_, size_};
  char magic[4];
  if (size_ < 4) return r.truncated("the magic number");
  std::memcpy(magic, data_, 4);
  if (std::memcmp(magic, "GGUF", 4) != 0) {
    return Status::Error(StatusCode::InvalidModel,
                         "not a GGUF file: it starts with '" + printable({magic, 4}) +
                             "' instead of 'GGUF'");
  }
  r.pos = 4;
  ARB_RETURN_IF_ERROR(r.read(&version_, "the version"));
  if (version_ == 1 || version_ == 2) {
    return Status::Error(StatusCode::Unsupported,
                         "GGUF version " + std::to_string(version_) +
                             " is not supported (this engine reads version 3; convert the file with a recent llama.cpp)");
  }
  if (version_ != 3) {
    return Status::Error(StatusCode::InvalidModel,
                         "GGUF version field holds " + std::to_string(version_) + ", not a GGUF version (3)");
  }
  uint64_t n_tensors = 0, n_kv = 0;
  ARB_RETURN_IF_ERROR(r.read(&n_tensors, "the tensor count"));
  ARB_RETURN_IF_ERROR(r.read(&n_kv, "the metadata count"));
  // A metadata pair takes at least 8 (key length) + 4 (type) + 1 bytes, a tensor info 8 + 4 +
  // 8 + 4 + 8: counts that cannot fit are rejected before anything is allocated.
  if (n_kv > r.remaining() / 13) {
    return Status::Error(StatusCode::InvalidModel,
                         "GGUF header claims " + std::to_string(n_kv) +
                             " metadata entries, more than the file can hold");
  }
  if (n_tensors > r.remaining() / 32) {
    return Status::Error(StatusCode::InvalidModel,
                         "GGUF header claims " + std::to_string(n_tensors) +
                             " tensors, more than the file can hold");
  }

  std::unordered_set<std::string_view> keys;
  kvs_.reserve(n_kv);
  for (uint64_t k = 0; k < n_kv; k++) {
    std::string_view key;
    ARB_RETURN_IF_ERROR(r.read_string(&key, 65535, "metadata key #" + std::to_string(k)));
    if (key.empty()) {
      return Status::Error(StatusCode::InvalidModel,
                           "GGUF metadata key #" + std::to_string(k) + " is empty");
    }
    if (!keys.insert(key).second) {
      return Status::Error(StatusCode::InvalidModel,
                           "GGUF metadata key '" + printable(key) + "' appears twice");
    }
    GgufKV kv;
    kv.key = std::string(key);
    ARB_RETURN_IF_ERROR(read_value(r, &kv.value, "metadata '" + printable(key) + "'"));
    kvs_.push_back(std::move(kv));
  }

  if (const GgufValue* a = find("general.alignment")) {
    if (a->type != GgufType::UINT32 || a->i == 0 || (a->i & (a->i - 1)) != 0) {
      return Status::Error(StatusCode::InvalidModel,
                           "GGUF general.alignment must be a uint32 power of two, got " +
                               std::string(gguf_type_name(a->type)) + " " + std::to_string(a->i));
    }
    alignment_ = static_cast<size_t>(a->i);
  }

  std::unordered_set<std::string_view> names;
  tensors_.reserve(n_tensors);
  for (uint64_t k = 0; k < n_tensors; k++) {
    const std::string what = "tensor info #" + std::to_string(k);
    std::string_view name;
    ARB_RETURN_IF_ERROR(r.read_string(&name, kMaxNameBytes, what + " name"));
    if (name.empty()) return Status::Error(StatusCode::InvalidModel, what + " has an empty name");
    if (!names.insert(name).second) {
      return Status::Error(StatusCode::InvalidModel,
                           "tensor '" + printable(name) + "' appears twice");
    }
    GgufTensorInfo t;
    t.name = std::string(name);
    const std::string tw = "tensor '" + printable(name) + "'";
    uint32_t n_dims = 0;
    ARB_RETURN_IF_ERROR(r.read(&n_dims, tw + " dimension count"));
    if (n_dims < 1 || n_dims > 4) {
      return Status::Error(StatusCode::InvalidModel,
                           tw + " has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    }
    t.n_dims = static_cast<int>(n_dims);
    int64_t n_elems = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
      uint64_t ne = 0;
      ARB_RETURN_IF_ERROR(r.read(&ne, tw + " dimension " + std::to_string(d)));
      if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Status::Error(StatusCode::InvalidModel,
                             tw + " has an invalid dimension " + std::to_string(d) + " of " +
                                 std::to_string(ne));
      }
      if (static_cast<int64_t>(ne) > std::numeric_limits<int64_t>::max() / n_elems) {
        return Status::Error(StatusCode::InvalidModel, tw + " has more elements than fit in 64 bits");
      }
      t.ne[d] = static_cast<int64_t>(ne);
      n_elems *= t.ne[d];
    }
    uint32_t type = 0;
    ARB_RETURN_IF_ERROR(r.read(&type, tw + " type"));
    if (!known_ggml_type(type)) {
      return Status::Error(StatusCode::Unsupported,
                           tw + " has ggml type " + std::to_string(type) + " (" +
                               ggml_type_id_name(type) + "), which this engine does not read");
    }
    t.type = static_cast<GgmlType>(type);
    ARB_RETURN_IF_ERROR(r.read(&t.offset, tw + " offset"));
    const int64_t bs = ggml_block_size(t.type);
    if (t.ne[0] % bs != 0) {
      return Status::Error(StatusCode::InvalidModel,
                           tw + " of type " + ggml_type_name(t.type) + " has a row of " +
                               std::to_string(t.ne[0]) + " values, not a multiple of the block size " +
                               std::to_string(bs));
    }
    if (t.offset % alignment_ != 0) {
      return Status::Error(StatusCode::InvalidModel,
                           tw + " data offset " + std::to_string(t.offset) +
                               " is not a multiple of the alignment " + std::to_string(alignment_));
    }
    // n_elems / bs * type_size cannot overflow: n_elems < 2^63 and type_size <= 292 with bs >= 1
    // only overflows for absurd counts, which the size check against the file rejects first.
    const uint64_t n_blocks = static_cast<uint64_t>(n_elems / bs);
    const uint64_t ts = ggml_type_size(t.type);
    if (n_blocks > std::numeric_limits<uint64_t>::max() / ts) {
      return Status::Error(StatusCode::InvalidModel, tw + " is larger than 2^64 bytes");
    }
    t.n_bytes = static_cast<size_t>(n_blocks * ts);
    tensors_.push_back(std::move(t));
  }

  data_offset_ = (r.pos + alignment_ - 1) / alignment_ * alignment_;
  if (data_offset_ > size_) {
    return r.truncated("the padding before the tensor data");
  }
  const uint64_t data_size = size_ - data_offset_;
  for (GgufTensorInfo& t : tensors_) {
    if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
      return Status::Error(StatusCode::InvalidModel,
                           "tensor '" + printable(t.name) + "' (" + std::to_string(t.n_bytes) +
                               " bytes at data offset " + std::to_string(t.offset) +
                               ") runs past the end of the file: the data section holds " +
                               std::to_string(data_size) + " bytes");
    }
    t.data = data_ + data_offset_ + t.offset;
  }
  // Tensors may not share bytes: a file that aliases them is corrupt or crafted.
  std::vector<const GgufTensorInfo*> by_offset;
  for (const GgufTensorInfo& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
  for (size_t k = 1; k < by_offset.size(); k++) {
    const GgufTensorInfo& prev = *by_offset[k - 1];
    if (by_offset[k]->offset < prev.offset + prev.n_bytes) {
      return Status::Error(StatusCode::InvalidModel, "tensor '" + printable(by_offset[k]->name) +
                                                         "' overlaps tensor '" + printable(prev.name) + "'");
    }
  }
  return Status::Ok();
}

const GgufValue* GgufFile::find(std::string_view key) const {
  for (const GgufKV& kv : kvs_) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  for (const GgufTensorInfo& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

static Status missing(std::string_view key) {
  return Status::Error(StatusCode::InvalidModel,
                       "required metadata key '" + std::string(key) + "' is missing");
}

static Status wrong_type(std::string_view key, const GgufValue& v, const char* expected) {
  return Status::Error(StatusCode::InvalidModel, "metadata key '" + std::string(key) + "' is " +
                                                     gguf_type_name(v.type) + ", expected " +
                                                     expected);
}

Status GgufFile::get_string(std::string_view key, std::string* out, const char* fallback) const {
  const GgufValue* v = find(key);
  if (!v) {
    if (!fallback) return missing(key);
    *out = fallback;
    return Status::Ok();
  }
  if (v->type != GgufType::STRING) return wrong_type(key, *v, "a string");
  *out = std::string(v->str);
  return Status::Ok();
}

Status GgufFile::get_int(std::string_view key, int64_t min, int64_t max, int64_t* out,
                         const int64_t* fallback) const {
  const GgufValue* v = find(key);
  if (!v) {
    if (!fallback) return missing(key);
    *out = *fallback;
    return Status::Ok();
  }
  if (!v->is_integer()) return wrong_type(key, *v, "an integer");
  if (v->i < min || v->i > max) {
    return Status::Error(StatusCode::InvalidModel,
                         "metadata key '" + std::string(key) + "' = " + std::to_string(v->i) +
                             " is out of range [" + std::to_string(min) + ", " +
                             std::to_string(max) + "]");
  }
  *out = v->i;
  return Status::Ok();
}

Status GgufFile::get_float(std::string_view key, double* out, const double* fallback) const {
  const GgufValue* v = find(key);
  if (!v) {
    if (!fallback) return missing(key);
    *out = *fallback;
    return Status::Ok();
  }
  if (v->is_float()) {
    *out = v->f;
  } else if (v->is_integer()) {
    *out = static_cast<double>(v->i);
  } else {
    return wrong_type(key, *v, "a number");
  }
  return Status::Ok();
}

Status GgufFile::get_bool(std::string_view key, bool* out, const bool* fallback) const {
  const GgufValue* v = find(key);
  if (!v) {
    if (!fallback) return missing(key);
    *out = *fallback;
    return Status::Ok();
  }
  if (v->type != GgufType::BOOL) return wrong_type(key, *v, "a bool");
  *out = v->i != 0;
  return Status::Ok();
}

}  // namespace arb
