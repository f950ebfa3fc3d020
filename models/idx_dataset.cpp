#include "models/idx_dataset.hpp"

#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>

#include <zlib.h>

#include "models/atomic_file.hpp"

namespace ccsim::model {
namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

std::string find_file(const std::string& dir, const std::string& base) {
  for (const auto& candidate : {base, base + ".gz"}) {
    const auto p = std::filesystem::path(dir) / candidate;
    const std::string missing = missing_file_reason(p.string());
    if (missing.empty()) return p.string();
    if (missing != "no such file") throw std::runtime_error(p.string() + ": " + missing);
  }
  throw std::runtime_error((std::filesystem::path(dir) / base).string() + "[.gz]: no such file (data set missing?)");
}

// gzread reads plain files too.
std::vector<std::uint8_t> read_all(const std::string& path) {
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f.get(), buf, sizeof(buf));
    if (n < 0) throw std::runtime_error(path + ": corrupt compressed data");
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

}  // namespace

IdxDataset load_idx_dataset(const std::string& dir, const std::string& split, int limit) {
  const std::string image_path = find_file(dir, split + "-images-idx3-ubyte");
  const std::string label_path = find_file(dir, split + "-labels-idx1-ubyte");
  return parse_idx(read_all(image_path), read_all(label_path), image_path, label_path, limit);
}

IdxDataset parse_idx(const std::vector<std::uint8_t>& images, const std::vector<std::uint8_t>& labels,
                     const std::string& image_path, const std::string& label_path, int limit) {
  if (images.size() < 16 || be32(images, 0) != 0x00000803) throw std::runtime_error(image_path + ": not an IDX3 ubyte file");
  if (labels.size() < 8 || be32(labels, 0) != 0x00000801) throw std::runtime_error(label_path + ": not an IDX1 ubyte file");
  IdxDataset d;
  d.label_file = label_path;
  const std::uint32_t n = be32(images, 4);
  const std::uint32_t rows = be32(images, 8);
  const std::uint32_t cols = be32(images, 12);
  // Far beyond any image data set ccsim reads, and small enough that no size below overflows.
  constexpr std::uint32_t kMaxSide = 1u << 14;
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide) {
    throw std::runtime_error(image_path + ": image size " + std::to_string(rows) + "x" + std::to_string(cols) +
                             " is outside 1.." + std::to_string(kMaxSide));
  }
  if (n == 0) throw std::runtime_error(image_path + ": holds no images");
  if (n > static_cast<std::uint32_t>(std::numeric_limits<int>::max())) throw std::runtime_error(image_path + ": more than 2^31 images");
  if (be32(labels, 4) != n) throw std::runtime_error(label_path + ": label count differs from " + image_path);
  d.rows = static_cast<int>(rows);
  d.cols = static_cast<int>(cols);
  const std::uint64_t pixels = std::uint64_t{rows} * cols;
  if (images.size() != 16 + std::uint64_t{n} * pixels) throw std::runtime_error(image_path + ": truncated or oversized");
  if (labels.size() != 8 + std::uint64_t{n}) throw std::runtime_error(label_path + ": truncated or oversized");
  d.count = static_cast<int>(limit > 0 && static_cast<std::uint32_t>(limit) < n ? limit : n);
  d.images.assign(images.begin() + 16, images.begin() + 16 + static_cast<std::ptrdiff_t>(d.count * pixels));
  d.labels.assign(labels.begin() + 8, labels.begin() + 8 + d.count);
  return d;
}

void require_idx_dataset(const std::string& dir, const std::string& split) {
  find_file(dir, split + "-images-idx3-ubyte");
  find_file(dir, split + "-labels-idx1-ubyte");
}

void check_labels(const IdxDataset& d, int classes) {
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    if (d.labels[i] >= classes) {
      throw std::runtime_error(d.label_file + ": label " + std::to_string(d.labels[i]) + " of sample " + std::to_string(i) +
                               " is not one of the network's " + std::to_string(classes) + " classes");
    }
  }
}

}  // namespace ccsim::model

namespace ccsim::model {

FloatTensor to_batch(const IdxDataset& d, const Preprocess& p, const Shape& input, int first, int count) {
  if (input.c != 1 || input.h != d.rows || input.w != d.cols) {
    throw std::runtime_error("data set images are 1x" + std::to_string(d.rows) + "x" + std::to_string(d.cols) +
                             ", the network input is " + to_string(input));
  }
  if (first < 0 || count < 0 || first + count > d.count) throw std::out_of_range("sample range outside the data set");
  const float mean = p.mean.empty() ? 0.0f : p.mean[0];
  const float stddev = p.std.empty() ? 1.0f : p.std[0];
  if (!(stddev != 0.0f)) throw std::runtime_error("preprocess std must not be 0");
  FloatTensor t;
  t.dims = {count, 1, d.rows, d.cols};
  const std::size_t pixels = static_cast<std::size_t>(d.rows) * d.cols;
  t.data.resize(static_cast<std::size_t>(count) * pixels);
  for (std::size_t i = 0; i < t.data.size(); ++i) {
    t.data[i] = (static_cast<float>(d.images[static_cast<std::size_t>(first) * pixels + i]) * p.scale - mean) / stddev;
  }
  return t;
}

}  // namespace ccsim::model
