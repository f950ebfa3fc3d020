#include "models/golden.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <iterator>
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
  const int y = oy * l.window.stride_h - l.window.pad_top + (t / l.window.kw) * l.window.dilation_h;
  const int x = ox * l.window.stride_w - l.window.pad_left + (t % l.window.kw) * l.window.dilation_w;
  if (y < 0 || y >= l.in.h || x < 0 || x >= l.in.w) return 0;
  return in.data[(static_cast<std::size_t>(c) * l.in.h + y) * l.in.w + x];
}

// acc[p] += w0 x0[p] + w1 x1[p] + w2 x2[p] + w3 x3[p] (or one term), wrapping at 32 bits as
// fixed::mac does: modular addition is associative, so any order of the products gives the golden
// value. The bodies are compiled three times (AVX-512, AVX2, baseline x86-64) and one is picked at
// run time, so the build needs no -march that other machines lack.
__attribute__((always_inline)) inline void mac4_body(std::uint32_t* acc, const std::int8_t* const* x,
                                                     const std::int32_t* w, std::size_t n) {
  const std::int8_t* x0 = x[0];
  const std::int8_t* x1 = x[1];
  const std::int8_t* x2 = x[2];
  const std::int8_t* x3 = x[3];
  const std::int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
  for (std::size_t p = 0; p < n; ++p) {
    acc[p] += static_cast<std::uint32_t>(w0 * x0[p] + w1 * x1[p] + w2 * x2[p] + w3 * x3[p]);  // |sum| <= 2^16
  }
}

__attribute__((always_inline)) inline void mac1_body(std::uint32_t* acc, const std::int8_t* x, std::int32_t w,
                                                     std::size_t n) {
  for (std::size_t p = 0; p < n; ++p) acc[p] += static_cast<std::uint32_t>(w * x[p]);
}

__attribute__((always_inline)) inline void requantize_body(const std::uint32_t* acc, std::int8_t* out,
                                                           fixed::Multiplier m, std::int8_t lo, std::int8_t hi,
                                                           std::size_t n) {
  for (std::size_t p = 0; p < n; ++p) out[p] = fixed::requantize(static_cast<fixed::Acc>(acc[p]), m, lo, hi);
}

using Mac4 = void (*)(std::uint32_t*, const std::int8_t* const*, const std::int32_t*, std::size_t);
using Mac1 = void (*)(std::uint32_t*, const std::int8_t*, std::int32_t, std::size_t);
using Requantize = void (*)(const std::uint32_t*, std::int8_t*, fixed::Multiplier, std::int8_t, std::int8_t, std::size_t);

#define CCSIM_MAC_KERNELS(suffix, target)                                                                     \
  target void mac4_##suffix(std::uint32_t* a, const std::int8_t* const* x, const std::int32_t* w, std::size_t n) { \
    mac4_body(a, x, w, n);                                                                                    \
  }                                                                                                           \
  target void mac1_##suffix(std::uint32_t* a, const std::int8_t* x, std::int32_t w, std::size_t n) {          \
    mac1_body(a, x, w, n);                                                                                    \
  }                                                                                                           \
  target void requantize_##suffix(const std::uint32_t* a, std::int8_t* out, fixed::Multiplier m, std::int8_t lo, \
                                  std::int8_t hi, std::size_t n) {                                            \
    requantize_body(a, out, m, lo, hi, n);                                                                    \
  }
CCSIM_MAC_KERNELS(avx512, __attribute__((target("avx512f,avx512bw,avx512vl"))))
CCSIM_MAC_KERNELS(avx2, __attribute__((target("avx2"))))
CCSIM_MAC_KERNELS(baseline, )
#undef CCSIM_MAC_KERNELS

struct MacKernels {
  Mac4 mac4;
  Mac1 mac1;
  Requantize requantize;
  const char* isa;
};

MacKernels pick_kernels() {
  const MacKernels avx512{mac4_avx512, mac1_avx512, requantize_avx512, "avx512"};
  const MacKernels avx2{mac4_avx2, mac1_avx2, requantize_avx2, "avx2"};
  const MacKernels baseline{mac4_baseline, mac1_baseline, requantize_baseline, "default"};
  const char* cap = std::getenv("CCSIM_GOLDEN_ISA");  // default | avx2 | avx512: at most this (tests)
  const std::string limit = cap ? cap : "avx512";
  if (limit != "default" && limit != "avx2" && limit != "avx512") {
    throw std::invalid_argument("CCSIM_GOLDEN_ISA='" + limit + "': expected default, avx2 or avx512");
  }
  if (limit == "avx512" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl")) {
    return avx512;
  }
  if (limit != "default" && __builtin_cpu_supports("avx2")) return avx2;
  return baseline;
}

