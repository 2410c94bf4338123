// Launcher of the version-2 decode matrix-vector kernels (matvec2.cuh): the configuration per
// weight type and vector count, vectors in launches of up to 8, the device facts the grid needs.
#include <cstdlib>
#include <mutex>
#include <string>

#include "matvec2.cuh"

namespace arb::cuda {

namespace {

struct DeviceFacts {
  int sms = 0;
  int64_t smem_optin = 0;
};

DeviceFacts device_facts() {
  static std::mutex mu;
  static DeviceFacts facts[64];
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) {
    cudaGetLastError();
    return DeviceFacts{1, 48 * 1024};
  }
  std::lock_guard<std::mutex> lock(mu);
  DeviceFacts& f = facts[dev];
  if (f.sms == 0) {
    int sms = 0, optin = 0;
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess) {
      cudaGetLastError();
      return DeviceFacts{1, 48 * 1024};
    }
    f.sms = sms > 0 ? sms : 1;
    f.smem_optin = optin > 48 * 1024 ? optin : 48 * 1024;
  }
  return f;
}

int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  const int x = std::atoi(v);
  return x < lo || x > hi ? fallback : x;
}

// The block shape the backend uses (ARBITER_CUDA_MV2_WARPS / ARBITER_CUDA_MV2_BPS override it for
// experiments; every shape gives the same bits).
Mv2Shape default_shape() {
  static const Mv2Shape shape = [] {
    Mv2Shape s;
    s.warps = env_int("ARBITER_CUDA_MV2_WARPS", 8, 1, kMv2MaxThreads / 32);
    s.blocks_per_sm = env_int("ARBITER_CUDA_MV2_BPS", 2, 1, 16);
    return s;
  }();
  return shape;
}

// Rows per warp (2) and units per row and batch for each vector count: the batch's weights
// (2 U units) and the 2 NV sums fit the 80 registers of __launch_bounds__(256, 3) without
// spilling (ptxas -v); Q8_0 units are twice as large, Q5_0's carry 4 more bytes.
template <GgmlType T, int NV>
constexpr int default_units() {
  if constexpr (T == GgmlType::Q8_0) return NV <= 2 ? 2 : 1;
  if constexpr (T == GgmlType::Q5_0) return NV <= 1 ? 4 : 2;
  return NV <= 2 ? 4 : 2;
}
constexpr int kDefaultRows = 2;

template <GgmlType T>
Status launch_nv(const Mv2Params& p, int nv, const Mv2Shape& shape, const LaunchCtx& ctx) {
  switch (nv) {
    case 1: return launch_matvec2_kernel<T, 1, kDefaultRows, default_units<T, 1>()>(p, shape, ctx);
    case 2: return launch_matvec2_kernel<T, 2, kDefaultRows, default_units<T, 2>()>(p, shape, ctx);
    case 4: return launch_matvec2_kernel<T, 4, kDefaultRows, default_units<T, 4>()>(p, shape, ctx);
    default: return launch_matvec2_kernel<T, 8, kDefaultRows, default_units<T, 8>()>(p, shape, ctx);
  }
}

template <GgmlType T>
Status prepare_type() {
  ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, kDefaultRows, default_units<T, 1>()>()));
  ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, kDefaultRows, default_units<T, 2>()>()));
  ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 4, kDefaultRows, default_units<T, 4>()>()));
  return mv2_prepare_kernel<T, 8, kDefaultRows, default_units<T, 8>()>();
}

}  // namespace

int mv2_device_sms() { return device_facts().sms; }
int64_t mv2_device_smem_optin() { return device_facts().smem_optin; }

bool matvec2_supports(GgmlType t, int64_t cols) {
  if (t != GgmlType::Q4_0 && t != GgmlType::Q5_0 && t != GgmlType::Q8_0) return false;
  return cols > 0 && cols % 32 == 0 && static_cast<int64_t>(mv2_smem_bytes(cols, 1)) <= mv2_dynamic_smem_limit();
}

Status prepare_matvec2() {
  ARB_RETURN_IF_ERROR(prepare_type<GgmlType::Q4_0>());
  ARB_RETURN_IF_ERROR(prepare_type<GgmlType::Q5_0>());
  return prepare_type<GgmlType::Q8_0>();
}

// Version 2 of launch_matvec (arguments already checked there): vectors in launches of up to 8
// (fewer when a block's shared memory would not hold 8 vectors of this width).
Status launch_matvec2(const MatvecArgs& args, const LaunchCtx& ctx) {
  const DevMatrix& w = args.w;
  const ActBuf& a = *args.a;
  int max_nv = 8;
  while (max_nv > 1 && static_cast<int64_t>(mv2_smem_bytes(w.cols, max_nv)) > mv2_dynamic_smem_limit()) max_nv /= 2;
  const Mv2Shape shape = default_shape();
  for (int v0 = 0; v0 < args.nvec; v0 += max_nv) {
    const int n = args.nvec - v0 < max_nv ? args.nvec - v0 : max_nv;
    const int nv = n <= 1 ? 1 : (n <= 2 ? 2 : (n <= 4 ? 4 : 8));
    Mv2Params p{};
    p.w = w;
    p.nvec = n;
    p.input = static_cast<int>(args.input);
    p.aq = a.q32.q ? a.q32.q + v0 * a.ld : nullptr;
    p.ad = a.q32.d ? a.q32.d + v0 * (a.ld / 32) : nullptr;
    p.as = a.q32.s ? a.q32.s + v0 * (a.ld / 32) : nullptr;
    p.a_ld = a.ld;
    p.x = args.x ? args.x + v0 * args.x_ld : nullptr;
    p.x_ld = args.x_ld;
    p.norm_w = args.norm_w;
    p.eps = args.eps;
    p.epi = static_cast<int>(args.epi);
    p.y = args.y ? args.y + v0 * args.y_ld : nullptr;
    p.y_ld = args.y_ld;
    p.row_offset = args.row_offset;
    p.rk = args.rk;
    if (args.epi == Epilogue::RopeKv) {
      p.rk.pos = args.rk.pos + v0;
      p.rk.slot = args.rk.slot + v0;
      p.rk.q = args.rk.q + v0 * args.rk.q_ld;
    }
    Status st;
    switch (w.type) {
      case GgmlType::Q4_0: st = launch_nv<GgmlType::Q4_0>(p, nv, shape, ctx); break;
      case GgmlType::Q5_0: st = launch_nv<GgmlType::Q5_0>(p, nv, shape, ctx); break;
      case GgmlType::Q8_0: st = launch_nv<GgmlType::Q8_0>(p, nv, shape, ctx); break;
      default:
        return Status::Error(StatusCode::Internal, std::string("matvec2: no kernel for ") + ggml_type_name(w.type));
    }
    ARB_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

}  // namespace arb::cuda
