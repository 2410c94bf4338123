// Launcher of the version-2 decode matrix-vector kernels (matvec2.cuh): the configuration per
// weight type, vector count, matrix height and site, vectors in launches of up to 8, the device
// facts the grid needs.
#include <mutex>
#include <string>

#include "matvec2.cuh"

namespace arb::cuda {

namespace {

struct DeviceFacts {
  int sms = 0;
  int64_t smem_per_sm = 0;
};

DeviceFacts device_facts() {
  static std::mutex mu;
  static DeviceFacts facts[64];
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) {
    cudaGetLastError();
    return DeviceFacts{1, kMv2DefaultSmemLimit};
  }
  std::lock_guard<std::mutex> lock(mu);
  DeviceFacts& f = facts[dev];
  if (f.sms == 0) {
    int sms = 0, per_sm = 0;
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxSharedMemoryPerMultiprocessor, dev) != cudaSuccess) {
      cudaGetLastError();
      return DeviceFacts{1, kMv2DefaultSmemLimit};
    }
    f.sms = sms > 0 ? sms : 1;
    f.smem_per_sm = per_sm > kMv2DefaultSmemLimit ? per_sm : kMv2DefaultSmemLimit;
  }
  return f;
}

// One launch of configuration (R, U, MB): blocks of 8 warps, the grid sized for 4 resident
// blocks per multiprocessor with the 64-register kernels (MB = 4), else 3.
template <GgmlType T, int NV, int R, int U, int MB = kMv2MinBlocks>
Status launch_cfg(const Mv2Params& p, const LaunchCtx& ctx) {
  Mv2Shape shape;
  shape.warps = kMv2Warps;
  shape.blocks_per_sm = MB >= 4 ? 4 : kMv2MinBlocks;
  return launch_matvec2_kernel<T, NV, R, U, MB>(p, shape, ctx);
}

// Configuration per weight type, launch width NV and site: rows per warp R, units per row and
// batch U, and the register budget MB (__launch_bounds__(256, MB)). Every configuration gives the
// same bits; these measured fastest on the H200 (inference/BENCHMARKS.md, CUDA runs 2-3). The
// launch shape matters most (24 resident warps per multiprocessor instead of 16: 25-30% faster),
// then R = 4 on "tall" matrices, where R = 2 would give the resident warps more than one group
// each (q|k|v, gate|up, output of a 7B model), R = 2 on the others (wo, down). At 1 and 2 vectors
// the 64-register kernels (32 resident warps) are faster for gate/up and the output projection
// (Q4_0 and Q8_0) and slower for q|k|v, wo and down. Q5_0 was not measured and keeps one
// configuration.
template <GgmlType T, int NV>
Status launch_tuned(const Mv2Params& p, bool tall, MatvecSite site, const LaunchCtx& ctx) {
  const bool gate_or_out = site == MatvecSite::GateUp || site == MatvecSite::Output;
  if constexpr (T == GgmlType::Q4_0) {
    if constexpr (NV <= 2) {
      if (gate_or_out) {
        return site == MatvecSite::GateUp ? launch_cfg<T, NV, 2, 2, 4>(p, ctx) : launch_cfg<T, NV, 4, 1, 4>(p, ctx);
      }
      return tall ? launch_cfg<T, NV, 4, 2>(p, ctx) : launch_cfg<T, NV, 2, 4>(p, ctx);
    } else if constexpr (NV == 4) {
      return tall ? launch_cfg<T, 4, 4, 1>(p, ctx) : launch_cfg<T, 4, 2, 1>(p, ctx);
    } else {
      return launch_cfg<T, 8, 2, 2>(p, ctx);
    }
  } else if constexpr (T == GgmlType::Q8_0) {
    if constexpr (NV == 1) {
      if (gate_or_out) return launch_cfg<T, 1, 2, 2, 4>(p, ctx);
      return launch_cfg<T, 1, 2, 2>(p, ctx);
    } else if constexpr (NV == 2) {
      if (gate_or_out) return launch_cfg<T, 2, 2, 1, 4>(p, ctx);
      return tall ? launch_cfg<T, 2, 4, 1>(p, ctx) : launch_cfg<T, 2, 2, 2>(p, ctx);
    } else if constexpr (NV == 4) {
      return tall ? launch_cfg<T, 4, 2, 2>(p, ctx) : launch_cfg<T, 4, 2, 1>(p, ctx);
    } else {
      return launch_cfg<T, 8, 2, 1>(p, ctx);
    }
  } else {
    return launch_cfg<T, NV, 2, (NV == 1 ? 4 : 2)>(p, ctx);
  }
}

template <GgmlType T>
Status launch_nv(const Mv2Params& p, int nv, bool tall, MatvecSite site, const LaunchCtx& ctx) {
  switch (nv) {
    case 1: return launch_tuned<T, 1>(p, tall, site, ctx);
    case 2: return launch_tuned<T, 2>(p, tall, site, ctx);
    case 4: return launch_tuned<T, 4>(p, tall, site, ctx);
    default: return launch_tuned<T, 8>(p, tall, site, ctx);
  }
}

}  // namespace

int mv2_device_sms() { return device_facts().sms; }
int64_t mv2_device_smem_per_sm() { return device_facts().smem_per_sm; }

bool matvec2_supports(GgmlType t, int64_t cols) {
  if (t != GgmlType::Q4_0 && t != GgmlType::Q5_0 && t != GgmlType::Q8_0) return false;
  return cols > 0 && cols % 32 == 0 && mv2_max_launch_width(cols) >= 1;
}

// Version 2 of launch_matvec (arguments already checked there): vectors in launches of up to 8
// (fewer when a block's shared memory would not hold 8 vectors of this width).
Status launch_matvec2(const MatvecArgs& args, const LaunchCtx& ctx) {
  const DevMatrix& w = args.w;
  const ActBuf& a = *args.a;
  const int max_nv = mv2_max_launch_width(w.cols);
  if (max_nv < 1) return Status::Error(StatusCode::Internal, "matvec2: rows too wide for shared memory");
  // Row pairs beyond one per resident warp: rows per warp 4 (see launch_tuned).
  const bool tall = w.rows / 2 > static_cast<int64_t>(mv2_device_sms()) * kMv2MinBlocks * kMv2Warps;
  for (int v0 = 0; v0 < args.nvec; v0 += max_nv) {
    const int n = args.nvec - v0 < max_nv ? args.nvec - v0 : max_nv;
    const int nv = n <= 1 ? 1 : (n <= 2 ? 2 : (n <= 4 ? 4 : 8));
    Mv2Params p{};
    p.w = w;
    p.nvec = n;
    p.aq = a.q32.q ? a.q32.q + v0 * a.ld : nullptr;
    p.ad = a.q32.d ? a.q32.d + v0 * (a.ld / 32) : nullptr;
    p.as = a.q32.s ? a.q32.s + v0 * (a.ld / 32) : nullptr;
    p.a_ld = a.ld;
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
      case GgmlType::Q4_0: st = launch_nv<GgmlType::Q4_0>(p, nv, tall, args.site, ctx); break;
      case GgmlType::Q5_0: st = launch_nv<GgmlType::Q5_0>(p, nv, tall, args.site, ctx); break;
      case GgmlType::Q8_0: st = launch_nv<GgmlType::Q8_0>(p, nv, tall, args.site, ctx); break;
      default:
        return Status::Error(StatusCode::Internal, std::string("matvec2: no kernel for ") + ggml_type_name(w.type));
    }
    ARB_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

}  // namespace arb::cuda
