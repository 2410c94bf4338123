// The whole CUDA backend on small random models of every weight type (plus a mixed-type model,
// a tied-output model, an odd head size, head size 128 for decode attention version 2, and
// one-layer models of the quantized types) against the float64 forward pass: prefill, decode,
// mixed steps, short runs, prompts longer than one pass, prefix copy; the prefill and decode
// paths against each other; and a sequence's logits are the same bits alone or batched with
// others, and on a second run.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "../../backend.h"
#include "check_util.h"
#include "reference.h"

namespace arb::gputest {

struct ModelSpec {
  std::string name;
  GgmlType type = GgmlType::Q8_0;
  int n_embd = 256, n_layer = 2, n_head = 4, n_kv = 2, n_ff = 512, vocab = 300, rope_dim = 0;
  bool tied = false, mixed = false;
  bool long_prompts = false;  // also run prompts longer than one pass (slow reference)
};

struct HostModel {
  LlamaModel model;
  std::deque<std::vector<uint8_t>> storage;
};

static TensorView make_tensor(HostModel& hm, const std::string& name, GgmlType t, int64_t rows, int64_t cols, float std, Rng& rng) {
  hm.storage.push_back(random_rows(t, rows, cols, std, rng));
  TensorView v;
  v.name = name;
  v.type = t;
  v.n_dims = rows > 1 ? 2 : 1;
  v.ne[0] = cols;
  v.ne[1] = rows;
  v.data = hm.storage.back().data();
  v.n_bytes = hm.storage.back().size();
  return v;
}

static TensorView make_norm(HostModel& hm, const std::string& name, int n, Rng& rng) {
  std::vector<uint8_t> bytes(static_cast<size_t>(n) * 4);
  for (int i = 0; i < n; i++) {
    const float f = 1.0f + 0.05f * rng.normal();
    std::memcpy(bytes.data() + 4 * i, &f, 4);
  }
  hm.storage.push_back(std::move(bytes));
  TensorView v;
  v.name = name;
  v.type = GgmlType::F32;
  v.n_dims = 1;
  v.ne[0] = n;
  v.data = hm.storage.back().data();
  v.n_bytes = hm.storage.back().size();
  return v;
}

static std::unique_ptr<HostModel> build_model(const ModelSpec& s, Rng& rng) {
  auto hm = std::make_unique<HostModel>();
  LlamaConfig& c = hm->model.config;
  c.n_vocab = s.vocab;
  c.n_embd = s.n_embd;
  c.n_layer = s.n_layer;
  c.n_head = s.n_head;
  c.n_head_kv = s.n_kv;
  c.head_dim = s.n_embd / s.n_head;
  c.n_ff = s.n_ff;
  c.n_ctx_train = 4096;
  c.rms_eps = 1e-5f;
  c.rope_freq_base = 10000.0f;
  c.rope_dim = s.rope_dim ? s.rope_dim : c.head_dim - c.head_dim % 2;
  const int q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
  auto ty = [&](GgmlType mixed_type) { return s.mixed ? mixed_type : s.type; };
  LlamaWeights& w = hm->model.weights;
  const float si = 1.0f / std::sqrt(static_cast<float>(s.n_embd)), sf = 1.0f / std::sqrt(static_cast<float>(s.n_ff));
  w.tok_embd = make_tensor(*hm, "token_embd.weight", ty(GgmlType::Q4_0), s.vocab, s.n_embd, 1.0f, rng);
  w.output_norm = make_norm(*hm, "output_norm.weight", s.n_embd, rng);
  w.tied_output = s.tied;
  w.output = s.tied ? w.tok_embd : make_tensor(*hm, "output.weight", ty(GgmlType::Q6_K), s.vocab, s.n_embd, si, rng);
  for (int l = 0; l < s.n_layer; l++) {
    LayerWeights L;
    const std::string p = "blk." + std::to_string(l) + ".";
    L.attn_norm = make_norm(*hm, p + "attn_norm.weight", s.n_embd, rng);
    L.wq = make_tensor(*hm, p + "attn_q.weight", ty(GgmlType::Q4_K), q_dim, s.n_embd, si, rng);
    L.wk = make_tensor(*hm, p + "attn_k.weight", ty(GgmlType::Q4_K), kv_dim, s.n_embd, si, rng);
    L.wv = make_tensor(*hm, p + "attn_v.weight", ty(GgmlType::Q6_K), kv_dim, s.n_embd, si, rng);
    L.wo = make_tensor(*hm, p + "attn_output.weight", ty(GgmlType::Q5_0), s.n_embd, q_dim, si, rng);
    L.ffn_norm = make_norm(*hm, p + "ffn_norm.weight", s.n_embd, rng);
    L.w_gate = make_tensor(*hm, p + "ffn_gate.weight", ty(GgmlType::Q4_0), s.n_ff, s.n_embd, si, rng);
    L.w_up = make_tensor(*hm, p + "ffn_up.weight", ty(GgmlType::Q8_0), s.n_ff, s.n_embd, si, rng);
    L.w_down = make_tensor(*hm, p + "ffn_down.weight", ty(GgmlType::F16), s.n_embd, s.n_ff, sf, rng);
    w.layers.push_back(L);
  }
  return hm;
}

static std::vector<double> row_of(const std::vector<float>& logits, int64_t row, int vocab) {
  return std::vector<double>(logits.begin() + row * vocab, logits.begin() + (row + 1) * vocab);
}

struct PathErrors {
  double prefill = 0.0, decode = 0.0;
};

// The scenario: several steps mixing prefill, decode and short runs over three slots.
static void run_scenario(const ModelSpec& spec, Report& rep, Rng& rng) {
  std::unique_ptr<HostModel> hm = build_model(spec, rng);
  const LlamaConfig& c = hm->model.config;
  const int n_ctx = 600, n_slots = 3;
  BackendOptions opt;
  opt.n_ctx = n_ctx;
  opt.n_slots = n_slots;
  std::unique_ptr<Backend> be;
  TSTATUS(create_cuda_backend(hm->model, opt, &be));
  RefForward ref(hm->model, n_slots, n_ctx);
  auto toks = [&](int n) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (auto& x : t) x = static_cast<int32_t>(rng.next() % static_cast<uint64_t>(c.n_vocab));
    return t;
  };
  PathErrors err;
  const int V = c.n_vocab;

