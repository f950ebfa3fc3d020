#include "hw/feeder.hpp"

#include <stdexcept>

namespace ccsim::hw {

Feeder::Feeder(const model::PackedLayer& matmul, const model::Int8Tensor& input, const model::PackedLayer* shift)
    : layer_(matmul), input_(input), shift_(shift), kernel_(matmul.window.kh * matmul.window.kw) {
  const model::Shape expected = shift ? shift->in : matmul.in;
  if (input.shape.size() != expected.size()) throw std::invalid_argument("feeder input does not match the layer");
}

std::int8_t Feeder::value(std::int64_t p, std::uint32_t column) const {
  const model::PackedLayer& l = layer_;
  const int c = static_cast<int>(column) / kernel_;
  const int t = static_cast<int>(column) % kernel_;
  const int oy = static_cast<int>(p / l.out.w);
  const int ox = static_cast<int>(p % l.out.w);
  int y = oy * l.window.stride_h - l.window.pad_top + t / l.window.kw;
  int x = ox * l.window.stride_w - l.window.pad_left + t % l.window.kw;
  if (y < 0 || y >= l.in.h || x < 0 || x >= l.in.w) return 0;  // convolution padding
  if (shift_) {
    y += shift_->shift[c][0];
    x += shift_->shift[c][1];
    if (y < 0 || y >= l.in.h || x < 0 || x >= l.in.w) return 0;  // shifted in from outside
  }
  return input_.data[(static_cast<std::size_t>(c) * l.in.h + y) * l.in.w + x];
}

}  // namespace ccsim::hw
