// Sampler; see sampler.h. Candidates are ordered by logit, then by id, so every step is
// deterministic whatever std::sort's implementation does with equal keys.
#include "sampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace arb {

uint64_t Rng::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

Sampler::Sampler(const SamplingParams& params, int n_vocab)
    : params_(params), n_vocab_(n_vocab), rng_(params.seed) {}

namespace {

bool is_allowed(const uint64_t* allowed, int32_t id) { return !allowed || ((allowed[id >> 6] >> (id & 63)) & 1); }

}  // namespace

// The first largest logit, as the masked loop in sample() finds it, kept in kLanes running
// maxima that the compiler turns into vector compares and selects: a branch per logit made
// this pass over the vocabulary 3-4x longer.
int32_t first_argmax(const float* l, int32_t n) {
  constexpr int kLanes = 16;
  if (std::isnan(l[0]) || n < kLanes) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++) best = l[i] > l[best] ? i : best;
    return best;
  }
  float top[kLanes];
  int32_t at[kLanes];
  for (int k = 0; k < kLanes; k++) {
    top[k] = l[0];
    at[k] = 0;
  }
  int32_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; k++) {
      const bool more = l[i + k] > top[k];
      top[k] = more ? l[i + k] : top[k];
      at[k] = more ? i + k : at[k];
    }
  }
  // Each lane holds its first maximum; the lowest id among the lanes with the largest wins.
  int32_t best = 0;
  for (int k = 0; k < kLanes; k++) {
    if (top[k] > l[best] || (top[k] == l[best] && at[k] < best)) best = at[k];
  }
  for (; i < n; i++) best = l[i] > l[best] ? i : best;
  return best;
}

namespace {

// Keys that order as (logit, then lower id) do; +0 and -0 are equal logits, as for first_argmax.
uint64_t argmax_key(float v, int32_t id) {
  v += 0.0f;  // -0 becomes +0
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const uint32_t ordered = (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
  return static_cast<uint64_t>(ordered) << 32 | (0xffffffffu - static_cast<uint32_t>(id));
}

}  // namespace

// The piece's largest value first (running maxima in lanes, which vectorize; a NaN is never
// taken), then, only if that can beat the best so far, its first position: most pieces of a row
// stop after the first pass.
void ArgmaxOfPieces::add(const float* row, int32_t begin, int32_t end) {
  constexpr int kLanes = 16;
  float lanes[kLanes];
  for (float& m : lanes) m = -INFINITY;
  int32_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    for (int k = 0; k < kLanes; k++) lanes[k] = row[i + k] > lanes[k] ? row[i + k] : lanes[k];
  }
  float top = -INFINITY;
  for (; i < end; i++) top = row[i] > top ? row[i] : top;
  for (const float m : lanes) top = m > top ? m : top;
  uint64_t seen = key_.load(std::memory_order_relaxed);
  if (argmax_key(top, begin) <= seen) return;  // no value here beats the best so far
  int32_t at = begin;
  while (at < end && !(row[at] == top)) at++;
  if (at == end) return;  // only NaNs
  const uint64_t key = argmax_key(top, at);
  while (seen < key && !key_.compare_exchange_weak(seen, key, std::memory_order_relaxed)) {
  }
}

int32_t ArgmaxOfPieces::result(const float* row) const {
  const uint64_t key = key_.load(std::memory_order_relaxed);
  if (std::isnan(row[0]) || key == 0) return 0;
  return static_cast<int32_t>(0xffffffffu - static_cast<uint32_t>(key));
}

int32_t Sampler::sample(const float* logits, const std::vector<int32_t>& recent, const uint64_t* allowed) {
  const float* l = logits;
  if (params_.repetition_penalty != 1.0f && !recent.empty()) {
    penalised_.assign(logits, logits + n_vocab_);
    const size_t window = static_cast<size_t>(std::max(0, params_.repetition_window));
    const size_t start = recent.size() > window ? recent.size() - window : 0;
    std::vector<bool> seen(static_cast<size_t>(n_vocab_), false);
    for (size_t i = start; i < recent.size(); i++) {
      const int32_t id = recent[i];
      if (id < 0 || id >= n_vocab_ || seen[static_cast<size_t>(id)]) continue;
      seen[static_cast<size_t>(id)] = true;
      float& v = penalised_[static_cast<size_t>(id)];
      v = v > 0.0f ? v / params_.repetition_penalty : v * params_.repetition_penalty;
    }
    l = penalised_.data();
  }

  if (params_.temperature <= 0.0f && !allowed) return first_argmax(l, n_vocab_);
  if (params_.temperature <= 0.0f) {
    int32_t best = -1;
    for (int32_t i = 0; i < n_vocab_; i++) {
      if (!is_allowed(allowed, i)) continue;
      if (best < 0 || l[i] > l[best]) best = i;  // strict: the lowest id wins ties; NaN never wins
    }
    return std::max(best, 0);
  }

  candidates_.clear();
  for (int32_t i = 0; i < n_vocab_; i++) {
    if (is_allowed(allowed, i)) candidates_.push_back({i, std::isnan(l[i]) ? -INFINITY : l[i]});
  }
  if (candidates_.empty()) return 0;
  auto order = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  size_t n = candidates_.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n) {
    n = static_cast<size_t>(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(n), candidates_.end(), order);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), order);
  }

  if (candidates_[0].logit == -INFINITY) return candidates_[0].id;  // nothing is possible

  // Softmax with temperature over the kept candidates, in double for a stable top-p cut.
  std::vector<double> p(n);
  const double max = candidates_[0].logit;
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) {
    p[i] = std::exp((candidates_[i].logit - max) / params_.temperature);
    sum += p[i];
  }
  for (size_t i = 0; i < n; i++) p[i] /= sum;

  if (params_.top_p < 1.0f) {
    double cumulative = 0.0;
    size_t keep = n;
    for (size_t i = 0; i < n; i++) {
      cumulative += p[i];
      if (cumulative >= params_.top_p) {
        keep = i + 1;
        break;
      }
    }
    n = keep;
  }

  double total = 0.0;
  for (size_t i = 0; i < n; i++) total += p[i];
  const double r = rng_.uniform() * total;
  double acc = 0.0;
  for (size_t i = 0; i < n; i++) {
    acc += p[i];
    if (r < acc) return candidates_[i].id;
  }
  return candidates_[n - 1].id;
}

}  // namespace arb