  // 1. A prefill with all logits (prefill path).
  std::vector<int32_t> A = toks(40);
  std::vector<float> lg(static_cast<size_t>(64) * V);
  TSTATUS(be->forward({StepSequence{0, 0, A.data(), 40, true}}, lg.data()));
  auto want = ref.run(0, A, 0);
  for (int t = 0; t < 40; t++) err.prefill = std::max(err.prefill, rel_l2(row_of(lg, t, V), want[static_cast<size_t>(t)]));

  // 1b. The same 40 tokens on slot 2 through the decode path, 8 at a time: prefill and decode
  //     compute the same per-unit terms (quantized; only the order of the fp32 sums differs) or
  //     fp16 vs fp32 products (float). Per token gap in path_gaps.
  std::vector<double> path_gaps;
  {
    std::vector<float> l8(static_cast<size_t>(8) * V);
    for (int t0 = 0; t0 < 40; t0 += 8) {
      TSTATUS(be->forward({StepSequence{2, t0, A.data() + t0, 8, true}}, l8.data()));
      for (int t = 0; t < 8; t++) path_gaps.push_back(rel_l2(row_of(l8, t, V), row_of(lg, t0 + t, V)));
    }
  }

  // 2. A decodes one token while B prefills 20 (mixed step).
  std::vector<int32_t> a1 = toks(1), B = toks(20);
  TSTATUS(be->forward({StepSequence{0, 40, a1.data(), 1, false}, StepSequence{1, 0, B.data(), 20, false}}, lg.data()));
  err.decode = std::max(err.decode, rel_l2(row_of(lg, 0, V), ref.run(0, a1, 40)[0]));
  err.prefill = std::max(err.prefill, rel_l2(row_of(lg, 1, V), ref.run(1, B, 0).back()));

  // 3. A and B decode together; C (slot 2) joins with a 5-token run with all logits.
  int pa = 41, pb = 20;
  for (int step = 0; step < 8; step++) {
    std::vector<int32_t> ta = toks(1), tb = toks(1), tc = toks(5);
    std::vector<StepSequence> st = {StepSequence{0, pa, ta.data(), 1, false}, StepSequence{1, pb, tb.data(), 1, false}};
    if (step == 3) st.push_back(StepSequence{2, 0, tc.data(), 5, true});
    TSTATUS(be->forward(st, lg.data()));
    err.decode = std::max(err.decode, rel_l2(row_of(lg, 0, V), ref.run(0, ta, pa)[0]));
    err.decode = std::max(err.decode, rel_l2(row_of(lg, 1, V), ref.run(1, tb, pb)[0]));
    if (step == 3) {
      const auto wc = ref.run(2, tc, 0);
      for (int t = 0; t < 5; t++) err.decode = std::max(err.decode, rel_l2(row_of(lg, 2 + t, V), wc[static_cast<size_t>(t)]));
    }
    pa++;
    pb++;
  }

