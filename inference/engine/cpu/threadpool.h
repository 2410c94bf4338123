// A fixed set of persistent threads that run one job at a time on every thread, the caller
// included. Workers spin briefly between jobs (a forward pass dispatches hundreds of small jobs
// per token, so waking a sleeping thread each time would cost more than the work), then sleep.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace arb {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);  // n_threads >= 1; the caller is one of them
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Runs fn(ith, nth) on every thread (ith = 0 on the caller) and returns when all are done.
  template <typename Fn>
  void run(Fn&& fn) {
    run_raw(
        [](void* ctx, int ith, int nth) { (*static_cast<Fn*>(ctx))(ith, nth); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Calls fn(begin, end) over [0, n) in chunks of `chunk`, handed out dynamically so a thread
  // slowed by a neighbour process takes fewer.
  template <typename Fn>
  void parallel_for(int64_t n, int64_t chunk, Fn&& fn) {
    if (n <= 0) return;
    if (chunk < 1) chunk = 1;
    std::atomic<int64_t> next{0};
    run([&](int, int) {
      for (;;) {
        const int64_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
        if (begin >= n) return;
        fn(begin, begin + chunk < n ? begin + chunk : n);
      }
    });
  }

 private:
  using JobFn = void (*)(void* ctx, int ith, int nth);
  void run_raw(JobFn fn, void* ctx);
  void worker_loop(int ith);

  int n_threads_;
  std::vector<std::thread> workers_;
  JobFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<int> pending_{0};
  alignas(64) std::atomic<int> sleeping_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace arb
