// The thread pool: every thread runs each job, parallel_for covers each index once, and jobs
// keep working after the workers have gone to sleep.
#include <atomic>
#include <chrono>
#include <thread>

#include "../cpu/threadpool.h"
#include "test.h"

namespace arb {
namespace {

TEST(threadpool_runs_every_thread_once_per_job) {
  for (int n : {1, 2, 3}) {
    ThreadPool pool(n);
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    for (int job = 0; job < 500; job++) {
      pool.run([&](int ith, int nth) {
        CHECK_EQ(nth, n);
        hits[static_cast<size_t>(ith)]++;
      });
    }
    for (auto& h : hits) CHECK_EQ(h.load(), 500);
  }
}

TEST(threadpool_parallel_for_covers_each_index_once) {
  ThreadPool pool(3);
  for (int64_t n : {0, 1, 5, 1000, 12345}) {
    std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
    pool.parallel_for(n, 7, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) seen[static_cast<size_t>(i)]++;
    });
    int wrong = 0;
    for (auto& s : seen) wrong += s.load() != 1;
    CHECK_EQ(wrong, 0);
  }
}

TEST(threadpool_wakes_sleeping_workers) {
  ThreadPool pool(2);
  std::atomic<int> sum{0};
  for (int round = 0; round < 3; round++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // past the spin: workers sleep
    pool.run([&](int ith, int) { sum += ith + 1; });
  }
  CHECK_EQ(sum.load(), 9);
}

}  // namespace
}  // namespace arb