  // 4. Prefix copy: C continues from A's first 30 positions.
  TSTATUS(be->copy_prefix(0, 2, 30));
  ref.copy_prefix(0, 2, 30);
  std::vector<int32_t> tc = toks(3);
  TSTATUS(be->forward({StepSequence{2, 30, tc.data(), 3, true}}, lg.data()));
  const auto wc = ref.run(2, tc, 30);
  for (int t = 0; t < 3; t++) err.decode = std::max(err.decode, rel_l2(row_of(lg, t, V), wc[static_cast<size_t>(t)]));

  // 5. Prompts longer than one pass: 530 tokens (two prefill passes) and 516 (a 4-token tail
  //    on the decode path), in one step.
  if (spec.long_prompts) {
    std::vector<int32_t> L1 = toks(530), L2 = toks(516);
    TSTATUS(be->forward({StepSequence{1, 0, L1.data(), 530, false}, StepSequence{2, 0, L2.data(), 516, false}}, lg.data()));
    err.prefill = std::max(err.prefill, rel_l2(row_of(lg, 0, V), ref.run(1, L1, 0).back()));
    err.decode = std::max(err.decode, rel_l2(row_of(lg, 1, V), ref.run(2, L2, 0).back()));
  }

  // Errors relative to the float64 forward (||cuda - ref|| / ||ref|| per logits row): the fp16
  // KV cache everywhere; for quantized weights the q8 activations, as on the CPU (the CPU path
  // moves logits by 2-4% of their maximum with them; engine-logits.int.test.ts); for float
  // weights fp16 products in prefill.
  const bool fl = spec.type == GgmlType::F32 || spec.type == GgmlType::F16 || spec.type == GgmlType::BF16;
  const double tol_decode = (fl && !spec.mixed) ? 1e-2 : 1e-1, tol_prefill = tol_decode;
  // Prefill path against decode path, per token:
  //  - float weights: fp16 products in prefill vs fp32 in decode: at most 1e-2.
  //  - quantized weights: the same q8 inputs and per-unit terms; only the order of fp32 sums
  //    differs (~1e-7 relative). But when such a difference moves an activation across a q8
  //    rounding boundary (a "flip", one quant step: ~1e-3 of the logits), every later q8
  //    quantization of that token, and of later tokens through the KV cache of the next
  //    layers, rounds differently; on a multi-layer model the paths then differ like two draws
  //    of the q8 noise itself. So: on one layer of quantized weights, where a flip cannot reach
  //    later layers or tokens, at least half the tokens must agree to 2e-5 (summation order
  //    only, measured ~3e-7); on any model the worst token must stay within 1.5x the q8 noise
  //    each path has against the float64 forward (two independent draws differ by about
  //    sqrt(2) times it). The mixed model has an F16 projection: float rules for its median.
  std::vector<double> sorted = path_gaps;
  std::sort(sorted.begin(), sorted.end());
  const double gap_max = sorted.back(), gap_median = sorted[sorted.size() / 2];
  int flips = 0;
  for (double g : path_gaps) flips += g > 1e-4 ? 1 : 0;
  const double noise = std::max(err.prefill, err.decode);
  const double tol_paths = (fl && !spec.mixed) ? 1e-2 : 1.5 * noise;
  const double tol_median = (fl || spec.mixed) ? 1e-2 : (spec.n_layer == 1 ? 2e-5 : 1.5 * noise);
  rep.add("backend vs float64 forward: " + spec.name,
          err.prefill <= tol_prefill && err.decode <= tol_decode && gap_max <= tol_paths && gap_median <= tol_median,
          "\"prefill_rel_l2\": " + fmt("%.3g", err.prefill) + ", \"decode_rel_l2\": " + fmt("%.3g", err.decode) +
              ", \"prefill_vs_decode_path_rel_l2\": " + fmt("%.3g", gap_max) + ", \"path_median\": " + fmt("%.3g", gap_median) +
              ", \"path_tokens_over_1e-4\": " + std::to_string(flips) + ", \"path_tokens\": " + std::to_string(path_gaps.size()) +
              ", \"tol_prefill\": " + fmt("%g", tol_prefill) + ", \"tol_decode\": " + fmt("%g", tol_decode) +
              ", \"tol_paths\": " + fmt("%.3g", tol_paths) + ", \"tol_path_median\": " + fmt("%.3g", tol_median));

