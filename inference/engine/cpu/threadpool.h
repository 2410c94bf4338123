// A fixed set of persistent threads that share one job at a time with the caller. Workers spin
// briefly between jobs (a forward pass dispatches hundreds of small jobs per token, so waking a
// sleeping thread each time would cost more than the work), then sleep.
//
// Jobs claim their work dynamically (an atomic counter of chunks): a job is done when its work
// is, by whichever threads took part. A worker that arrives after the caller has finished
// (descheduled by another process, say) skips the job instead of making everyone wait for it;
// on a machine shared with other busy processes this is the difference between a short delay
// and stalling every step for a scheduler time slice.
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

  // Calls fn(ith, nth) on the caller (ith = 0) and on each worker that joins in time
  // (ith = 1 .. nth-1, each at most once); returns when every call has returned. fn must take
  // its share of the work dynamically, since any subset of workers may take part.
  template <typename Fn>
  void run(Fn&& fn) {
    run_raw(
        [](void* ctx, int ith, int nth) { (*static_cast<Fn*>(ctx))(ith, nth); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Calls fn(begin, end) over [0, n) in chunks of `chunk`, handed out one at a time.
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

  // state_: job number (high 32 bits) | closed flag (bit 31) | workers joined (low 31 bits).
  static constexpr uint64_t kClosed = 1ull << 31;
  static constexpr uint64_t kJoinedMask = kClosed - 1;

  int n_threads_;
  std::vector<std::thread> workers_;
  JobFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  uint32_t job_ = 0;
  alignas(64) std::atomic<uint64_t> state_{0};
  alignas(64) std::atomic<int> done_{0};
  alignas(64) std::atomic<int> sleeping_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace arb
