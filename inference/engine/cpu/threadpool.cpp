// ThreadPool: publishing a job writes its function, then a new job number into state_; workers
// join by incrementing the joined count while the job is open; the caller closes the job when
// its own share is done and waits only for the workers that joined.
#include "threadpool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ARB_PAUSE() _mm_pause()
#else
#define ARB_PAUSE() std::this_thread::yield()
#endif

namespace arb {

namespace {
// About 100 microseconds of pause instructions: longer than the serial gaps between the jobs
// of a forward pass, short enough that a worker waiting through sampling or a stretch without
// requests goes to sleep instead of taking a core from the other processes.
constexpr int kSpinIterations = 1 << 12;
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int i = 1; i < n_threads_; i++) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    state_.store(static_cast<uint64_t>(++job_) << 32);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_raw(JobFn fn, void* ctx) {
  if (n_threads_ == 1) {
    fn(ctx, 0, 1);
    return;
  }
  job_fn_ = fn;
  job_ctx_ = ctx;
  done_.store(0, std::memory_order_relaxed);
  state_.store(static_cast<uint64_t>(++job_) << 32);  // seq_cst: before the sleeping_ check
  if (sleeping_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  fn(ctx, 0, n_threads_);
  const int joined = static_cast<int>(state_.fetch_or(kClosed) & kJoinedMask);
  for (int spins = 0; done_.load(std::memory_order_acquire) != joined; spins++) {
    if (spins < kSpinIterations) {
      ARB_PAUSE();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::worker_loop(int ith) {
  uint32_t seen = 0;
  for (;;) {
    uint64_t s = state_.load(std::memory_order_acquire);
    for (int spins = 0; static_cast<uint32_t>(s >> 32) == seen; spins++) {
      if (spins < kSpinIterations) {
        ARB_PAUSE();
      } else {
        std::unique_lock<std::mutex> lock(mutex_);
        sleeping_.fetch_add(1);
        wake_.wait(lock, [&] { return static_cast<uint32_t>(state_.load() >> 32) != seen; });
        sleeping_.fetch_sub(1);
        spins = 0;
      }
      s = state_.load(std::memory_order_acquire);
    }
    seen = static_cast<uint32_t>(s >> 32);
    if (stop_.load()) return;
    // Join unless the caller has already closed this job (or moved on to another one).
    bool joined = false;
    while (!(s & kClosed) && static_cast<uint32_t>(s >> 32) == seen) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
        joined = true;
        break;
      }
    }
    if (!joined) continue;
    job_fn_(job_ctx_, ith, n_threads_);
    done_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace arb