  // 6. Batch invariance and determinism: sequence S alone on slot 0 (twice), then on slot 2
  //    while T prefills and U runs a short piece and decodes beside it.
  std::vector<int32_t> S = toks(20), T = toks(33), U = toks(5);
  std::vector<std::vector<int32_t>> dec(6);
  for (auto& d : dec) d = toks(1);
  auto run_alone = [&](int slot) {
    std::vector<float> out;
    std::vector<float> l1(static_cast<size_t>(V));
    TSTATUS(be->forward({StepSequence{slot, 0, S.data(), 20, false}}, l1.data()));
    out.insert(out.end(), l1.begin(), l1.end());
    for (int i = 0; i < 6; i++) {
      TSTATUS(be->forward({StepSequence{slot, 20 + i, dec[static_cast<size_t>(i)].data(), 1, false}}, l1.data()));
      out.insert(out.end(), l1.begin(), l1.end());
    }
    return out;
  };
  const std::vector<float> alone1 = run_alone(0), alone2 = run_alone(0);
  std::vector<float> batched;
  {
    std::vector<float> l3(static_cast<size_t>(3) * V);
    TSTATUS(be->forward({StepSequence{0, 0, T.data(), 33, false}, StepSequence{2, 0, S.data(), 20, false}, StepSequence{1, 0, U.data(), 5, false}},
                        l3.data()));
    batched.insert(batched.end(), l3.begin() + V, l3.begin() + 2 * V);
    for (int i = 0; i < 6; i++) {
      std::vector<int32_t> t1 = toks(1), u1 = toks(1);
      TSTATUS(be->forward({StepSequence{1, 5 + i, u1.data(), 1, false}, StepSequence{2, 20 + i, dec[static_cast<size_t>(i)].data(), 1, false},
                           StepSequence{0, 33 + i, t1.data(), 1, false}},
                          l3.data()));
      batched.insert(batched.end(), l3.begin() + V, l3.begin() + 2 * V);
    }
  }
  const bool deterministic = std::memcmp(alone1.data(), alone2.data(), alone1.size() * 4) == 0;
  const bool invariant = std::memcmp(alone1.data(), batched.data(), alone1.size() * 4) == 0;
  rep.add("backend batched == alone, repeatable (bitwise): " + spec.name, deterministic && invariant,
          std::string("\"repeatable\": ") + (deterministic ? "true" : "false") + ", \"batch_invariant\": " + (invariant ? "true" : "false"));
}

// The backend at the 7B widths (hidden 512 in 4 heads of 128, FFN 11008: gate/up is "tall", down
// has 11008 columns, wider than one version-2 launch holds at 4 vectors) runs decode steps of 1,
// 2, 4 and 8 rows with graphs and PDL, and gives a sequence the same bits alone and in every
// batch. Q4_0 and Q8_0, two layers.
static void run_wide(Report& rep, Rng& rng, GgmlType t) {
  ModelSpec spec;
  spec.name = std::string("wide ") + ggml_type_name(t);
  spec.type = t;
  spec.n_embd = 512;
  spec.n_head = 4;
  spec.n_kv = 4;
  spec.n_ff = 11008;
  std::unique_ptr<HostModel> hm = build_model(spec, rng);
  const int V = hm->model.config.n_vocab;
  std::vector<int32_t> tokens(8);
  for (auto& x : tokens) x = static_cast<int32_t>(rng.next() % static_cast<uint64_t>(V));
  // Row b of the step of `rows` rows in the output (steps of 1, 2, 4, 8 rows in order).
  auto row = [&](const std::vector<float>& out, int rows, int b) {
    int64_t off = 0;
    for (int r = 1; r < rows; r *= 2) off += r;
    return out.data() + (off + b) * V;
  };
  std::string detail;
  bool ok = false;
  try {
    BackendOptions opt;
    opt.n_ctx = 32;
    opt.n_slots = 8;
    std::unique_ptr<Backend> be;
    TSTATUS(create_cuda_backend(hm->model, opt, &be));
    // Each sequence one token at position 0 of its own slot, so slot b's row is the same
    // computation in every step that has it.
    std::vector<float> out, l(static_cast<size_t>(8) * V);
    for (int rows : {1, 2, 4, 8}) {
      std::vector<StepSequence> st;
      for (int b = 0; b < rows; b++) st.push_back(StepSequence{b, 0, tokens.data() + b, 1, false});
      TSTATUS(be->forward(st, l.data()));
      out.insert(out.end(), l.begin(), l.begin() + static_cast<int64_t>(rows) * V);
    }
    bool finite = true, invariant = true;
    for (float x : out) finite = finite && std::isfinite(x);
    for (int rows : {2, 4, 8}) {
      for (int b = 0; b < rows; b++) {
        const int first = b == 0 ? 1 : (b < 2 ? 2 : (b < 4 ? 4 : 8));
        invariant = invariant && std::memcmp(row(out, rows, b), row(out, first, b), static_cast<size_t>(V) * 4) == 0;
      }
    }
    ok = finite && invariant;
    detail = std::string("\"finite\": ") + (finite ? "true" : "false") + ", \"batch_invariant\": " + (invariant ? "true" : "false");
  } catch (const CudaFailure& f) {
    detail = "\"error\": " + json_string(f.what);
    cudaGetLastError();
  }
  rep.add("backend at 7B widths (FFN 11008, head 128), 1/2/4/8 rows: runs, batch-invariant: " + std::string(ggml_type_name(t)), ok,
          detail);
}

