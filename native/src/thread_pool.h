// A small persistent pool of worker threads for the GEMM: the calling thread is worker 0 and the others wait,
// spinning briefly (matMuls come in quick succession during training) and then sleeping.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace mtlab {

class ThreadPool {
 public:
  using Task = void (*)(void* context, int worker);

  // The process-wide pool (never destroyed: its threads may still be asleep when the process exits).
  static ThreadPool& shared();

  // Runs task(context, w) for w in [0, workers), worker 0 on the calling thread, and returns when all are done.
  // Returns false without running anything when another thread is using the pool (the caller then runs the work
  // on its own thread).
  bool run(int workers, Task task, void* context);

  static int hardware_threads();

 private:
  ThreadPool() = default;
  void ensure_threads(int count);
  void worker_loop(int index);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  std::vector<std::thread> threads_;
  std::atomic<bool> busy_{false};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  int active_ = 0;
  Task task_ = nullptr;
  void* context_ = nullptr;
};

}  // namespace mtlab