const MacKernels& kernels() {
  static const MacKernels k = pick_kernels();
  return k;
}

// A Matmul layer as the golden arithmetic defines it (bias + sum of weight x selected input,
// wrapping at 32 bits, then fixed::requantize), computed row by row over all output pixels: the
// columns some group reads are gathered once (im2col, 0 in the padding), then each row
// accumulates its non-zero cells' input rows into one vector of pixel sums.
Int8Tensor matmul(const PackedLayer& l, const Int8Tensor& in) {
  Int8Tensor out{l.out, std::vector<std::int8_t>(static_cast<std::size_t>(l.out.size()))};
  const std::size_t pixels = static_cast<std::size_t>(l.out.h) * l.out.w;
  std::vector<std::int64_t> slot(static_cast<std::size_t>(l.cols()), -1);  // column -> row of `images`
  std::size_t used = 0;
  for (const auto& g : l.groups) {
    for (const auto col : g) {
      if (slot[col] < 0) slot[col] = static_cast<std::int64_t>(used++);
    }
  }
  std::vector<std::int8_t> images(used * pixels);
  for (std::size_t col = 0; col < slot.size(); ++col) {
    if (slot[col] < 0) continue;
    std::int8_t* dst = images.data() + static_cast<std::size_t>(slot[col]) * pixels;
    for (int oy = 0; oy < l.out.h; ++oy) {
      for (int ox = 0; ox < l.out.w; ++ox) *dst++ = im2col_value(l, in, static_cast<std::uint32_t>(col), oy, ox);
    }
  }
  const int groups = l.packed_cols();
  const MacKernels& k = kernels();
  std::vector<std::uint32_t> acc(pixels);
  const std::int8_t* x[4];
  std::int32_t w[4];
  for (int r = 0; r < l.rows(); ++r) {
    std::fill(acc.begin(), acc.end(), static_cast<std::uint32_t>(l.bias[r]));
    int pending = 0;
    for (int g = 0; g < groups; ++g) {
      const std::size_t cell = l.cell(r, g);
      if (l.weights[cell] == 0) continue;  // adds 0
      x[pending] = images.data() + static_cast<std::size_t>(slot[l.groups[g][l.select[cell]]]) * pixels;
      w[pending] = l.weights[cell];
      if (++pending == 4) {
        k.mac4(acc.data(), x, w, pixels);
        pending = 0;
      }
    }
    for (int i = 0; i < pending; ++i) k.mac1(acc.data(), x[i], w[i], pixels);
    k.requantize(acc.data(), out.data.data() + static_cast<std::size_t>(r) * pixels, l.requant[r], l.act_min, l.act_max,
                 pixels);
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

Int8Tensor pad(const PackedLayer& l, const Int8Tensor& in) {
  Int8Tensor out{l.out, std::vector<std::int8_t>(static_cast<std::size_t>(l.out.size()), 0)};
  for (int c = 0; c < l.in.c; ++c) {
    for (int y = 0; y < l.in.h; ++y) {
      const auto from = in.data.begin() + (static_cast<std::ptrdiff_t>(c) * l.in.h + y) * l.in.w;
      std::copy(from, from + l.in.w,
                out.data.begin() + (static_cast<std::ptrdiff_t>(c) * l.out.h + y + l.window.pad_top) * l.out.w +
                    l.window.pad_left);
    }
  }
  return out;
}

Int8Tensor add(const PackedLayer& l, const std::vector<const Int8Tensor*>& in) {
  Int8Tensor out{l.out, std::vector<std::int8_t>(static_cast<std::size_t>(l.out.size()))};
  for (std::size_t j = 0; j < out.data.size(); ++j) {
    std::int32_t sum = 0;
    for (std::size_t k = 0; k < in.size(); ++k) sum += fixed::add_term(in[k]->data[j], l.operand_requant[k]);
    out.data[j] = fixed::requantize(sum, l.requant[0], l.act_min, l.act_max);
  }
  return out;
}

Int8Tensor concat(const PackedLayer& l, const std::vector<const Int8Tensor*>& in) {
  Int8Tensor out{l.out, {}};
  out.data.reserve(static_cast<std::size_t>(l.out.size()));
  for (std::size_t k = 0; k < in.size(); ++k) {
    for (const std::int8_t v : in[k]->data) out.data.push_back(fixed::rescale(v, l.operand_requant[k]));
  }
  return out;
}

}  // namespace

const char* golden_kernel_isa() { return kernels().isa; }

Int8Tensor quantize_input(const PackedNetwork& net, const float* values, std::size_t count) {
  if (count != static_cast<std::size_t>(net.input.size())) {
    throw std::invalid_argument("input has " + std::to_string(count) + " values, network input " +
                                to_string(net.input) + " needs " + std::to_string(net.input.size()));
  }
  Int8Tensor t{net.input, std::vector<std::int8_t>(count)};
  for (std::size_t i = 0; i < count; ++i) t.data[i] = fixed::quantize_value(values[i], net.input_scale, net.activation_bits);
  return t;
}

void require_input_range(const PackedNetwork& net, const Int8Tensor& input, const std::string& what) {
  const std::int32_t lo = fixed::min_of_bits(net.activation_bits);
  const std::int32_t hi = fixed::max_of_bits(net.activation_bits);
  for (std::size_t i = 0; i < input.data.size(); ++i) {
    if (input.data[i] < lo || input.data[i] > hi) {
      throw std::invalid_argument(what + ": value " + std::to_string(input.data[i]) + " at index " + std::to_string(i) +
                                  " is outside the network's " + std::to_string(net.activation_bits) + "-bit activations [" +
                                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
  }
}

Int8Tensor run_layer(const PackedLayer& layer, const std::vector<const Int8Tensor*>& operands) {
  if (layer.kind != OpKind::Add && layer.kind != OpKind::Concat) {
    if (operands.size() != 1) throw std::invalid_argument("layer '" + layer.name + "' takes one input");
    return run_layer(layer, *operands[0]);
  }
  if (operands.size() != layer.operand_requant.size()) {
    throw std::invalid_argument("layer '" + layer.name + "' takes " + std::to_string(layer.operand_requant.size()) +
                                " inputs, got " + std::to_string(operands.size()));
  }
  const std::int64_t plane = static_cast<std::int64_t>(layer.out.h) * layer.out.w;
  for (const Int8Tensor* t : operands) {
    const bool fits = layer.kind == OpKind::Add ? t->shape == layer.out
                                                : t->shape.h == layer.out.h && t->shape.w == layer.out.w;
    if (!fits || t->data.size() != static_cast<std::size_t>(t->shape.c * plane)) {
      throw std::invalid_argument("layer '" + layer.name + "' cannot take an input of " + to_string(t->shape) +
                                  " for its output " + to_string(layer.out));
    }
  }
  return layer.kind == OpKind::Add ? add(layer, operands) : concat(layer, operands);
}

Int8Tensor run_layer(const PackedLayer& layer, const Int8Tensor& in) {
  if (layer.kind == OpKind::Add || layer.kind == OpKind::Concat) {
    throw std::invalid_argument("layer '" + layer.name + "' (" + to_string(layer.kind) + ") needs all its inputs");
  }
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
    case OpKind::Pad:
      return pad(layer, in);
    case OpKind::Add:
    case OpKind::Concat:
      break;
  }
  throw std::logic_error("unknown op kind");
}

std::vector<const Int8Tensor*> operands_of(const PackedNetwork& net, std::size_t layer, const Int8Tensor* outputs,
                                           std::size_t first, const Int8Tensor& first_input) {
  std::vector<const Int8Tensor*> operands;
  for (const int p : input_indices(net.layers, layer)) {
    if (p < static_cast<int>(first)) {
      if (p != static_cast<int>(first) - 1) {
        throw std::invalid_argument("layer '" + net.layers[layer].name + "' reads layer " + std::to_string(p) +
                                    ", before the range that starts at layer " + std::to_string(first));
      }
      operands.push_back(&first_input);
    } else {
      operands.push_back(&outputs[static_cast<std::size_t>(p) - first]);
    }
  }
  return operands;
}

Int8Tensor run_golden(const PackedNetwork& net, const Int8Tensor& input, std::vector<Int8Tensor>* trace) {
  if (is_chain(net.layers)) {  // one tensor alive at a time
    Int8Tensor x = input;
    for (const auto& layer : net.layers) {
      x = run_layer(layer, x);
      if (trace) trace->push_back(x);
    }
    return x;
  }
  std::vector<Int8Tensor> outputs(net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    outputs[i] = run_layer(net.layers[i], operands_of(net, i, outputs.data(), 0, input));
  }
  Int8Tensor y = outputs.empty() ? input : outputs.back();
  if (trace) trace->insert(trace->end(), std::make_move_iterator(outputs.begin()), std::make_move_iterator(outputs.end()));
  return y;
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