// The step contract every backend shares (step.h, backend.h; the CPU backend's side in
// engine/tests/test_step.cpp): a refused step leaves the cache as it was; copy_prefix within one
// slot is a no-op; a copied prefix continues bit for bit as the original; bad copies are refused.
static void run_contract(Report& rep, Rng& rng) {
  ModelSpec spec;
  spec.name = "contract";
  spec.type = GgmlType::Q4_0;
  std::unique_ptr<HostModel> hm = build_model(spec, rng);
  const int V = hm->model.config.n_vocab;
  BackendOptions opt;
  opt.n_ctx = 16;
  opt.n_slots = 3;
  std::unique_ptr<Backend> be;
  TSTATUS(create_cuda_backend(hm->model, opt, &be));
  const std::vector<int32_t> prompt = {1, 7, 11, 13, 19}, next = {23, 29};
  auto run = [&](int slot, int n_past, const std::vector<int32_t>& tokens) {
    std::vector<float> l(tokens.size() * static_cast<size_t>(V));
    TSTATUS(be->forward({StepSequence{slot, n_past, tokens.data(), static_cast<int>(tokens.size()), true}}, l.data()));
    return l;
  };
  auto same = [](const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
  };
  run(0, 0, prompt);
  const std::vector<float> want = run(0, 5, next);

  run(0, 0, prompt);
  const int32_t poison[2] = {3, 5};
  std::vector<float> l(static_cast<size_t>(4) * V);
  const Status refused = be->forward({StepSequence{0, 5, poison, 2, false}, StepSequence{1, 15, poison, 2, false}}, l.data());
  const bool refused_ok = refused.code == StatusCode::ContextOverflow && same(run(0, 5, next), want);

  run(0, 0, prompt);
  TSTATUS(be->copy_prefix(0, 1, 5));
  const bool copy_ok = same(run(1, 5, next), want);
  TSTATUS(be->copy_prefix(0, 0, 5));
  const bool self_ok = same(run(0, 5, next), want);
  const bool bad_ok = be->copy_prefix(0, 3, 5).code == StatusCode::InvalidArgument &&
                      be->copy_prefix(0, 1, 17).code == StatusCode::InvalidArgument &&
                      be->copy_prefix(-1, 1, 5).code == StatusCode::InvalidArgument;
  auto flag = [](bool b) { return b ? "true" : "false"; };
  rep.add("backend step contract: refused step, copy_prefix (copy, same slot, out of range)",
          refused_ok && copy_ok && self_ok && bad_ok,
          std::string("\"refused_step\": ") + flag(refused_ok) + ", \"copy\": " + flag(copy_ok) + ", \"same_slot\": " +
              flag(self_ok) + ", \"out_of_range\": " + flag(bad_ok));
}

