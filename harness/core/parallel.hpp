// A parallel loop for the CPU-side reference work (product sums, model chains): the harness
// verifies large wgmma tiles while the GPU waits, so this work is on the sweep's critical path.
#pragma once
#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace tcb {

// Calls body(i) for every i in [0, n), split into contiguous ranges over the hardware threads.
// Iterations must be independent; each writes only its own results. `min_per_thread` keeps
// short loops on the calling thread, where a thread's start-up would cost more than it saves.
// An exception thrown by body is rethrown here after every thread has finished.
template <class Body>
void parallel_for(size_t n, Body body, size_t min_per_thread = 16) {
  const size_t hw = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::min(hw, std::max<size_t>(1, n / std::max<size_t>(1, min_per_thread)));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(threads);
  const size_t per = (n + threads - 1) / threads;
  auto range = [&](size_t t) {
    try {
      for (size_t i = t * per; i < std::min(n, (t + 1) * per); ++i) body(i);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(range, t);
  range(0);
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace tcb
