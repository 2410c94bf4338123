// Launcher of the version-2 decode matrix-vector kernels (matvec2.cuh): the configuration per
// weight type, vector count and matrix height, vectors in launches of up to 8, the device facts
// the grid needs.
#include <mutex>
#include <string>

#include "matvec2.cuh"

namespace arb::cuda {

namespace {

struct DeviceFacts {
  int sms = 0;
  int64_t smem_optin = 0;
  int64_t smem_per_sm = 0;
};

DeviceFacts device_facts() {
  static std::mutex mu;
  static DeviceFacts facts[64];
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) {
    cudaGetLastError();
    return DeviceFacts{1, 48 * 1024, 48 * 1024};
  }
  std::lock_guard<std::mutex> lock(mu);
  DeviceFacts& f = facts[dev];
  if (f.sms == 0) {
    int sms = 0, optin = 0, per_sm = 0;
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxSharedMemoryPerMultiprocessor, dev) != cudaSuccess) {
      cudaGetLastError();
      return DeviceFacts{1, 48 * 1024, 48 * 1024};
    }
    f.sms = sms > 0 ? sms : 1;
    f.smem_optin = optin > 48 * 1024 ? optin : 48 * 1024;
    f.smem_per_sm = per_sm > f.smem_optin ? per_sm : f.smem_optin;
  }
  return f;
}

// Configuration per weight type and launch width NV: rows per warp R, units per row and batch U,
// and the register budget MB (__launch_bounds__(256, MB)). Measured in GPU run 2 (H200; each
// kernel as 20 launches in a graph with PDL; inference/BENCHMARKS.md): the launch shape matters
// most (24 resident warps per multiprocessor instead of 16: 25-30% faster), then R = 4 on "tall"
// matrices, where R = 2 would give the resident warps more than one group each (q|k|v,
// gate|up, output of a 7B model), R = 2 on the others (wo, down: 2048 row pairs). Every
// configuration gives the same bits. Q5_0 was not measured: its run-1 configuration stays.
// opts.occupancy4: the 64-register kernels (MB = 4, 32 resident warps) for 1 and 2 vectors of
// Q4_0 and Q8_0, in the configurations that do not spill at that cap (ptxas -v); the others as
// by default. An experiment: selectable (ARBITER_CUDA_MV2_OCC=4), not the default.
template <GgmlType T, int NV>
Status launch_tuned(const Mv2Params& p, bool tall, bool occ4, const Mv2Shape& shape, const LaunchCtx& ctx) {
  if constexpr (T == GgmlType::Q4_0) {
    if constexpr (NV <= 2) {
      if (occ4) {
        return tall ? launch_matvec2_kernel<T, NV, 4, 1, 4>(p, shape, ctx) : launch_matvec2_kernel<T, NV, 2, 2, 4>(p, shape, ctx);
      }
      return tall ? launch_matvec2_kernel<T, NV, 4, 2>(p, shape, ctx) : launch_matvec2_kernel<T, NV, 2, 4>(p, shape, ctx);
    } else if constexpr (NV == 4) {
      return tall ? launch_matvec2_kernel<T, 4, 4, 1>(p, shape, ctx) : launch_matvec2_kernel<T, 4, 2, 1>(p, shape, ctx);
    } else {
      return launch_matvec2_kernel<T, 8, 2, 2>(p, shape, ctx);
    }
  } else if constexpr (T == GgmlType::Q8_0) {
    if constexpr (NV == 1) {
      if (occ4) {
        return tall ? launch_matvec2_kernel<T, 1, 4, 1, 4>(p, shape, ctx) : launch_matvec2_kernel<T, 1, 2, 2, 4>(p, shape, ctx);
      }
      return launch_matvec2_kernel<T, 1, 2, 2>(p, shape, ctx);
    } else if constexpr (NV == 2) {
      if (occ4) return launch_matvec2_kernel<T, 2, 2, 1, 4>(p, shape, ctx);
      return tall ? launch_matvec2_kernel<T, 2, 4, 1>(p, shape, ctx) : launch_matvec2_kernel<T, 2, 2, 2>(p, shape, ctx);
    } else if constexpr (NV == 4) {
      return tall ? launch_matvec2_kernel<T, 4, 2, 2>(p, shape, ctx) : launch_matvec2_kernel<T, 4, 2, 1>(p, shape, ctx);
    } else {
      return launch_matvec2_kernel<T, 8, 2, 1>(p, shape, ctx);
    }
  } else {
    return launch_matvec2_kernel<T, NV, 2, (NV == 1 ? 4 : 2)>(p, shape, ctx);
  }
}

template <GgmlType T>
Status launch_nv(const Mv2Params& p, int nv, bool tall, bool occ4, const Mv2Shape& shape, const LaunchCtx& ctx) {
  switch (nv) {
    case 1: return launch_tuned<T, 1>(p, tall, occ4, shape, ctx);
    case 2: return launch_tuned<T, 2>(p, tall, occ4, shape, ctx);
    case 4: return launch_tuned<T, 4>(p, tall, occ4, shape, ctx);
    default: return launch_tuned<T, 8>(p, tall, occ4, shape, ctx);
  }
}

// Raises the shared-memory limit of every configuration launch_tuned may pick.
template <GgmlType T>
Status prepare_type() {
  if constexpr (T == GgmlType::Q4_0) {
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, 4, 1, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, 2, 2, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, 4, 1, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, 2, 2, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, 4, 2>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, 2, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, 4, 2>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, 2, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 4, 4, 1>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 4, 2, 1>()));
    return mv2_prepare_kernel<T, 8, 2, 2>();
  } else if constexpr (T == GgmlType::Q8_0) {
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, 4, 1, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, 2, 2, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, 2, 1, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, 2, 2>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, 4, 1>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, 2, 2>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 4, 2, 2>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 4, 2, 1>()));
    return mv2_prepare_kernel<T, 8, 2, 1>();
  } else {
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 1, 2, 4>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 2, 2, 2>()));
    ARB_RETURN_IF_ERROR((mv2_prepare_kernel<T, 4, 2, 2>()));
    return mv2_prepare_kernel<T, 8, 2, 2>();
  }
}

}  // namespace

int mv2_device_sms() { return device_facts().sms; }
int64_t mv2_device_smem_optin() { return device_facts().smem_optin; }
int64_t mv2_device_smem_per_sm() { return device_facts().smem_per_sm; }

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
  const Mv2Options& o = args.mv2;
  Mv2Shape shape;
  shape.warps = o.warps > 0 ? o.warps : 8;
  shape.blocks_per_sm = o.blocks_per_sm > 0 ? o.blocks_per_sm : (o.occupancy4 ? 4 : kMv2MinBlocks);
  // Row pairs beyond one per resident warp: rows per warp 4 (see launch_tuned).
  const bool tall = w.rows / 2 > static_cast<int64_t>(mv2_device_sms()) * shape.blocks_per_sm * shape.warps;
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
      case GgmlType::Q4_0: st = launch_nv<GgmlType::Q4_0>(p, nv, tall, o.occupancy4, shape, ctx); break;
      case GgmlType::Q5_0: st = launch_nv<GgmlType::Q5_0>(p, nv, tall, o.occupancy4, shape, ctx); break;
      case GgmlType::Q8_0: st = launch_nv<GgmlType::Q8_0>(p, nv, tall, o.occupancy4, shape, ctx); break;
      default:
        return Status::Error(StatusCode::Internal, std::string("matvec2: no kernel for ") + ggml_type_name(w.type));
    }
    ARB_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

}  // namespace arb::cuda
