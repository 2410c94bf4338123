// Sampler: greedy is argmax with the lowest id on ties; a seed fixes the draw; top-k, top-p and
// the repetition penalty cut and reshape the distribution as documented.
#include <algorithm>
#include <cmath>
#include <random>

#include "../sampler.h"
#include "test.h"

namespace arb {
namespace {

std::vector<float> random_logits(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> l(static_cast<size_t>(n));
  for (float& v : l) v = normal(rng);
  return l;
}

TEST(sampler_greedy_takes_the_lowest_id_on_ties) {
  SamplingParams p;
  p.temperature = 0.0f;
  Sampler s(p, 6);
  const float logits[] = {1.0f, 3.0f, -2.0f, 3.0f, NAN, 0.0f};
  CHECK_EQ(s.sample(logits, {}), 1);
}

// Greedy without a mask takes a vectorized pass (first_argmax); with an all-ones mask, the plain
// loop. Both must pick the same id on vocabulary-sized logits with repeated maxima, NaNs and
// infinities anywhere, including at id 0 and in the tail past the last full run of lanes.
TEST(sampler_greedy_fast_path_matches_the_masked_loop) {
  SamplingParams p;
  p.temperature = 0.0f;
  std::mt19937 rng(9);
  for (const int n : {1, 5, 16, 17, 1000, 32000, 32003}) {
    const std::vector<uint64_t> all((static_cast<size_t>(n) + 63) / 64, ~uint64_t{0});
    Sampler s(p, n);
    for (int trial = 0; trial < 40; trial++) {
      std::vector<float> l = random_logits(n, static_cast<uint32_t>(trial * 7 + n));
      const float top = 9.0f + static_cast<float>(trial % 3);
      for (int k = 0; k < trial % 4; k++) l[rng() % static_cast<uint32_t>(n)] = top;  // ties
      if (trial % 5 == 1) l[rng() % static_cast<uint32_t>(n)] = NAN;
      if (trial % 7 == 2) l[0] = NAN;
      if (trial % 9 == 3) l[static_cast<size_t>(n) - 1] = INFINITY;
      if (trial % 11 == 4) std::fill(l.begin(), l.end(), -INFINITY);
      CHECK_EQ(s.sample(l.data(), {}), s.sample(l.data(), {}, all.data()));
    }
  }
}

// A row's pick from its pieces (any sizes, folded in any order) is first_argmax of the whole row,
// with the same ties, NaNs, infinities and signed zeros as above.
TEST(sampler_argmax_of_pieces_matches_first_argmax) {
  std::mt19937 rng(11);
  for (const int n : {1, 17, 1000, 32000}) {
    for (int trial = 0; trial < 40; trial++) {
      std::vector<float> l = random_logits(n, static_cast<uint32_t>(trial * 5 + n));
      for (int k = 0; k < trial % 4; k++) l[rng() % static_cast<uint32_t>(n)] = 9.0f;  // ties
      if (trial % 5 == 1) l[rng() % static_cast<uint32_t>(n)] = NAN;
      if (trial % 7 == 2) l[0] = NAN;
      if (trial % 9 == 3) l[static_cast<size_t>(n) - 1] = INFINITY;
      if (trial % 11 == 4) std::fill(l.begin(), l.end(), -INFINITY);
      if (trial % 13 == 5) {  // all values <= 0, the largest a -0 before a +0
        for (float& v : l) v = -std::fabs(v);
        l[rng() % static_cast<uint32_t>(n)] = -0.0f;
        l[rng() % static_cast<uint32_t>(n)] = 0.0f;
      }
      std::vector<std::pair<int, int>> pieces;
      for (int begin = 0; begin < n;) {
        const int end = std::min(n, begin + 1 + static_cast<int>(rng() % 300));
        pieces.push_back({begin, end});
        if (trial % 3 == 0 && begin > 0) l[static_cast<size_t>(begin)] = NAN;  // a piece that starts on a NaN
        begin = end;
      }
      std::shuffle(pieces.begin(), pieces.end(), rng);
      ArgmaxOfPieces merged;
      merged.reset();
      for (const auto& [begin, end] : pieces) merged.add(l.data(), begin, end);
      CHECK_EQ(merged.result(l.data()), first_argmax(l.data(), n));
    }
  }
}

TEST(sampler_same_seed_same_samples) {
  const std::vector<float> logits = random_logits(1000, 1);
  SamplingParams p;
  p.seed = 42;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.temperature = 1.5f;
  Sampler a(p, 1000), b(p, 1000);
  p.seed = 43;
  Sampler c(p, 1000);
  int differ = 0;
  for (int i = 0; i < 200; i++) {
    const int32_t x = a.sample(logits.data(), {});
    CHECK_EQ(x, b.sample(logits.data(), {}));
    differ += x != c.sample(logits.data(), {});
  }
  CHECK(differ > 50);  // a different seed is a different stream
}

TEST(sampler_frequencies_follow_the_softmax) {
  // logits log(1), log(2), log(3), log(4) at temperature 1 -> probabilities 0.1 .. 0.4.
  const float logits[] = {0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  SamplingParams p;
  p.seed = 7;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.temperature = 1.0f;
  Sampler s(p, 4);
  int counts[4] = {};
  const int n = 40000;
  for (int i = 0; i < n; i++) counts[s.sample(logits, {})]++;
  for (int k = 0; k < 4; k++) {
    // Binomial standard deviation is at most sqrt(n * 0.25) = 100; allow 5 of them.
    CHECK_NEAR(counts[k], n * (k + 1) / 10.0, 500);
  }
}

TEST(sampler_top_k_and_top_p_cut_the_tail) {
  const std::vector<float> logits = random_logits(500, 9);
  int best = 0, second = -1;
  for (int i = 1; i < 500; i++) if (logits[i] > logits[best]) best = i;
  for (int i = 0; i < 500; i++) if (i != best && (second < 0 || logits[i] > logits[second])) second = i;
  SamplingParams p;
  p.seed = 1;
  p.temperature = 5.0f;
  p.top_p = 1.0f;
  p.top_k = 1;
  Sampler k1(p, 500);
  for (int i = 0; i < 100; i++) CHECK_EQ(k1.sample(logits.data(), {}), best);
  p.top_k = 2;
  Sampler k2(p, 500);
  for (int i = 0; i < 100; i++) {
    const int x = k2.sample(logits.data(), {});
    CHECK(x == best || x == second);
  }
  p.top_k = 0;
  p.top_p = 1e-6f;  // only the most likely token reaches the mass
  Sampler tp(p, 500);
  for (int i = 0; i < 100; i++) CHECK_EQ(tp.sample(logits.data(), {}), best);
}

TEST(sampler_repetition_penalty_divides_positive_and_multiplies_negative_logits) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.repetition_penalty = 2.0f;
  Sampler s(p, 3);
  const float positive[] = {1.0f, 1.5f, 0.0f};
  CHECK_EQ(s.sample(positive, {1}), 0);   // 1.5 / 2 = 0.75 < 1
  const float negative[] = {-1.0f, -0.6f, -3.0f};
  CHECK_EQ(s.sample(negative, {1}), 0);   // -0.6 * 2 = -1.2 < -1
  CHECK_EQ(s.sample(negative, {}), 1);
  p.repetition_window = 1;                // only the last token counts
  Sampler w(p, 3);
  CHECK_EQ(w.sample(positive, {1, 2}), 1);
}

// The reference for a mask: the same draw with the logits of every other id at -infinity.
TEST(sampler_allowed_ids_draw_as_if_the_others_were_minus_infinity) {
  const int n = 300;
  const std::vector<float> logits = random_logits(n, 3);
  std::mt19937 rng(5);
  std::vector<uint64_t> bits((n + 63) / 64, 0);
  std::vector<float> masked(static_cast<size_t>(n), -INFINITY);
  for (int i = 0; i < n; i++) {
    if (rng() % 5 != 0) continue;
    bits[static_cast<size_t>(i) / 64] |= uint64_t{1} << (i % 64);
    masked[static_cast<size_t>(i)] = logits[static_cast<size_t>(i)];
  }
  for (const float temperature : {0.0f, 0.7f, 1.5f}) {
    SamplingParams p;
    p.temperature = temperature;
    p.seed = 11;
    Sampler with_bits(p, n), with_logits(p, n);
    for (int draw = 0; draw < 200; draw++) {
      const int32_t id = with_bits.sample(logits.data(), {}, bits.data());
      CHECK_EQ(id, with_logits.sample(masked.data(), {}));
      CHECK((bits[static_cast<size_t>(id) / 64] >> (id % 64)) & 1);
    }
  }
}

}  // namespace
}  // namespace arb
