#include "sim/progress_bar.hpp"

#include <cmath>
#include <sstream>

namespace ccsim::cli {

ProgressBar::ProgressBar(std::int64_t total, std::string what, std::ostream& out)
    : total_(total), what_(std::move(what)), out_(out) {}

std::string ProgressBar::render(std::int64_t done, std::int64_t total, double seconds, const std::string& what, int width) {
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int filled = static_cast<int>(std::floor(fraction * width));
  std::ostringstream o;
  o << "[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done << "/" << total << " " << what;
  if (seconds > 0 && done > 0) {
    const double rate = static_cast<double>(done) / seconds;
    o.precision(3);
    o << "  " << rate << "/s";
    const double eta = static_cast<double>(total - done) / rate;
    o << "  ETA " << static_cast<std::int64_t>(std::ceil(eta)) << "s";
  }
  return o.str();
}

void ProgressBar::tick() {
  ++done_;
  draw(false);
}

void ProgressBar::finish() { draw(true); }

void ProgressBar::draw(bool final) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!final && now - last_draw_ < std::chrono::milliseconds(200) && done_ < total_) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  out_ << "\r" << render(done_, total_, seconds, what_) << (final ? "\n" : "") << std::flush;
}

}  // namespace ccsim::cli
