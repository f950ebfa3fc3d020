#include "hw/feeder.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccsim::hw {

Feeder::Feeder(const model::PackedLayer& matmul, const model::Int8Tensor& input, const model::PackedLayer* shift)
    : matmul_(matmul), input_(input), shift_(shift) {
  const model::Shape expected = shift ? shift->in : matmul.in;
  if (input.shape.size() != expected.size()) throw std::invalid_argument("feeder input does not match the layer");
}

std::int64_t Feeder::address(const model::PackedLayer& l, const model::PackedLayer* shift, std::int64_t p,
                             std::uint32_t column) {
  const int kernel = l.window.kh * l.window.kw;
  const int c = static_cast<int>(column) / kernel;
  const int t = static_cast<int>(column) % kernel;
  const int oy = static_cast<int>(p / l.out.w);
  const int ox = static_cast<int>(p % l.out.w);
  int y = oy * l.window.stride_h - l.window.pad_top + (t / l.window.kw) * l.window.dilation_h;
  int x = ox * l.window.stride_w - l.window.pad_left + (t % l.window.kw) * l.window.dilation_w;
  if (y < 0 || y >= l.in.h || x < 0 || x >= l.in.w) return -1;  // convolution padding
  if (shift) {
    y += shift->shift[c][0];
    x += shift->shift[c][1];
    if (y < 0 || y >= l.in.h || x < 0 || x >= l.in.w) return -1;  // shifted in from outside
  }
  return (static_cast<std::int64_t>(c) * l.in.h + y) * l.in.w + x;
}

ColumnFeed::ColumnFeed(const ArrayConfig& array, const model::PackedLayer& layer)
    : layer_(layer), cols_(array.cols), bits_(array.cycles_per_mac()), alpha_(array.alpha_max), groups_(layer.packed_cols()),
      values_(static_cast<std::size_t>(array.cols) * array.alpha_max, 0), pixel_(array.cols, -1) {}

void ColumnFeed::begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) {
  g0_ = first_group;
  first_pixel_ = first_pixel;
  pixels_ = pixels;
  std::fill(pixel_.begin(), pixel_.end(), -1);
  next_t_ = -1;
}

}  // namespace ccsim::hw
