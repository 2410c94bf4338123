// The thread pool: every thread runs each job, parallel_for covers each index once, and jobs
// keep working after the workers have gone to sleep.
#include <atomic>
#include <chrono>
#include <thread>

#include "../cpu/threadpool.h"
#include "test.h"

namespace arb {
namespace {

TEST(threadpool_runs_each_thread_at_most_once_per_job_and_the_caller_always) {
  for (int n : {1, 2, 3}) {
    ThreadPool pool(n);
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    for (int job = 0; job < 500; job++) {
      std::vector<std::atomic<int>> in_job(static_cast<size_t>(n));
      pool.run([&](int ith, int nth) {
        CHECK_EQ(nth, n);
        in_job[static_cast<size_t>(ith)]++;
        hits[static_cast<size_t>(ith)]++;
      });
      CHECK_EQ(in_job[0].load(), 1);
      for (auto& h : in_job) CHECK(h.load() <= 1);
    }
  }
}

TEST(threadpool_workers_share_long_jobs) {
  ThreadPool pool(2);
  std::atomic<int> jobs_with_help{0};
  for (int job = 0; job < 20; job++) {
    std::atomic<bool> helped{false};
    pool.run([&](int ith, int) {
      if (ith > 0) helped = true;
      // The caller keeps the job open for up to 20 ms so a worker has time to join.
      for (int i = 0; i < 20000 && ith == 0 && !helped; i++) std::this_thread::sleep_for(std::chrono::microseconds(1));
    });
    jobs_with_help += helped;
  }
  CHECK(jobs_with_help.load() > 0);
}

TEST(threadpool_jobs_finish_when_workers_are_busy_elsewhere) {
  // Four pools of two threads on this machine's cores: workers are often descheduled; every job
  // must still complete all its work, promptly, by whoever is running.
  std::vector<std::thread> users;
  std::atomic<int64_t> total{0};
  for (int u = 0; u < 4; u++) {
    users.emplace_back([&] {
      ThreadPool pool(2);
      for (int job = 0; job < 300; job++) {
        std::atomic<int64_t> sum{0};
        pool.parallel_for(1000, 10, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; i++) sum += i;
        });
        total += sum.load() == 499500;
      }
    });
  }
  for (auto& t : users) t.join();
  CHECK_EQ(total.load(), 1200);
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
    pool.parallel_for(3, 1, [&](int64_t b, int64_t) { sum += static_cast<int>(b) + 1; });
  }
  CHECK_EQ(sum.load(), 18);
}

}  // namespace
}  // namespace arb