void run_backend_tests(Report& rep, uint64_t seed, bool quick, bool skip_bad_device) {
  Rng rng(seed);
  std::vector<ModelSpec> specs;
  const std::pair<const char*, GgmlType> types[] = {{"F32", GgmlType::F32},   {"F16", GgmlType::F16},   {"BF16", GgmlType::BF16},
                                                    {"Q8_0", GgmlType::Q8_0}, {"Q4_0", GgmlType::Q4_0}, {"Q5_0", GgmlType::Q5_0},
                                                    {"Q4_K", GgmlType::Q4_K}, {"Q6_K", GgmlType::Q6_K}};
  for (const auto& [name, t] : types) {
    ModelSpec s;
    s.name = name;
    s.type = t;
    s.long_prompts = t == GgmlType::Q4_0 || t == GgmlType::F16;
    specs.push_back(s);
  }
  ModelSpec mixed;
  mixed.name = "mixed types (Q4_K/Q6_K attention, Q4_0 gate + Q8_0 up, F16 down, Q5_0 wo)";
  mixed.mixed = true;
  specs.push_back(mixed);
  ModelSpec tied;
  tied.name = "Q8_0 tied output, MQA (1 KV head), rope_dim 32";
  tied.type = GgmlType::Q8_0;
  tied.tied = true;
  tied.n_kv = 1;
  tied.rope_dim = 32;
  specs.push_back(tied);
  ModelSpec odd;
  odd.name = "F16 odd sizes (dim 90, 6 heads of 15, ffn 100)";
  odd.type = GgmlType::F16;
  odd.n_embd = 90;
  odd.n_head = 6;
  odd.n_kv = 3;
  odd.n_ff = 100;
  odd.vocab = 77;
  specs.push_back(odd);
  // Head size 128: decode attention version 2 (one and two query heads per KV head).
  ModelSpec h128;
  h128.name = "Q4_0 head size 128 (2 heads)";
  h128.type = GgmlType::Q4_0;
  h128.n_head = 2;
  h128.n_kv = 2;
  specs.push_back(h128);
  ModelSpec h128g;
  h128g.name = "Q8_0 head size 128, 4 heads on 2 KV heads (dim 512)";
  h128g.type = GgmlType::Q8_0;
  h128g.n_embd = 512;
  h128g.n_head = 4;
  h128g.n_kv = 2;
  h128g.n_ff = 768;
  specs.push_back(h128g);
  // One layer: the prefill/decode path comparison without compounding (see run_scenario).
  for (const auto& [name, t] : types) {
    if (t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16) continue;
    ModelSpec one;
    one.name = std::string(name) + ", one layer";
    one.type = t;
    one.n_layer = 1;
    specs.push_back(one);
  }
  if (quick) {  // K-quants, the unfused paths, MQA, head size 128: kernels the others do not reach
    std::vector<ModelSpec> few;
    for (const ModelSpec& s : specs) {
      if ((s.type == GgmlType::Q4_K && s.n_layer > 1) || (s.mixed && s.n_layer > 1) || s.tied || s.n_head == 2) few.push_back(s);
    }
    for (ModelSpec& s : few) s.long_prompts = false;
    specs = few;
  }
  for (const ModelSpec& s : specs) {
    try {
      run_scenario(s, rep, rng);
    } catch (const CudaFailure& f) {
      rep.add("backend: " + s.name + ": failure", false, "\"error\": " + json_string(f.what));
      cudaGetLastError();
    }
  }
  try {
    run_contract(rep, rng);
  } catch (const CudaFailure& f) {
    rep.add("backend step contract", false, "\"error\": " + json_string(f.what));
    cudaGetLastError();
  }
  run_wide(rep, rng, GgmlType::Q4_0);
  if (!quick) run_wide(rep, rng, GgmlType::Q8_0);
  // Asking for a device that does not exist is a clear error, not a crash. (Skipped under
  // compute-sanitizer, which reports the deliberate failing cudaSetDevice as an API error.)
  if (skip_bad_device) return;
  try {
    ModelSpec s;
    s.name = "bad device";
    std::unique_ptr<HostModel> hm = build_model(s, rng);
    BackendOptions opt;
    opt.cuda_device = 99;
    std::unique_ptr<Backend> be;
    const Status st = create_cuda_backend(hm->model, opt, &be);
    rep.add("create_cuda_backend(cuda_device = 99) fails cleanly", !st.ok() && st.code == StatusCode::InvalidArgument,
            "\"message\": " + json_string(st.message));
  } catch (const CudaFailure& f) {
    rep.add("create_cuda_backend(cuda_device = 99)", false, "\"error\": " + json_string(f.what));
  }
}

}  // namespace arb::gputest
