#include "thread_pool.h"

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#include <immintrin.h>
#define MTLAB_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define MTLAB_PAUSE() __asm__ __volatile__("yield")
#else
#define MTLAB_PAUSE() ((void)0)
#endif

namespace mtlab {
namespace {
// About 20-50 µs of spinning before a worker sleeps: long enough to bridge the gap between the matMuls of one
// training step, short enough not to hold a core that another process wants.
constexpr int kSpinIterations = 4000;
}  // namespace

ThreadPool& ThreadPool::shared() {
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

int ThreadPool::hardware_threads() {
  const unsigned count = std::thread::hardware_concurrency();
  return count == 0 ? 1 : static_cast<int>(count);
}

void ThreadPool::ensure_threads(int count) {
  while (static_cast<int>(threads_.size()) < count) {
    const int index = static_cast<int>(threads_.size()) + 1;
    threads_.emplace_back([this, index] { worker_loop(index); });
    threads_.back().detach();
  }
}

bool ThreadPool::run(int workers, Task task, void* context) {
  if (workers <= 1) {
    task(context, 0);
    return true;
  }
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true, std::memory_order_acquire)) return false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_threads(workers - 1);
    active_ = workers;
    task_ = task;
    context_ = context;
    pending_.store(workers - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  task(context, 0);
  for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kSpinIterations) {
      MTLAB_PAUSE();
    } else {
      std::unique_lock<std::mutex> lock(mutex_);
      finished_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
  }
  busy_.store(false, std::memory_order_release);
  return true;
}

void ThreadPool::worker_loop(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    std::uint64_t now = generation_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen && spin < kSpinIterations; ++spin) {
      MTLAB_PAUSE();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    Task task;
    void* context;
    int active;
    {
      // Read the generation with the task it belongs to: a worker left out of one call may wake up only after
      // the next call was posted, and must then run that one exactly once.
      std::lock_guard<std::mutex> lock(mutex_);
      seen = generation_.load(std::memory_order_acquire);
      task = task_;
      context = context_;
      active = active_;
    }
    if (index >= active) continue;
    task(context, index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.notify_all();
    }
  }
}

}  // namespace mtlab
