// A small thread-safe progress bar with rate and ETA on a stream (Debian has no C++ one).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

namespace ccsim::cli {

class ProgressBar {
 public:
  ProgressBar(std::int64_t total, std::string what, std::ostream& out);
  void tick();    // one item done (any thread)
  void finish();  // final line
  // "[#####.....] 50/100 points  12.5/s  ETA 4s" for `done` items after `seconds`.
  static std::string render(std::int64_t done, std::int64_t total, double seconds, const std::string& what, int width = 30);

 private:
  void draw(bool final);
  std::int64_t total_;
  std::string what_;
  std::ostream& out_;
  std::atomic<std::int64_t> done_{0};
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace ccsim::cli
