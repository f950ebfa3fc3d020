#include "models/golden.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace ccsim::model {
namespace {

// The input value a filter-matrix column reads at output pixel (oy, ox); 0 in the padding.
std::int8_t im2col_value(const PackedLayer& l, const Int8Tensor& in, std::uint32_t column, int oy, int ox) {
  const int k = l.window.kh * l.window.kw;
  const int c = static_cast<int>(column) / k;
  const int t = static_cast<int>(column) % k;
  const int y = oy * l.window.stride_h - l.window.pad_top + t / l.window.kw;
  const int x = ox * l.window.stride_w - l.window.pad_left + t % l.window.kw;
  if (y < 0 || y >= l.in.h || x < 0 || x >= l.in.w) return 0;
  return in.data[(static_cast<std::size_t>(c) * l.in.h + y) * l.in.w + x];
}

Int8Tensor matmul(const PackedLayer& l, const Int8Tensor& in) {
  Int8Tensor out{l.out, std::vector<std::int8_t>(static_cast<std::size_t>(l.out.size()))};
  const int groups = l.packed_cols();
  std::vector<std::int8_t> column_input(static_cast<std::size_t>(l.cols()));
  for (int oy = 0; oy < l.out.h; ++oy) {
    for (int ox = 0; ox < l.out.w; ++ox) {
      // Gather only the columns some group reads (zero columns were dropped by combining).
      for (const auto& g : l.groups) {
        for (const auto col : g) column_input[col] = im2col_value(l, in, col, oy, ox);
      }
      for (int r = 0; r < l.rows(); ++r) {
        fixed::Acc acc = l.bias[r];
        for (int g = 0; g < groups; ++g) {
          const std::size_t cell = l.cell(r, g);
          acc = fixed::mac(acc, l.weights[cell], column_input[l.groups[g][l.select[cell]]]);
        }
        out.data[(static_cast<std::size_t>(r) * l.out.h + oy) * l.out.w + ox] =
            fixed::requantize(acc, l.requant[r], l.act_min, l.act_max);
      }
    }
  }
  return out;
}

Int8Tensor shift(const PackedLayer& l, const Int8Tensor& in) {
  Int8Tensor out{l.out, std::vector<std::int8_t>(in.data.size(), 0)};
  for (int c = 0; c < l.in.c; ++c) {
    const int dy = l.shift[c][0];
    const int dx = l.shift[c][1];
    for (int y = 0; y < l.in.h; ++y) {
      const int sy = y + dy;
      if (sy < 0 || sy >= l.in.h) continue;
      for (int x = 0; x < l.in.w; ++x) {
        const int sx = x + dx;
        if (sx < 0 || sx >= l.in.w) continue;
        out.data[(static_cast<std::size_t>(c) * l.in.h + y) * l.in.w + x] =
            in.data[(static_cast<std::size_t>(c) * l.in.h + sy) * l.in.w + sx];
      }
    }
  }
  return out;
}

Int8Tensor pool(const PackedLayer& l, const Int8Tensor& in) {
  Int8Tensor out{l.out, std::vector<std::int8_t>(static_cast<std::size_t>(l.out.size()))};
  const Window& w = l.window;
  for (int c = 0; c < l.out.c; ++c) {
    for (int oy = 0; oy < l.out.h; ++oy) {
      for (int ox = 0; ox < l.out.w; ++ox) {
        std::int32_t best = std::numeric_limits<std::int32_t>::min();
        std::int32_t sum = 0;
        std::int32_t count = 0;
        for (int ky = 0; ky < w.kh; ++ky) {
          for (int kx = 0; kx < w.kw; ++kx) {
            const int y = oy * w.stride_h - w.pad_top + ky;
            const int x = ox * w.stride_w - w.pad_left + kx;
            if (y < 0 || y >= l.in.h || x < 0 || x >= l.in.w) continue;
            const std::int8_t v = in.data[(static_cast<std::size_t>(c) * l.in.h + y) * l.in.w + x];
            best = std::max<std::int32_t>(best, v);
            sum += v;
            ++count;
          }
        }
        std::int32_t value = 0;
        if (l.kind == OpKind::MaxPool) {
          value = count ? best : 0;
        } else {
          const std::int32_t divisor = l.count_include_pad ? w.kh * w.kw : count;
          value = divisor ? fixed::rounding_divide(sum, divisor) : 0;
        }
        out.data[(static_cast<std::size_t>(c) * l.out.h + oy) * l.out.w + ox] = static_cast<std::int8_t>(value);
      }
    }
  }
  return out;
}

Int8Tensor global_avg_pool(const PackedLayer& l, const Int8Tensor& in) {
  Int8Tensor out{l.out, std::vector<std::int8_t>(static_cast<std::size_t>(l.in.c))};
  const std::int32_t n = l.in.h * l.in.w;
  for (int c = 0; c < l.in.c; ++c) {
    std::int32_t sum = 0;
    for (std::int32_t i = 0; i < n; ++i) sum += in.data[static_cast<std::size_t>(c) * n + i];
    out.data[c] = static_cast<std::int8_t>(fixed::rounding_divide(sum, n));
  }
  return out;
}

}  // namespace

Int8Tensor quantize_input(const PackedNetwork& net, const float* values, std::size_t count) {
  if (count != static_cast<std::size_t>(net.input.size())) {
    throw std::invalid_argument("input has " + std::to_string(count) + " values, network input " +
                                to_string(net.input) + " needs " + std::to_string(net.input.size()));
  }
  Int8Tensor t{net.input, std::vector<std::int8_t>(count)};
  for (std::size_t i = 0; i < count; ++i) t.data[i] = fixed::quantize_value(values[i], net.input_scale);
  return t;
}

Int8Tensor run_layer(const PackedLayer& layer, const Int8Tensor& in) {
  if (in.shape.size() != layer.in.size() || in.data.size() != static_cast<std::size_t>(layer.in.size())) {
    throw std::invalid_argument("layer '" + layer.name + "' expects input " + to_string(layer.in) + ", got " +
                                to_string(in.shape));
  }
  switch (layer.kind) {
    case OpKind::Matmul:
      return matmul(layer, in);
    case OpKind::Shift:
      return shift(layer, in);
    case OpKind::MaxPool:
    case OpKind::AvgPool:
      return pool(layer, in);
    case OpKind::GlobalAvgPool:
      return global_avg_pool(layer, in);
    case OpKind::Flatten:
      return {layer.out, in.data};
    case OpKind::Clamp: {
      Int8Tensor out{layer.out, in.data};
      for (auto& v : out.data) v = static_cast<std::int8_t>(fixed::clamp(v, layer.act_min, layer.act_max));
      return out;
    }
  }
  throw std::logic_error("unknown op kind");
}

Int8Tensor run_golden(const PackedNetwork& net, const Int8Tensor& input, std::vector<Int8Tensor>* trace) {
  Int8Tensor x = input;
  for (const auto& layer : net.layers) {
    x = run_layer(layer, x);
    if (trace) trace->push_back(x);
  }
  return x;
}

std::vector<Int8Tensor> run_golden_batch(const PackedNetwork& net, const float* inputs, std::size_t count) {
  const auto per = static_cast<std::size_t>(net.input.size());
  std::vector<Int8Tensor> out(count);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      out[i] = run_golden(net, quantize_input(net, inputs + i * per, per));
    }
  });
  return out;
}

std::vector<float> dequantize(const Int8Tensor& t, float scale) {
  std::vector<float> out(t.data.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(t.data[i]) * scale;
  return out;
}

std::size_t argmax(const std::vector<std::int8_t>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace ccsim::model
