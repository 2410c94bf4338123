// Launcher of the decode matrix-vector kernels (matvec.cuh): 8 activation rows per launch.
#include <string>

#include "matvec.cuh"
#include "matvec2.cuh"

namespace arb::cuda {

namespace {

constexpr int kRows = 4;       // weight rows per block (even: pair epilogues)
constexpr int kThreads = 128;

template <GgmlType T, int NV>
Status launch_one(const MvParams& p, const LaunchCtx& ctx) {
  const dim3 grid(static_cast<unsigned>(ceil_div(p.w.rows, kRows)));
  if constexpr (T == GgmlType::F32 || T == GgmlType::F16 || T == GgmlType::BF16) {
    return launch_kernel("matvec_f_kernel", matvec_f_kernel<T, NV, kRows, kThreads>, grid,
                         dim3(kThreads), 0, ctx, p);
  } else {
    return launch_kernel("matvec_q_kernel", matvec_q_kernel<T, NV, kRows, kThreads>, grid,
                         dim3(kThreads), 0, ctx, p);
  }
}

template <GgmlType T>
Status launch_nv(const MvParams& p, const LaunchCtx& ctx) {
  if (p.nvec <= 1) return launch_one<T, 1>(p, ctx);
  if (p.nvec <= 2) return launch_one<T, 2>(p, ctx);
  if (p.nvec <= 4) return launch_one<T, 4>(p, ctx);
  return launch_one<T, 8>(p, ctx);
}

}  // namespace

ActQuant act_quant_for(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0: return ActQuant::Block32;
    case GgmlType::Q4_K:
    case GgmlType::Q6_K: return ActQuant::Super256;
    default: return ActQuant::None;
  }
}

unsigned act_form_for_decode(GgmlType t) {
  switch (act_quant_for(t)) {
    case ActQuant::Block32: return kQ32;
    case ActQuant::Super256: return kQ256;
    default: return kF32;
  }
}

unsigned act_form_for_prefill(GgmlType t) {
  const unsigned f = act_form_for_decode(t);
  return f == kF32 ? kF16 : f;
}

// Version 1 for down and for Q8_0 wo, where it measured faster on the H200 at 1-4 vectors
// (inference/BENCHMARKS.md, CUDA run 2); version 2 everywhere else it applies, where it is as
// fast at 1 vector and 10-35% faster at 2 and 4.
MatvecImpl tuned_matvec_impl(MatvecSite site, GgmlType t) {
  if (site == MatvecSite::Down) return MatvecImpl::V1;
  if (site == MatvecSite::Wo && t == GgmlType::Q8_0) return MatvecImpl::V1;
  return MatvecImpl::Auto;
}

Status launch_matvec(const MatvecArgs& args, const LaunchCtx& ctx) {
  const DevMatrix& w = args.w;
  if (args.a == nullptr) return Status::Error(StatusCode::Internal, "matvec: no activation site");
  const ActBuf& a = *args.a;
  const ActQuant aq = act_quant_for(w.type);
  const Q8Act& q8 = aq == ActQuant::Super256 ? a.q256 : a.q32;
  const bool v2 = args.impl != MatvecImpl::V1 && matvec2_supports(w.type, w.cols);
  const bool input_ok = aq == ActQuant::None ? a.f32 != nullptr : q8.q != nullptr;
  if (w.cols != a.k || !input_ok ||
      ((args.epi == Epilogue::SwiGlu || args.epi == Epilogue::RopeKv) && (w.rows % 2 != 0 || args.row_offset % 2 != 0))) {
    return Status::Error(StatusCode::Internal,
                         "matvec: activation buffer does not match the weights (" +
                             std::to_string(w.cols) + " columns, " + ggml_type_name(w.type) + ")");
  }
  if (args.impl == MatvecImpl::V2 && !v2) {
    return Status::Error(StatusCode::Internal, std::string("matvec: version 2 does not run ") +
                                                   ggml_type_name(w.type) + " with " + std::to_string(w.cols) + " columns");
  }
  if (v2) return launch_matvec2(args, ctx);
  for (int v0 = 0; v0 < args.nvec; v0 += 8) {
    MvParams p;
    p.w = w;
    p.nvec = args.nvec - v0 < 8 ? args.nvec - v0 : 8;
    p.aq = q8.q ? q8.q + v0 * a.ld : nullptr;
    p.ad = q8.d ? q8.d + v0 * (a.ld / 32) : nullptr;
    p.as = q8.s ? q8.s + v0 * (a.ld / 32) : nullptr;
    p.af = a.f32 ? a.f32 + v0 * a.ld : nullptr;
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
      case GgmlType::F32: st = launch_nv<GgmlType::F32>(p, ctx); break;
      case GgmlType::F16: st = launch_nv<GgmlType::F16>(p, ctx); break;
      case GgmlType::BF16: st = launch_nv<GgmlType::BF16>(p, ctx); break;
      case GgmlType::Q8_0: st = launch_nv<GgmlType::Q8_0>(p, ctx); break;
      case GgmlType::Q4_0: st = launch_nv<GgmlType::Q4_0>(p, ctx); break;
      case GgmlType::Q5_0: st = launch_nv<GgmlType::Q5_0>(p, ctx); break;
      case GgmlType::Q4_K: st = launch_nv<GgmlType::Q4_K>(p, ctx); break;
      case GgmlType::Q6_K: st = launch_nv<GgmlType::Q6_K>(p, ctx); break;
      default:
        return Status::Error(StatusCode::Unsupported,
                             std::string("no CUDA matvec for ") + ggml_type_name(w.type));
    }
    ARB_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

}  // namespace arb::cuda
